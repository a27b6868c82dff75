"""The vote button on a question in the live thread: toggles this person's vote."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.listeners.payload import Click, id_button


def make_question_vote_action(container: Container) -> Callable[..., None]:
    def vote(click: Click) -> None:
        container.questions.vote(actor=click.actor, question_id=click.target_id, channel_id=click.channel_id)

    return id_button(container, vote)
