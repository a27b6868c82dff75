"""Reaction counts, totals, timeline and per-talk state. Every function takes `session=` explicitly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.models import (
    ParkedEvent,
    ProcessedDelivery,
    ReactionCount,
    ReactionTalkState,
    ReactionTotal,
    ReactionUser,
    Talk,
    TalkStatus,
)
from bot.db.repositories import _insert

SURFACES = ("live", "announcement")


@dataclass(frozen=True)
class Delta:
    """Reactions added/removed for one (talk, surface, emoji, minute) cell; several events fold into one."""

    talk_id: int
    surface: str
    emoji: str
    minute: int
    added: int = 0
    removed: int = 0


@dataclass(frozen=True)
class TimelinePoint:
    minute: int  # since the start (went live, else scheduled start); negative before it
    emoji: str
    added: int
    removed: int

    @property
    def net(self) -> int:
        return self.added - self.removed


def claim_deliveries(*, session: Session, keys: Iterable[str], now: datetime) -> set[str]:
    """Record Slack deliveries (the same table as bot/app.py's event_id middleware); returns the keys that were
    new. One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING per batch instead of one per request."""
    unique = list(dict.fromkeys(k[:255] for k in keys))
    if not unique:
        return set()
    stmt = (
        _insert(session, ProcessedDelivery)
        .values([{"key": k, "received_at": now} for k in unique])
        .on_conflict_do_nothing()
        .returning(ProcessedDelivery.key)
    )
    return {str(row[0]) for row in session.execute(stmt)}


def fold(deltas: Iterable[Delta]) -> list[Delta]:
    """Sum deltas per cell so a batch costs one upsert per cell, not per event."""
    cells: dict[tuple[int, str, str, int], list[int]] = {}
    for d in deltas:
        cell = cells.setdefault((d.talk_id, d.surface, d.emoji, d.minute), [0, 0])
        cell[0] += d.added
        cell[1] += d.removed
    return [Delta(t, s, e, m, a, r) for (t, s, e, m), (a, r) in cells.items()]


def apply_deltas(*, session: Session, deltas: Iterable[Delta], now: datetime) -> None:
    """Upsert the per-minute cells and the totals. Totals never go below zero (a removal of a reaction we never
    counted, e.g. one added while Slack was rate limiting us, must not hide later ones)."""
    folded = fold(deltas)
    for d in folded:
        stmt = _insert(session, ReactionCount).values(
            talk_id=d.talk_id, surface=d.surface, emoji=d.emoji, minute=d.minute, added=d.added, removed=d.removed
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    ReactionCount.talk_id,
                    ReactionCount.surface,
                    ReactionCount.emoji,
                    ReactionCount.minute,
                ],
                set_={
                    "added": ReactionCount.added + stmt.excluded.added,
                    "removed": ReactionCount.removed + stmt.excluded.removed,
                },
            )
        )
    totals: dict[tuple[int, str, str], int] = {}
    for d in folded:
        key = (d.talk_id, d.surface, d.emoji)
        totals[key] = totals.get(key, 0) + d.added - d.removed
    for (talk_id, surface, emoji), net in sorted(totals.items()):  # sorted: a stable lock order across writers
        new_count = ReactionTotal.count + net
        stmt = _insert(session, ReactionTotal).values(
            talk_id=talk_id, surface=surface, emoji=emoji, count=max(net, 0), updated_at=now
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[ReactionTotal.talk_id, ReactionTotal.surface, ReactionTotal.emoji],
                set_={"count": case((new_count < 0, 0), else_=new_count), "updated_at": now},
            )
        )


def totals(*, session: Session, talk_id: int, surface: str = "live") -> dict[str, int]:
    """Current count per emoji (only emoji with a positive count), largest first."""
    stmt = (
        select(ReactionTotal.emoji, ReactionTotal.count)
        .where(ReactionTotal.talk_id == talk_id, ReactionTotal.surface == surface, ReactionTotal.count > 0)
        .order_by(ReactionTotal.count.desc(), ReactionTotal.emoji)
    )
    return {str(row[0]): int(row[1]) for row in session.execute(stmt)}


def added_in_minutes(
    *, session: Session, talk_id: int, surface: str, minutes: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Reactions added per minute and emoji, for the given minutes (the pulse's last-minute window)."""
    wanted = list(minutes)
    stmt = select(ReactionCount.minute, ReactionCount.emoji, ReactionCount.added).where(
        ReactionCount.talk_id == talk_id, ReactionCount.surface == surface, ReactionCount.minute.in_(wanted)
    )
    out: dict[int, dict[str, int]] = {m: {} for m in wanted}
    for minute, emoji, added in session.execute(stmt):
        out[minute][emoji] = added
    return out


def timeline(*, session: Session, talk_id: int, surface: str = "live") -> list[TimelinePoint]:
    """Per-minute counts per emoji for the whole talk, ordered by minute then emoji (for the report)."""
    stmt = (
        select(ReactionCount.minute, ReactionCount.emoji, ReactionCount.added, ReactionCount.removed)
        .where(ReactionCount.talk_id == talk_id, ReactionCount.surface == surface)
        .order_by(ReactionCount.minute, ReactionCount.emoji)
    )
    return [TimelinePoint(m, e, a, r) for m, e, a, r in session.execute(stmt)]


def set_totals(*, session: Session, talk_id: int, surface: str, counts: Mapping[str, int], now: datetime) -> None:
    """Replace the totals of one talk surface with Slack's own counts (reconciliation)."""
    for emoji, count in sorted(counts.items()):
        stmt = _insert(session, ReactionTotal).values(
            talk_id=talk_id, surface=surface, emoji=emoji, count=max(count, 0), updated_at=now
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[ReactionTotal.talk_id, ReactionTotal.surface, ReactionTotal.emoji],
                set_={"count": max(count, 0), "updated_at": now},
            )
        )
    gone = update(ReactionTotal).where(
        ReactionTotal.talk_id == talk_id, ReactionTotal.surface == surface, ReactionTotal.count != 0
    )
    if counts:
        gone = gone.where(ReactionTotal.emoji.not_in(list(counts)))
    session.execute(gone.values(count=0, updated_at=now))
    _ensure_state(session, talk_id)
    session.execute(update(ReactionTalkState).where(ReactionTalkState.talk_id == talk_id).values(reconciled_at=now))


