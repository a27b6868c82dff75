"""Submission of the cancel confirmation."""

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
from bot.views.cancel_modal import CANCEL_REASON_MAX


def make_talk_cancel_submission(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_talk_cancel(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        values = view["state"]["values"]
        reason = str((values.get(ids.BLOCK_CANCEL_REASON, {}).get(ids.ACTION_CANCEL_REASON) or {}).get("value") or "")
        talk_id = id_in(view.get("private_metadata"))
        lang = DEFAULT
        try:
            actor = talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            talks.cancel_talk(actor=actor, talk_id=talk_id, reason=reason.strip()[:CANCEL_REASON_MAX])
        except AckBudgetExceeded:
            logger.warning("Cancellation not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_CANCEL_REASON)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_CANCEL_REASON: refusal.message})
            return
        except Exception:
            logger.exception("Cancelling a talk failed")
            ack(
                response_action="errors",
                errors={ids.BLOCK_CANCEL_REASON: t(lang, "error.generic")},
            )
            return
        ack()
        talks.run_flows(talk_id)

    return handle_talk_cancel
