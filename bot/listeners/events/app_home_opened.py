"""Opening the app's Home tab shows the talks."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError


def make_app_home_opened(container: Container) -> Callable[..., None]:
    def handle_app_home_opened(event: dict[str, Any], context: Any, logger: Logger) -> None:
        if event.get("tab") != "home":
            return
        try:
            container.home.publish(user_id=event["user"], team_id=context.team_id or "")
        except SlackGatewayError as exc:
            logger.warning("Publishing the Home tab failed: %s", exc.error)

    return handle_app_home_opened
