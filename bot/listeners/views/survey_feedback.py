"""Submission of the survey feedback modal."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.budget import AckBudgetExceeded
from bot.container import Container
from bot.i18n import DEFAULT
from bot.listeners.slow import refuse_slow


def make_survey_feedback_submission(container: Container) -> Callable[..., None]:
    def handle_survey_feedback(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        raw = str(view.get("private_metadata") or "")
        if not raw.isdigit():
            ack()
            return
        talk_id, user_id = int(raw), str(context.user_id)
        # Saved before ack: a closed survey (or a database error) keeps the modal open with a message.
        try:
            problem = container.surveys.submit_feedback(
                talk_id=talk_id, user_id=user_id, values=view["state"]["values"]
            )
        except AckBudgetExceeded:
            logger.warning("Survey answer not saved: the ack deadline passed")
            # The user's language may be what was slow to look up: the cache holds it if the lookup finished.
            lang = container.slack.cached_lang(user_id) or DEFAULT
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_SURVEY_OVERALL)
            return
        if problem:
            ack(response_action="errors", errors={ids.BLOCK_SURVEY_OVERALL: problem})
            return
        ack()
        container.surveys.after_feedback(talk_id=talk_id, user_id=user_id)
        container.proposals.survey_answered(talk_id)

    return handle_survey_feedback
