"""Submission of the edit modal: same validation, announcement updated in place."""

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
from bot.views.parsing import NotShown, parse_talk_submission


def make_talk_edit_submission(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_talk_edit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        lang = DEFAULT
        try:
            actor = talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            try:
                talk = talks.talk_for_edit(actor=actor, talk_id=id_in(view.get("private_metadata")))
            except NotAllowed as refusal:
                ack(response_action="errors", errors={ids.BLOCK_TITLE: refusal.message})
                return
            # Fields left behind "More options" keep the talk's own values.
            kept = NotShown(
                language=talk.language, reminder_offsets=talk.reminder_offsets, announce_link=talk.announce_link
            )
            data, errors = parse_talk_submission(
                view["state"]["values"],
                actor.lang,
                channel_id=talk.channel_id,
                unchanged_start=talk.starts_at,
                not_shown=kept,
            )
            if data is None or errors:
                ack(response_action="errors", errors=errors.errors)
                return
            talks.update_talk(actor=actor, talk_id=talk.id, data=data)
        except AckBudgetExceeded:
            logger.warning("Talk edit not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_TITLE)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_TITLE: refusal.message})
            return
        except Exception:
            logger.exception("Saving a talk edit failed")
            ack(
                response_action="errors",
                errors={ids.BLOCK_TITLE: t(lang, "error.generic")},
            )
            return
        ack()
        talks.run_flows(talk.id)

    return handle_talk_edit
