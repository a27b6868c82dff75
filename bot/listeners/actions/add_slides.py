"""The "Add slides link" button of the "slides ready?" reminder: opens the slides link form."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import Click, id_button
from bot.listeners.slow import tell_not_opened
from bot.services.talks.service import NotAllowed


def make_add_slides_action(container: Container) -> Callable[..., None]:
    def add_slides(click: Click) -> None:
        try:
            container.checkins.open_slides_modal(
                actor=click.actor, talk_id=click.target_id, trigger_id=click.body["trigger_id"]
            )
        except NotAllowed as refusal:
            container.talks.tell_ephemeral(
                channel_id=click.channel_id, user_id=click.actor.user_id, text=refusal.message
            )
        except SlackGatewayError as exc:
            tell_not_opened(container, user_id=click.actor.user_id, channel_id=click.channel_id, error=exc.error)

    return id_button(container, add_slides)
