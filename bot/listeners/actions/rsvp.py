"""Going / not going buttons on the announcement and on the Home tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.container import Container
from bot.listeners.payload import user_and_team


def make_rsvp_action(container: Container, *, going: bool) -> Callable[..., None]:
    def handle_rsvp(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        try:
            talk_id = int(action.get("value", ""))
        except ValueError:
            return
        actor = container.talks.actor(*user_and_team(body))
        channel_id = (body.get("channel") or {}).get("id")
        from_home = (body.get("view") or {}).get("type") == "home"
        container.talks.rsvp(actor=actor, talk_id=talk_id, going=going, channel_id=None if from_home else channel_id)
        if from_home:
            # The Home tab shows the new state instead of an ephemeral message (there is no channel there).
            container.home.publish(user_id=actor.user_id, team_id=actor.team_id)

    return handle_rsvp
