"""The "Add link" button in the organiser's DM when a Google stream could not be created."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.listeners.payload import Click, id_button


def make_stream_add_link_action(container: Container) -> Callable[..., None]:
    def add_link(click: Click) -> None:
        container.streams.open_link_modal(
            actor=click.actor, talk_id=click.target_id, trigger_id=click.body["trigger_id"], channel_id=click.channel_id
        )

    return id_button(container, add_link)
