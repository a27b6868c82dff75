"""Going / not going buttons on the announcement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.container import Container


def make_rsvp_action(container: Container, *, going: bool) -> Callable[..., None]:
    def handle_rsvp(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        try:
            talk_id = int(action.get("value", ""))
        except ValueError:
            return
        actor = container.talks.actor(body["user"]["id"], body["user"].get("team_id") or body["team"]["id"])
        channel_id = (body.get("channel") or {}).get("id")
        container.talks.rsvp(actor=actor, talk_id=talk_id, going=going, channel_id=channel_id)

    return handle_rsvp
