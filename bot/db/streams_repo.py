"""Queries for streams (talk_streams, youtube_quota_days). Every function takes the session explicitly."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.models import (
    OutboxMessage,
    OutboxStatus,
    StreamKind,
    StreamStatus,
    Talk,
    TalkStatus,
    TalkStream,
    YoutubeQuotaDay,
)
from bot.db.repositories import _insert


def get_stream(*, session: Session, talk_id: int, lock: bool = False) -> TalkStream | None:
    stmt = select(TalkStream).where(TalkStream.talk_id == talk_id)
    if lock:
        # One provisioning at a time per talk on PostgreSQL; SQLite serialises writers anyway.
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def claim_stream(*, session: Session, talk_id: int, kind: StreamKind) -> TalkStream:
    """The stream row of a talk, created (PROVISIONING) on first use, locked for this unit of work."""
    now = utcnow()
    stmt = _insert(session, TalkStream).values(
        talk_id=talk_id,
        kind=kind,
        status=StreamStatus.PROVISIONING,
        bound=False,
        quota_units=0,
        failures=0,
        created_at=now,
        updated_at=now,
    )
    session.execute(stmt.on_conflict_do_nothing())
    row = get_stream(session=session, talk_id=talk_id, lock=True)
    assert row is not None
    return row


def add_quota(*, session: Session, day: date, units: int) -> None:
    """Add YouTube units to a quota day (an atomic upsert, safe from several threads and replicas)."""
    now = utcnow()
    stmt = _insert(session, YoutubeQuotaDay).values(day=day, units=units, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[YoutubeQuotaDay.day],
        set_={"units": YoutubeQuotaDay.units + units, "updated_at": now},
    )
    session.execute(stmt)


def open_failures(*, session: Session, limit: int = 5) -> list[TalkStream]:
    """Failed streams of talks still to come or live: the ones an operator can still fix (for the doctor)."""
    stmt = (
        select(TalkStream)
        .join(Talk, Talk.id == TalkStream.talk_id)
        .where(TalkStream.status == StreamStatus.FAILED, Talk.status.in_([TalkStatus.SCHEDULED, TalkStatus.LIVE]))
        .order_by(TalkStream.updated_at.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def quota_used(*, session: Session, day: date) -> int:
    units = session.execute(select(YoutubeQuotaDay.units).where(YoutubeQuotaDay.day == day)).scalar_one_or_none()
    return int(units or 0)


def sent_outbox_keys(*, session: Session, keys: list[str]) -> set[str]:
    """Which of these side effects already happened."""
    if not keys:
        return set()
    stmt = select(OutboxMessage.key).where(OutboxMessage.key.in_(keys), OutboxMessage.status == OutboxStatus.SENT)
    return set(session.execute(stmt).scalars())
