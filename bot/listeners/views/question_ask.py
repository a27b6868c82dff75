"""Submission of the question modal: validate inline (text, talk still open, rate limit), store, then post."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.budget import AckBudgetExceeded
from bot.container import Container
from bot.db.models import QuestionSource
from bot.i18n import DEFAULT, t
from bot.listeners.payload import user_and_team
from bot.listeners.slow import refuse_slow
from bot.services.questions.service import QuestionRejected


def make_question_ask_submission(container: Container) -> Callable[..., None]:
    questions = container.questions

    def handle_question_ask(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        talk_part, _, channel_id = str(view.get("private_metadata") or "").partition("|")
        values = view["state"]["values"]
        text = str(((values.get(ids.BLOCK_QUESTION_TEXT) or {}).get(ids.ACTION_QUESTION_TEXT) or {}).get("value") or "")
        selected = ((values.get(ids.BLOCK_QUESTION_OPTIONS) or {}).get(ids.ACTION_QUESTION_ANONYMOUS) or {}).get(
            "selected_options"
        ) or []
        anonymous = any(option.get("value") == ids.OPTION_ANONYMOUS for option in selected)
        chosen = ((values.get(ids.BLOCK_QUESTION_FOR) or {}).get(ids.ACTION_QUESTION_FOR) or {}).get("selected_option")
        lang = DEFAULT
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            if not talk_part.isdigit():
                ack(response_action="errors", errors={ids.BLOCK_QUESTION_TEXT: t(lang, "notice.talk_missing")})
                return
            # Stored before ack: a rejected or failed question keeps the modal open with the text in it.
            asked = questions.ask(
                actor=actor,
                talk_id=int(talk_part),
                text=text,
                anonymous=anonymous,
                source=QuestionSource.MODAL,
                source_key=f"view:{view.get('id')}",
                speaker_id=str(chosen.get("value")) if isinstance(chosen, dict) else None,
            )
        except AckBudgetExceeded:
            logger.warning("Question not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_QUESTION_TEXT)
            return
        except QuestionRejected as exc:
            ack(response_action="errors", errors={ids.BLOCK_QUESTION_TEXT: exc.message})
            return
        except Exception:
            logger.exception("Saving a question failed")
            ack(
                response_action="errors",
                errors={ids.BLOCK_QUESTION_TEXT: t(lang, "error.generic")},
            )
            return
        ack()
        questions.publish(asked, actor=actor, channel_id=channel_id or None)

    return handle_question_ask
