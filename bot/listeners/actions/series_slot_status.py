"""series: "Skip this date" / "Cancel this date" on an empty slot (the organisers' DM)."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.db.models import SlotStatus
from bot.listeners.payload import Click, id_button
from bot.services.talks.service import NotAllowed


def make_series_slot_status_action(container: Container, *, status: SlotStatus) -> Callable[..., None]:
    def set_status(click: Click) -> None:
        try:
            text = container.series.set_slot_status(actor=click.actor, slot_id=click.target_id, status=status)
        except NotAllowed as refusal:
            text = refusal.message
        container.talks.tell_ephemeral(channel_id=click.channel_id, user_id=click.actor.user_id, text=text)

    return id_button(container, set_status)
