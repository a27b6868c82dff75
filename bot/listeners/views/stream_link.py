"""Submission of the "Add a stream link" modal: validate inline, store as the talk's link."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.budget import AckBudgetExceeded
from bot.container import Container
from bot.i18n import DEFAULT, t
from bot.listeners.payload import id_in, user_and_team
from bot.listeners.slow import refuse_slow
from bot.services.talks.service import NotAllowed


def make_stream_link_submission(container: Container) -> Callable[..., None]:
    streams = container.streams

    def handle_stream_link(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        state = (view["state"]["values"].get(ids.BLOCK_STREAM_LINK) or {}).get(ids.ACTION_STREAM_LINK) or {}
        url = str(state.get("value") or "").strip()
        lang = DEFAULT
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            if problem := streams.validate_link(url, actor.lang):
                ack(response_action="errors", errors={ids.BLOCK_STREAM_LINK: problem})
                return
            talk_id = id_in(view.get("private_metadata"))
            streams.set_manual_link(actor=actor, talk_id=talk_id, url=url)
        except AckBudgetExceeded:
            logger.warning("Stream link not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_STREAM_LINK)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_STREAM_LINK: refusal.message})
            return
        except Exception:
            logger.exception("Saving a stream link failed")
            ack(
                response_action="errors",
                errors={ids.BLOCK_STREAM_LINK: t(lang, "error.generic")},
            )
            return
        ack()
        container.talks.run_flows(talk_id)

    return handle_stream_link
