""" "More feedback" / "Edit" in the survey DM: opens the feedback modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.slow import tell_not_opened


def make_survey_more_action(container: Container) -> Callable[..., None]:
    def handle_survey_more(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        raw = str(action.get("value", ""))
        if not raw.isdigit():
            return
        try:
            container.surveys.open_feedback(
                talk_id=int(raw),
                user_id=str(context.user_id),
                trigger_id=body["trigger_id"],
                response_url=body.get("response_url"),
            )
        except SlackGatewayError as exc:
            tell_not_opened(container, user_id=str(context.user_id), channel_id=context.channel_id, error=exc.error)

    return handle_survey_more