def _ensure_state(session: Session, talk_id: int) -> None:
    session.execute(_insert(session, ReactionTalkState).values(talk_id=talk_id).on_conflict_do_nothing())


def claim_nudge(*, session: Session, talk_id: int, emoji: str, now: datetime, quiet: timedelta, count: int = 0) -> bool:
    """True for exactly one caller per quiet period and talk, whatever the threads or replicas racing: the
    conditional UPDATE is atomic on both databases (PostgreSQL re-checks the WHERE after a concurrent commit)."""
    _ensure_state(session, talk_id)
    result = session.execute(
        update(ReactionTalkState)
        .where(
            ReactionTalkState.talk_id == talk_id,
            or_(ReactionTalkState.last_nudge_at.is_(None), ReactionTalkState.last_nudge_at <= now - quiet),
        )
        .values(last_nudge_at=now, last_nudge_emoji=emoji, last_nudge_count=count)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def talk_state(*, session: Session, talk_id: int) -> ReactionTalkState | None:
    return session.get(ReactionTalkState, talk_id)


def record_reactors(*, session: Session, pairs: Iterable[tuple[int, str]], now: datetime) -> None:
    """Remember who reacted to which talk (once per person and talk)."""
    rows = [{"talk_id": talk_id, "user_id": user, "first_at": now} for talk_id, user in sorted(pairs)]
    if not rows:
        return
    session.execute(_insert(session, ReactionUser).values(rows).on_conflict_do_nothing())


# Events parked until the live post they refer to is recorded --------------------------------------------------------

PARK_WINDOW = timedelta(seconds=30)  # a live post is posted within seconds of going live


def unrecorded_live_post(*, session: Session, channel: str, posted_at: datetime) -> bool:
    """Is a talk in this channel live without a recorded live post, since shortly before `posted_at`?"""
    stmt = select(Talk.id).where(
        Talk.announcement_channel == channel,
        Talk.status == TalkStatus.LIVE,
        Talk.live_ts.is_(None),
        Talk.went_live_at <= posted_at + PARK_WINDOW,
        Talk.went_live_at >= posted_at - PARK_WINDOW,
    )
    return session.execute(stmt.limit(1)).first() is not None


def park_event(*, session: Session, channel: str, ts: str, event_id: str | None, body: str) -> None:
    session.add(ParkedEvent(channel=channel, ts=ts, event_id=event_id, body=body, received_at=utcnow()))


def take_parked(*, session: Session, channel: str, ts: str) -> list[tuple[str | None, str]]:
    """The parked events of this message, removed from the table (they are queued for counting next)."""
    rows = list(
        session.execute(
            select(ParkedEvent).where(ParkedEvent.channel == channel, ParkedEvent.ts == ts).order_by(ParkedEvent.id)
        ).scalars()
    )
    for row in rows:
        session.delete(row)
    return [(row.event_id, row.body) for row in rows]


def prune_parked(*, session: Session, before: datetime) -> int:
    result = session.execute(delete(ParkedEvent).where(ParkedEvent.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
