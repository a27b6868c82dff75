"""Answered / Hide buttons on a speaker's board."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.container import Container
from bot.listeners.payload import user_and_team


def make_question_moderate_action(container: Container, *, action_name: str) -> Callable[..., None]:
    def handle_question_moderate(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        try:
            question_id = int(action.get("value", ""))
        except ValueError:
            return
        actor = container.talks.actor(*user_and_team(body))
        channel_id = (body.get("channel") or {}).get("id")
        container.questions.moderate(actor=actor, question_id=question_id, action=action_name, channel_id=channel_id)

    return handle_question_moderate
