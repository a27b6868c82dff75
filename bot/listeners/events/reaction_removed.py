"""reaction_removed: a removed reaction subtracts (Bolt acks events before this runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.container import Container


def make_reaction_removed(container: Container) -> Callable[..., None]:
    def handle_reaction_removed(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        container.reactions.record(
            event=event, added=False, bot_user_id=context.bot_user_id, event_id=body.get("event_id")
        )

    return handle_reaction_removed
