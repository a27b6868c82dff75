"""Submission of the decline modal: record the decision and the reason, then tell the proposer."""

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
from bot.views.proposals import parse_decline_reason


def make_proposal_decline_submission(container: Container) -> Callable[..., None]:
    proposals = container.proposals

    def handle_proposal_decline(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        lang = DEFAULT
        proposal_id = id_in(view.get("private_metadata"))
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            reason = parse_decline_reason(view["state"]["values"])
            if problem := proposals.decline(actor=actor, proposal_id=proposal_id, reason=reason):
                ack(response_action="errors", errors={ids.BLOCK_DECLINE_REASON: problem})
                return
        except AckBudgetExceeded:
            logger.warning("Decline not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_DECLINE_REASON)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_DECLINE_REASON: refusal.message})
            return
        except Exception:
            logger.exception("Declining a proposal failed")
            ack(response_action="errors", errors={ids.BLOCK_DECLINE_REASON: t(lang, "error.generic")})
            return
        ack()
        proposals.after_decision(proposal_id)

    return handle_proposal_decline
