"""Submission of the new-talk modal: validate inline, store, then announce."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.container import Container
from bot.i18n import t
from bot.listeners.payload import user_and_team
from bot.services.talks.service import NotAllowed
from bot.views.parsing import parse_talk_submission
from bot.views.survey import parse_survey_choices


def make_talk_new_submission(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_talk_new(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        actor = talks.actor(*user_and_team(context, body))
        data, errors = parse_talk_submission(view["state"]["values"], actor.lang)
        if data is not None and (problem := talks.channel_error(data.channel_id, actor.lang)):
            errors.add(ids.BLOCK_CHANNEL, problem)
        if data is None or errors:
            ack(response_action="errors", errors=errors.errors)
            return
        try:
            # Stored before ack: if the database fails the modal stays open with everything typed in it.
            talk_id = talks.create_talk(actor=actor, data=data, view_id=view.get("id"))
            # The organiser's survey choices: optional fields of the same modal.
            container.surveys.save_choices(talk_id, parse_survey_choices(view["state"]["values"]))
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_TITLE: refusal.message})
            return
        except Exception:
            logger.exception("Saving a new talk failed")
            ack(
                response_action="errors",
                errors={ids.BLOCK_TITLE: t(actor.lang, "error.generic")},
            )
            return
        ack()
        talks.run_flows(talk_id)

    return handle_talk_new
