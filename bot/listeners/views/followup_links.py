"""Submission of the "Add links" modal: validate inline, store the slides and recording links."""

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


def _value(view: dict[str, Any], block_id: str, action_id: str) -> str:
    state = (view["state"]["values"].get(block_id) or {}).get(action_id) or {}
    return str(state.get("value") or "").strip()


def make_followup_links_submission(container: Container) -> Callable[..., None]:
    followup = container.followup

    def handle_followup_links(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        slides = _value(view, ids.BLOCK_FOLLOWUP_SLIDES, ids.ACTION_FOLLOWUP_SLIDES)
        recording = _value(view, ids.BLOCK_FOLLOWUP_RECORDING, ids.ACTION_FOLLOWUP_RECORDING)
        lang = DEFAULT
        talk_id = id_in(view.get("private_metadata"))
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            if errors := followup.validate(lang, slides=slides, recording=recording):
                ack(response_action="errors", errors=errors)
                return
            changed = followup.save_links(actor=actor, talk_id=talk_id, slides=slides, recording=recording)
        except AckBudgetExceeded:
            logger.warning("Follow-up links not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_FOLLOWUP_SLIDES)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_FOLLOWUP_SLIDES: refusal.message})
            return
        except Exception:
            logger.exception("Saving follow-up links failed")
            ack(response_action="errors", errors={ids.BLOCK_FOLLOWUP_SLIDES: t(lang, "error.generic")})
            return
        ack()
        if changed:
            container.talks.run_flows(talk_id)

    return handle_followup_links
