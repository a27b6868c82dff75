"""Which segment is on now. Pure functions of the talk, so the live post, the boards and questions agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db.models import Talk, TalkSegment, TalkStatus


def current_index(talk: Talk, now: datetime | None = None) -> int | None:
    """The segment on now: the one the organiser moved to with "Next", else the one the clock says (counted from
    when the talk really went live); the last one once the agenda's time has run out. None without an agenda."""
    if not talk.segments:
        return None
    if talk.segment_index is not None:
        return min(talk.segment_index, len(talk.segments) - 1)
    if talk.status is not TalkStatus.LIVE:
        return 0
    start = talk.went_live_at or talk.starts_at
    elapsed = (now or datetime.now(UTC)) - start
    boundary = timedelta()
    for index, segment in enumerate(talk.segments):
        boundary += timedelta(minutes=segment.minutes)
        if elapsed < boundary:
            return index
    return len(talk.segments) - 1


def shown_index(talk: Talk) -> int | None:
    """The part everyone is shown as on now: the one recorded when the clock or "Next" last moved it (so the live
    post, the boards and where a question goes agree until the next move), else the clock's."""
    if not talk.segments:
        return None
    if talk.segment_index is None and talk.segment_shown is not None:
        return min(talk.segment_shown, len(talk.segments) - 1)
    return current_index(talk)


def shown_segment(talk: Talk) -> TalkSegment | None:
    index = shown_index(talk)
    return talk.segments[index] if index is not None else None


def segment_speakers(talk: Talk) -> list[str]:
    """Each segment's speaker once, in agenda order."""
    return list(dict.fromkeys(s.speaker_id for s in talk.segments))


def segment_starts(talk: Talk) -> list[datetime]:
    """When each segment starts by the plan (from the planned start): for the announcement and the charts."""
    starts, at = [], talk.starts_at
    for segment in talk.segments:
        starts.append(at)
        at += timedelta(minutes=segment.minutes)
    return starts
