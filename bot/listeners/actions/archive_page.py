"""Previous / More under a /lunchlearn archive page: the next page, as a new ephemeral reply."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import origin
from bot.views.followup import parse_archive_value


def make_archive_page_action(container: Container) -> Callable[..., None]:
    def handle_archive_page(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        ack()
        page, query = parse_archive_value(str(action.get("value") or ""))
        who = origin(context, body)
        actor = container.talks.actor(who.user_id, who.team_id, who.payload_team_id)
        try:
            container.followup.archive(
                actor=actor, query=query, page=page, response_url=str(body.get("response_url") or "")
            )
        except SlackGatewayError as exc:
            logger.warning("Archive page failed: %s", exc.error)

    return handle_archive_page
