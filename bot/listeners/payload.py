"""Reading the common parts of Slack interaction payloads (block actions, view submissions)."""

from __future__ import annotations

from typing import Any


def user_and_team(body: dict[str, Any]) -> tuple[str, str, str]:
    """(user id, the user's own team id, the payload's team id) of the person who clicked or submitted."""
    user = body["user"]
    payload_team = str((body.get("team") or {}).get("id") or "")
    return str(user["id"]), str(user.get("team_id") or payload_team), payload_team
