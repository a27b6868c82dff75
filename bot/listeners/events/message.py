"""message: a reply in a live post's thread by an attendee becomes a question (Bolt acks events first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.container import Container


def make_message_listener(container: Container) -> Callable[..., None]:
    def handle_message(event: dict[str, Any], context: BoltContext) -> None:
        container.questions.on_message(event, bot_user_id=context.bot_user_id)

    return handle_message
