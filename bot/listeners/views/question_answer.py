"""Submission of the after-talk answer modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.container import Container
from bot.i18n import t
from bot.listeners.payload import user_and_team


def make_question_answer_submission(container: Container) -> Callable[..., None]:
    questions = container.questions

    def handle_question_answer(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        actor = container.talks.actor(*user_and_team(context, body))
        values = view["state"]["values"]
        text = str(((values.get(ids.BLOCK_ANSWER_TEXT) or {}).get(ids.ACTION_ANSWER_TEXT) or {}).get("value") or "")
        raw_id = str(view.get("private_metadata") or "")
        if not raw_id.isdigit():
            ack(response_action="errors", errors={ids.BLOCK_ANSWER_TEXT: t(actor.lang, "questions.error.missing")})
            return
        if not text.strip():
            ack(response_action="errors", errors={ids.BLOCK_ANSWER_TEXT: t(actor.lang, "questions.error.empty")})
            return
        if problem := questions.check_answer(actor=actor, question_id=int(raw_id)):
            ack(response_action="errors", errors={ids.BLOCK_ANSWER_TEXT: problem})
            return
        ack()
        questions.answer(actor=actor, question_id=int(raw_id), text=text)

    return handle_question_answer
