"""The "Ask a question" button (live post, and "Ask in advance" on the announcement): open the question modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import user_and_team
from bot.listeners.slow import tell_not_opened


def make_ask_question_action(container: Container) -> Callable[..., None]:
    def handle_ask_question(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        try:
            talk_id = int(action.get("value", ""))
        except ValueError:
            return
        actor = container.talks.actor(*user_and_team(body))
        channel_id = (body.get("channel") or {}).get("id")
        try:
            container.questions.open_ask_modal(
                actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"], channel_id=channel_id
            )
        except SlackGatewayError as exc:
            tell_not_opened(container, user_id=actor.user_id, channel_id=channel_id, error=exc.error)

    return handle_ask_question
