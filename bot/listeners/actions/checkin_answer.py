"""Confirm / Ask to reschedule in the speaker's 72-hour check-in DM."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.listeners.payload import Click, id_button


def make_checkin_answer_action(container: Container, *, answer: str) -> Callable[..., None]:
    def checkin(click: Click) -> None:
        container.checkins.answer(
            actor=click.actor, talk_id=click.target_id, answer=answer, channel_id=click.channel_id
        )

    return id_button(container, checkin)
