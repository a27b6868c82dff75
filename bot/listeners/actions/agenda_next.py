""" "Next part" on a speaker's board: the organiser or a speaker moves the live agenda on."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.listeners.payload import Click, id_button
from bot.services.talks.service import NotAllowed


def make_agenda_next_action(container: Container) -> Callable[..., None]:
    def run(click: Click) -> None:
        try:
            text = container.agenda.next_part(actor=click.actor, talk_id=click.target_id)
        except NotAllowed as refusal:
            text = refusal.message
        container.talks.tell_ephemeral(channel_id=click.channel_id, user_id=click.actor.user_id, text=text)
        container.talks.run_flows(click.target_id)

    return id_button(container, run)
