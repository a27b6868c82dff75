"""Submission of the propose modal: validate inline, store, then show it on the board."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.budget import AckBudgetExceeded
from bot.container import Container
from bot.i18n import DEFAULT, t
from bot.listeners.payload import user_and_team
from bot.listeners.slow import refuse_slow
from bot.services.talks.service import NotAllowed
from bot.views.proposals import parse_propose_submission


def make_proposal_new_submission(container: Container) -> Callable[..., None]:
    proposals = container.proposals

    def handle_proposal_new(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        lang = DEFAULT
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            data, errors = parse_propose_submission(
                view["state"]["values"], actor.lang, today=proposals.today_of(actor.user_id)
            )
            if data is not None and (problem := container.talks.channel_error(data.channel_id, actor.lang)):
                errors.add(ids.BLOCK_PROPOSAL_CHANNEL, problem)
            if data is None or errors:
                ack(response_action="errors", errors=errors.errors)
                return
            proposal_id = proposals.create(actor=actor, data=data, view_id=view.get("id"))
        except AckBudgetExceeded:
            logger.warning("Proposal not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_PROPOSAL_TITLE)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_PROPOSAL_TITLE: refusal.message})
            return
        except Exception:
            logger.exception("Saving a proposal failed")
            ack(response_action="errors", errors={ids.BLOCK_PROPOSAL_TITLE: t(lang, "error.generic")})
            return
        ack()
        proposals.after_create(proposal_id)

    return handle_proposal_new
