"""Upvote on a proposals board entry: toggles this person's vote (a retried or doubled click counts once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.listeners.payload import origin


def make_proposal_upvote_action(container: Container) -> Callable[..., None]:
    def handle_proposal_upvote(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        raw = str(action.get("value") or "")
        if not (raw.isascii() and raw.isdigit()):
            return
        who = origin(context, body)
        actor = container.talks.actor(who.user_id, who.team_id, who.payload_team_id)
        container.proposals.vote(
            actor=actor,
            proposal_id=int(raw),
            action_ts=str(action.get("action_ts") or "")[:32],
            channel_id=who.channel_id,
            ephemeral=bool((body.get("container") or {}).get("is_ephemeral")),
        )

    return handle_proposal_upvote
