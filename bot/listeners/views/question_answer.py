"""Submission of the after-talk answer modal."""

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


def make_question_answer_submission(container: Container) -> Callable[..., None]:
    questions = container.questions

    def handle_question_answer(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        values = view["state"]["values"]
        text = str(((values.get(ids.BLOCK_ANSWER_TEXT) or {}).get(ids.ACTION_ANSWER_TEXT) or {}).get("value") or "")
        raw_id = str(view.get("private_metadata") or "")
        lang = DEFAULT
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            if not raw_id.isdigit():
                ack(response_action="errors", errors={ids.BLOCK_ANSWER_TEXT: t(lang, "questions.error.missing")})
                return
            if not text.strip():
                ack(response_action="errors", errors={ids.BLOCK_ANSWER_TEXT: t(lang, "questions.error.empty")})
                return
            if problem := questions.check_answer(actor=actor, question_id=int(raw_id)):
                ack(response_action="errors", errors={ids.BLOCK_ANSWER_TEXT: problem})
                return
        except AckBudgetExceeded:
            logger.warning("Answer not checked: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_ANSWER_TEXT)
            return
        ack()
        questions.answer(actor=actor, question_id=int(raw_id), text=text)

    return handle_question_answer
