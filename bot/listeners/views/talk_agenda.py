"""Submission of the agenda modal: rows of speaker, topic and minutes; errors inline, nothing typed is lost."""

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
from bot.views.agenda import parse_agenda

FIRST_ROW = f"{ids.BLOCK_AGENDA_SPEAKER}1"


def make_talk_agenda_submission(container: Container) -> Callable[..., None]:
    def handle_talk_agenda(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        talk_id = id_in(view.get("private_metadata"))
        lang = DEFAULT
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            duration = container.agenda.duration_of(actor=actor, talk_id=talk_id)
            segments, errors = parse_agenda(view["state"]["values"], lang=lang, duration=duration)
            if errors:
                ack(response_action="errors", errors=errors)
                return
            container.agenda.save(actor=actor, talk_id=talk_id, segments=segments)
        except AckBudgetExceeded:
            logger.warning("Agenda not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=FIRST_ROW)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={FIRST_ROW: refusal.message})
            return
        except Exception:
            logger.exception("Saving an agenda failed")
            ack(response_action="errors", errors={FIRST_ROW: t(lang, "error.generic")})
            return
        ack()
        container.talks.run_flows(talk_id)

    return handle_talk_agenda
