"""iCalendar (RFC 5545) events and calendars for talks, built with the `icalendar` library (which escapes text and
folds long lines). Titles and descriptions are user text: they go into TEXT properties only, never into markup."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from bot.db.models import Talk, TalkStatus
from bot.views.formatting import clean

PRODID = "-//lunchlearn//lunchlearn//EN"
_STATUS = {TalkStatus.CANCELLED: "CANCELLED"}


def talk_event(talk: Talk, *, join_url: str | None, permalink: str | None, sequence: int) -> icalendar.Event:
    """One talk as a VEVENT. UID is stable per talk, so a calendar updates the event instead of adding one;
    SEQUENCE must grow with each change for clients to take the new version."""
    event = icalendar.Event()
    event.add("uid", f"talk-{talk.id}@lunchlearn")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", talk.starts_at.astimezone(UTC))
    event.add("dtend", talk.ends_at.astimezone(UTC))
    event.add("summary", clean(talk.title))
    lines = [clean(talk.description)] if talk.description else []
    if join_url:
        lines.append(f"Join: {join_url}")
    if permalink:
        lines.append(f"Slack: {permalink}")
    if lines:
        event.add("description", "\n\n".join(lines))
    if url := join_url or permalink:
        event.add("url", url)
    event.add("status", _STATUS.get(talk.status, "CONFIRMED"))
    event.add("sequence", max(0, sequence))
    return event


def calendar(events: list[icalendar.Event], *, name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", clean(name))
    for event in events:
        cal.add_component(event)
    return bytes(cal.to_ical())
