"""Submission of the new-talk modal: validate inline, store, then announce."""

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
from bot.views.parsing import parse_talk_submission
from bot.views.survey import parse_survey_choices


def make_talk_new_submission(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_talk_new(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        lang = DEFAULT
        proposal_id = 0
        try:
            actor = talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            data, errors = parse_talk_submission(view["state"]["values"], actor.lang)
            if data is not None and (problem := talks.channel_error(data.channel_id, actor.lang)):
                errors.add(ids.BLOCK_CHANNEL, problem)
            if data is None or errors:
                ack(response_action="errors", errors=errors.errors)
                return
            # Stored before ack: if the database fails the modal stays open with everything typed in it. The commit
            # is the last thing before the ack, so a talk exists only if the ack could still reach Slack.
            # Opened from a series slot ("Fill slot"): the talk fills that slot. From a proposal's Accept: the
            # proposal is accepted into this talk before the ack.
            meta = str(view.get("private_metadata") or "")
            slot_id = (
                id_in(meta.removeprefix(ids.SLOT_METADATA_PREFIX))
                if meta.startswith(ids.SLOT_METADATA_PREFIX)
                else None
            )
            talk_id = talks.create_talk(actor=actor, data=data, view_id=view.get("id"), slot_id=slot_id)
            if meta.startswith(ids.PROPOSAL_METADATA_PREFIX):
                proposal_id = id_in(meta.removeprefix(ids.PROPOSAL_METADATA_PREFIX))
            if proposal_id:
                container.proposals.accept_into(actor=actor, proposal_id=proposal_id, talk_id=talk_id)
        except AckBudgetExceeded:
            logger.warning("New talk not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_TITLE)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_TITLE: refusal.message})
            return
        except Exception:
            logger.exception("Saving a new talk failed")
            ack(
                response_action="errors",
                errors={ids.BLOCK_TITLE: t(lang, "error.generic")},
            )
            return
        ack()
        # The organiser's survey choices: optional fields of the same modal, used when the talk ends.
        try:
            container.surveys.save_choices(talk_id, parse_survey_choices(view["state"]["values"]))
        except Exception:
            logger.exception("Saving the survey choices of talk %s failed; the defaults apply", talk_id)
        talks.run_flows(talk_id)
        if proposal_id:
            container.proposals.after_decision(proposal_id)

    return handle_talk_new
