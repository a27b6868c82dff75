"""Submission of the survey feedback modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.container import Container


def make_survey_feedback_submission(container: Container) -> Callable[..., None]:
    def handle_survey_feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        raw = str(view.get("private_metadata") or "")
        if not raw.isdigit():
            ack()
            return
        talk_id, user_id = int(raw), str(context.user_id)
        # Saved before ack: a closed survey (or a database error) keeps the modal open with a message.
        problem = container.surveys.submit_feedback(talk_id=talk_id, user_id=user_id, values=view["state"]["values"])
        if problem:
            ack(response_action="errors", errors={ids.BLOCK_SURVEY_OVERALL: problem})
            return
        ack()
        container.surveys.after_feedback(talk_id=talk_id, user_id=user_id)

    return handle_survey_feedback
