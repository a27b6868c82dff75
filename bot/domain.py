"""Plain data passed between listeners, views and services (no Slack, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.db.models import StreamKind

TITLE_MAX = 150
DESCRIPTION_MAX = 2900  # fits one section block (3,000) with room for formatting
DURATION_MIN, DURATION_MAX, DURATION_DEFAULT = 15, 180, 45
URL_MAX = 2000


@dataclass(frozen=True)
class TalkInput:
    title: str
    speaker_ids: list[str]
    starts_at: datetime
    duration_minutes: int
    channel_id: str
    stream_kind: StreamKind
    stream_url: str | None = None
    description: str = ""
    language: str = "en"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass
class FieldErrors:
    """Errors keyed by the input block id they belong to (Slack's response_action=errors)."""

    errors: dict[str, str] = field(default_factory=dict)

    def add(self, block_id: str, message: str) -> None:
        self.errors.setdefault(block_id, message)

    def __bool__(self) -> bool:
        return bool(self.errors)
