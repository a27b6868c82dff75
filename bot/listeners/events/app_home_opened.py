"""Opening the app's Home tab shows the talks."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import BoltContext

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import origin


def make_app_home_opened(container: Container) -> Callable[..., None]:
    def handle_app_home_opened(
        event: dict[str, Any], body: dict[str, Any], context: BoltContext, logger: Logger
    ) -> None:
        if event.get("tab") != "home":
            return
        who = origin(context, body)
        try:
            container.home.publish(user_id=who.user_id, team_id=who.team_id)
        except SlackGatewayError as exc:
            logger.warning("Publishing the Home tab failed: %s", exc.error)

    return handle_app_home_opened
