"""Reading the common parts of Slack interaction payloads (block actions, view submissions)."""

from __future__ import annotations

from typing import Any


def user_and_team(body: dict[str, Any]) -> tuple[str, str]:
    """(user id, team id) of the person who clicked or submitted."""
    user = body["user"]
    return str(user["id"]), str(user.get("team_id") or body["team"]["id"])


def id_in(text: object) -> int:
    """The id a modal carries in private_metadata; 0 (no row has it) when it holds none."""
    raw = str(text or "")
    return int(raw) if raw.isascii() and raw.isdigit() else 0
