"""The Answer button on a speaker's after-talk list: open the answer modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import user_and_team
from bot.listeners.slow import tell_not_opened


def make_question_answer_later_action(container: Container) -> Callable[..., None]:
    def handle_question_answer_later(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        try:
            question_id = int(action.get("value", ""))
        except ValueError:
            return
        actor = container.talks.actor(*user_and_team(body))
        channel_id = (body.get("channel") or {}).get("id")
        try:
            container.questions.open_answer_modal(
                actor=actor, question_id=question_id, trigger_id=body["trigger_id"], channel_id=channel_id
            )
        except SlackGatewayError as exc:
            tell_not_opened(container, user_id=actor.user_id, channel_id=channel_id, error=exc.error)

    return handle_question_answer_later
