"""Reading the common parts of Slack interaction payloads (block actions, view submissions)."""

from __future__ import annotations

from typing import Any


def user_and_team(body: dict[str, Any]) -> tuple[str, str]:
    """(user id, team id) of the person who clicked or submitted."""
    user = body["user"]
    return str(user["id"]), str(user.get("team_id") or body["team"]["id"])
