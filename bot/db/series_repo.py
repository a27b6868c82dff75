"""series: queries on series, their co-organisers and slots. Sessions are passed in; callers own the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Series, SeriesOrganiser, SeriesSlot, SlotStatus, Talk, TalkStatus
from bot.db.repositories import _insert


def get_series(*, session: Session, series_id: int, lock: bool = False) -> Series | None:
    stmt = select(Series).where(Series.id == series_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def by_view(*, session: Session, view_id: str) -> Series | None:
    return session.execute(select(Series).where(Series.source_view_id == view_id)).scalar_one_or_none()


def by_token_hash(*, session: Session, token_hash: str) -> Series | None:
    return session.execute(select(Series).where(Series.feed_token_hash == token_hash)).scalar_one_or_none()


def list_series(*, session: Session, team_id: str, limit: int) -> Sequence[Series]:
    return (
        session.execute(select(Series).where(Series.team_id == team_id).order_by(Series.id).limit(limit))
        .scalars()
        .all()
    )


def active_series_ids(*, session: Session) -> list[int]:
    return list(session.execute(select(Series.id).where(Series.paused.is_(False)).order_by(Series.id)).scalars())


def set_co_organisers(*, series: Series, user_ids: list[str]) -> None:
    wanted = [u for u in dict.fromkeys(user_ids) if u != series.organiser_id]
    if series.co_organiser_ids != wanted:
        series.organisers.clear()
        series.organisers.extend(SeriesOrganiser(user_id=u) for u in wanted)


def is_co_organiser(*, session: Session, series_id: int, user_id: str) -> bool:
    found = session.execute(
        select(SeriesOrganiser.user_id).where(
            SeriesOrganiser.series_id == series_id, SeriesOrganiser.user_id == user_id
        )
    ).first()
    return found is not None


def slots(
    *, session: Session, series_id: int, after: datetime | None = None, limit: int | None = None
) -> Sequence[SeriesSlot]:
    stmt = select(SeriesSlot).where(SeriesSlot.series_id == series_id).order_by(SeriesSlot.starts_at)
    if after is not None:
        stmt = stmt.where(SeriesSlot.starts_at > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.execute(stmt).scalars().all()


def get_slot(*, session: Session, slot_id: int, lock: bool = False) -> SeriesSlot | None:
    stmt = select(SeriesSlot).where(SeriesSlot.id == slot_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def insert_slot(*, session: Session, series_id: int, starts_at: datetime) -> bool:
    """Idempotent: two generators racing, or a job run twice, leave one row per (series, start)."""
    result = session.execute(
        _insert(session, SeriesSlot)
        .values(series_id=series_id, starts_at=starts_at, status=SlotStatus.OPEN.value)
        .on_conflict_do_nothing(index_elements=["series_id", "starts_at"])
    )
    return bool(getattr(result, "rowcount", 0))


def channel_busy(
    *, session: Session, channel_id: str, starts: list[datetime], minutes: int, except_series: int | None
) -> datetime | None:
    """The first of `starts` whose [start, start + minutes) overlaps a scheduled talk or another series' live slot
    in the same channel, or None."""
    if not starts:
        return None
    from datetime import timedelta

    low, high = min(starts) - timedelta(days=1), max(starts) + timedelta(minutes=minutes)
    talks = session.execute(
        select(Talk.starts_at, Talk.ends_at).where(
            Talk.channel_id == channel_id,
            Talk.status.in_([TalkStatus.SCHEDULED, TalkStatus.LIVE]),
            Talk.ends_at > low,
            Talk.starts_at < high,
        )
    ).all()
    other = select(SeriesSlot.starts_at, Series.duration_minutes).join(Series, Series.id == SeriesSlot.series_id)
    other = other.where(
        Series.channel_id == channel_id,
        Series.paused.is_(False),
        SeriesSlot.status == SlotStatus.OPEN,
        SeriesSlot.starts_at > low,
        SeriesSlot.starts_at < high,
    )
    if except_series is not None:
        other = other.where(Series.id != except_series)
    busy = [(s, e) for s, e in talks] + [(s, s + timedelta(minutes=m)) for s, m in session.execute(other).all()]
    for start in sorted(starts):
        end = start + timedelta(minutes=minutes)
        if any(s < end and start < e for s, e in busy):
            return start
    return None


def release_slot(*, session: Session, talk_id: int) -> None:
    """A cancelled talk gives its slot back: open again, to fill with another talk, skip or cancel."""
    slot = session.execute(
        select(SeriesSlot).where(SeriesSlot.talk_id == talk_id).with_for_update()
    ).scalar_one_or_none()
    if slot is not None:
        slot.status, slot.talk_id = SlotStatus.OPEN, None
