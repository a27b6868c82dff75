"""The "Add links" button on an ended talk's card, Home and the report DM: opens the follow-up links modal."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import Click, id_button
from bot.listeners.slow import tell_not_opened


def make_followup_add_links_action(container: Container) -> Callable[..., None]:
    def add_links(click: Click) -> None:
        try:
            container.followup.open_links_modal(
                actor=click.actor,
                talk_id=click.target_id,
                trigger_id=click.body["trigger_id"],
                channel_id=click.channel_id,
            )
        except SlackGatewayError as exc:
            tell_not_opened(container, user_id=click.actor.user_id, channel_id=click.channel_id, error=exc.error)

    return id_button(container, add_links)
