"""The "Add link" button in the organiser's DM when a Google stream could not be created."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import user_and_team
from bot.listeners.slow import tell_not_opened


def make_stream_add_link_action(container: Container) -> Callable[..., None]:
    def handle_stream_add_link(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        try:
            talk_id = int(action.get("value", ""))
        except ValueError:
            return
        actor = container.talks.actor(*user_and_team(body))
        try:
            container.streams.open_link_modal(
                actor=actor,
                talk_id=talk_id,
                trigger_id=body["trigger_id"],
                channel_id=(body.get("channel") or {}).get("id"),
            )
        except SlackGatewayError as exc:
            tell_not_opened(
                container, user_id=actor.user_id, channel_id=(body.get("channel") or {}).get("id"), error=exc.error
            )

    return handle_stream_add_link
