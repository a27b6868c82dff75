"""series: "Fill slot" (series list, Home, the empty-slot DM) opens the new-talk modal prefilled from the slot."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import Click, id_button
from bot.listeners.slow import tell_not_opened
from bot.services.talks.service import NotAllowed


def make_series_slot_fill_action(container: Container) -> Callable[..., None]:
    def fill(click: Click) -> None:
        try:
            container.series.open_fill_modal(
                actor=click.actor, slot_id=click.target_id, trigger_id=click.body["trigger_id"]
            )
        except NotAllowed as refusal:
            container.talks.tell_ephemeral(
                channel_id=click.channel_id, user_id=click.actor.user_id, text=refusal.message
            )
        except SlackGatewayError as exc:
            tell_not_opened(container, user_id=click.actor.user_id, channel_id=click.channel_id, error=exc.error)

    return id_button(container, fill)
