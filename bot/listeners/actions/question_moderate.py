"""Answered / Hide buttons on a speaker's board."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.listeners.payload import Click, id_button


def make_question_moderate_action(container: Container, *, action_name: str) -> Callable[..., None]:
    def moderate(click: Click) -> None:
        container.questions.moderate(
            actor=click.actor, question_id=click.target_id, action=action_name, channel_id=click.channel_id
        )

    return id_button(container, moderate)
