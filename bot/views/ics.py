"""The .ics (RFC 5545) of a talk, built with `icalendar` (never by hand): one VEVENT per talk, and a calendar of
events. A stable UID and a SEQUENCE raised on every change make a calendar app update the event it imported
instead of adding a second one; a cancelled talk keeps its UID with STATUS:CANCELLED."""

from __future__ import annotations

from collections.abc import Iterable

import icalendar

from bot.db.models import Talk, TalkStatus
from bot.views.formatting import calendar_footer, clean, safe_url

PRODID = "-//lunchlearn//lunchlearn//EN"


def talk_uid(talk: Talk) -> str:
    """Stable for the talk's whole life (edits, cancellation), and the same in the card's .ics and a series feed,
    so a calendar holding both keeps one event."""
    return f"talk-{talk.id}@lunchlearn"


def talk_event(talk: Talk, *, join_url: str | None, permalink: str | None, sequence: int) -> icalendar.Event:
    """One VEVENT. `join_url` only when the announcement may show it; `permalink`: the announcement's."""
    join = safe_url(join_url)
    link = safe_url(permalink)
    event = icalendar.Event()
    event.add("uid", talk_uid(talk))
    event.add("dtstamp", talk.updated_at)
    event.add("dtstart", talk.starts_at)
    event.add("dtend", talk.ends_at)
    event.add("summary", clean(talk.title))
    description = "\n\n".join(
        part
        for part in (clean(talk.description).strip(), calendar_footer(talk.language, join_url=join, permalink=link))
        if part
    )
    if description:
        event.add("description", description)
    if join:
        event.add("location", join)
    if link:
        event.add("url", link)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if talk.status is TalkStatus.CANCELLED else "CONFIRMED")
    return event


def calendar(events: Iterable[icalendar.Event], *, name: str) -> bytes:
    """A VCALENDAR holding `events`, as the bytes to serve with Content-Type text/calendar."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", clean(name))
    for event in events:
        cal.add_component(event)
    return bytes(cal.to_ical())
