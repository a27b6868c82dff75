"""Reading who acted, and where, from any Slack request; and the shared shape of an "id button" listener."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.domain import Actor


@dataclass(frozen=True)
class Origin:
    user_id: str
    team_id: str  # the person's own workspace
    payload_team_id: str  # the workspace the payload comes from (differs for Slack Connect guests)
    channel_id: str | None  # None in modals and on the Home tab


def origin(context: BoltContext, body: dict[str, Any]) -> Origin:
    """The user, team and channel of a command, click or submission, as Bolt's context read them from the payload.

    The team is the person's own workspace (user.team_id) when the payload names it: in a Slack Connect channel
    it differs from the workspace the app is installed in (context.team_id), and the person's language and admin
    rights belong to their own."""
    user = body.get("user")
    own_team = user.get("team_id") if isinstance(user, dict) else None
    team = body.get("team")
    payload_team = (team.get("id") if isinstance(team, dict) else None) or body.get("team_id") or context.team_id
    return Origin(
        user_id=str(context.user_id or ""),
        team_id=str(own_team or payload_team or ""),
        payload_team_id=str(payload_team or ""),
        channel_id=context.channel_id,
    )


def user_and_team(context: BoltContext, body: dict[str, Any]) -> tuple[str, str, str]:
    """(user id, the user's own team id, the payload's team id) of the person who typed, clicked or submitted."""
    who = origin(context, body)
    return who.user_id, who.team_id, who.payload_team_id


@dataclass(frozen=True)
class Click:
    """A button whose value is a numeric id, already acknowledged: who clicked it, where, and the id."""

    actor: Actor
    target_id: int
    channel_id: str | None
    body: dict[str, Any]


def id_button(container: Container, run: Callable[[Click], None]) -> Callable[..., None]:
    """The listener of a button carrying an id: ack, read the id (ignore the click when it is not a number), find
    the actor, then `run` the service call."""

    def handle_id_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        try:
            target_id = int(action.get("value", ""))
        except (TypeError, ValueError):
            return
        who = origin(context, body)
        actor = container.talks.actor(who.user_id, who.team_id, who.payload_team_id)
        run(Click(actor=actor, target_id=target_id, channel_id=who.channel_id, body=body))

    return handle_id_button


def id_in(text: object) -> int:
    """The id a modal carries in private_metadata; 0 (no row has it) when it holds none."""
    raw = str(text or "")
    return int(raw) if raw.isascii() and raw.isdigit() else 0
