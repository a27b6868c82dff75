""" "Try again" in the organiser's DM after an announcement could not be posted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.listeners.payload import user_and_team


def make_retry_announce_action(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_retry_announce(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        raw = str(action.get("value", ""))
        if not raw.isdigit():
            return
        actor = talks.actor(*user_and_team(context, body))
        problem = talks.retry_announce(actor=actor, talk_id=int(raw))
        if problem:
            talks.tell_ephemeral(channel_id=None, user_id=actor.user_id, text=problem)

    return handle_retry_announce
