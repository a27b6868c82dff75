"""Plain data passed between listeners, views and services (no Slack, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.db.models import StreamKind

TITLE_MAX = 150
DESCRIPTION_MAX = 2900  # fits one section block (3,000) with room for formatting
DURATION_MIN, DURATION_MAX, DURATION_DEFAULT = 15, 180, 45
URL_MAX = 2000
REMINDER_MAX_COUNT = 5
REMINDER_MAX_MINUTES = 7 * 24 * 60


def parse_offsets(raw: str | None) -> list[int] | None:
    """Reminder leads: '1440, 10' -> [1440, 10] (largest first, no repeats); [] for empty; None when malformed."""
    if raw is None or not raw.strip():
        return []
    try:
        values = sorted({int(part) for part in raw.replace("、", ",").split(",") if part.strip()}, reverse=True)
    except ValueError:
        return None
    if len(values) > REMINDER_MAX_COUNT or any(not 1 <= v <= REMINDER_MAX_MINUTES for v in values):
        return None
    return values


@dataclass(frozen=True)
class Actor:
    """Who acted: their user and team ids and their language. `internal`: the person belongs to the installed
    workspace and acted from it (False for Slack Connect guests, and whenever that could not be established)."""

    user_id: str
    team_id: str
    lang: str
    internal: bool = False


class UserFacingError(Exception):
    """A refusal or problem to show the person who acted; `message` is already in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    reminder_offsets: str | None = None  # None: the deployment's default leads
    announce_link: bool = False  # show a YouTube/Meet link in the announcement once it exists

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


@dataclass(frozen=True)
class SegmentInput:
    """One part of an agenda as the organiser entered it (validated)."""

    speaker_id: str
    title: str
    minutes: int


# --- series: what the series modal gives (bot/views/series.py parses it, bot/services/series/ stores it)
SERIES_NAME_MAX = 100
ANNOUNCE_DAYS_MIN, ANNOUNCE_DAYS_MAX, ANNOUNCE_DAYS_DEFAULT = 1, 30, 7


@dataclass(frozen=True)
class SeriesInput:
    name: str
    channel_id: str
    cadence: str  # SeriesCadence value
    weekday: int  # 0 = Monday
    week_of_month: int | None  # monthly: 1..5 or -1 (last)
    start_time: str  # "HH:MM"
    timezone: str
    duration_minutes: int
    stream_kind: StreamKind
    announce_days: int
    co_organiser_ids: list[str]
