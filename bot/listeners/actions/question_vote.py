"""The vote button on a question in the live thread: toggles this person's vote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.container import Container
from bot.listeners.payload import user_and_team


def make_question_vote_action(container: Container) -> Callable[..., None]:
    def handle_question_vote(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        try:
            question_id = int(action.get("value", ""))
        except ValueError:
            return
        actor = container.talks.actor(*user_and_team(body))
        channel_id = (body.get("channel") or {}).get("id")
        container.questions.vote(actor=actor, question_id=question_id, channel_id=channel_id)

    return handle_question_vote
