"""Queries. Every function takes the session explicitly; callers own the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.models import (
    OutboxMessage,
    OutboxStatus,
    ProcessedDelivery,
    Rsvp,
    Talk,
    TalkSpeaker,
    TalkStatus,
    Workspace,
)
from bot.domain import TalkInput


def _insert(session: Session, table: Any) -> Any:
    """A dialect INSERT that supports ON CONFLICT (SQLite and PostgreSQL both do)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {name}")


def ensure_workspace(*, session: Session, team_id: str) -> None:
    session.execute(_insert(session, Workspace).values(team_id=team_id, created_at=utcnow()).on_conflict_do_nothing())


def create_talk(
    *, session: Session, data: TalkInput, team_id: str, organiser_id: str, timezone: str, source_view_id: str | None
) -> Talk:
    ensure_workspace(session=session, team_id=team_id)
    talk = Talk(
        team_id=team_id,
        organiser_id=organiser_id,
        title=data.title,
        description=data.description,
        channel_id=data.channel_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        timezone=timezone,
        language=data.language,
        stream_kind=data.stream_kind,
        stream_url=data.stream_url,
        status=TalkStatus.SCHEDULED,
        source_view_id=source_view_id,
        reminder_offsets=data.reminder_offsets,
        announce_link=data.announce_link,
        nudges=data.nudges,
    )
    talk.speakers = [TalkSpeaker(user_id=u, position=i) for i, u in enumerate(data.speaker_ids)]
    session.add(talk)
    session.flush()
    return talk


def apply_talk_input(*, talk: Talk, data: TalkInput) -> None:
    talk.title = data.title
    talk.description = data.description
    talk.starts_at = data.starts_at
    talk.ends_at = data.ends_at
    talk.stream_kind = data.stream_kind
    talk.stream_url = data.stream_url
    talk.language = data.language
    talk.channel_id = data.channel_id
    talk.reminder_offsets = data.reminder_offsets
    talk.announce_link = data.announce_link
    talk.nudges = data.nudges
    if talk.speaker_ids != data.speaker_ids:
        talk.speakers.clear()
        talk.speakers.extend(TalkSpeaker(user_id=u, position=i) for i, u in enumerate(data.speaker_ids))


def get_talk(*, session: Session, talk_id: int, lock: bool = False) -> Talk | None:
    stmt = select(Talk).where(Talk.id == talk_id)
    if lock:
        # Serialises edits/cancels of one talk on PostgreSQL; SQLite already serialises writers.
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def get_talk_by_view(*, session: Session, view_id: str) -> Talk | None:
    return session.execute(select(Talk).where(Talk.source_view_id == view_id)).scalar_one_or_none()


_MOVES = {
    TalkStatus.LIVE: ((TalkStatus.SCHEDULED,), "went_live_at"),
    TalkStatus.ENDED: ((TalkStatus.SCHEDULED, TalkStatus.LIVE), "ended_at"),
}


def move_status(*, session: Session, talk_id: int, to: TalkStatus, at: datetime) -> bool:
    """scheduled -> live, or scheduled/live -> ended, as one conditional UPDATE: True for the one caller that
    made the change (a row lock is not enough on SQLite, which ignores FOR UPDATE)."""
    sources, stamp = _MOVES[to]
    result = session.execute(
        update(Talk)
        .where(Talk.id == talk_id, Talk.status.in_(sources))
        .values({Talk.status: to, getattr(Talk, stamp): at, Talk.updated_at: utcnow()})
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def find_talk_by_message(*, session: Session, channel: str, ts: str) -> tuple[Talk, str] | None:
    """The talk whose live post or announcement is this message, with "live" or "announcement"."""
    live = session.execute(select(Talk).where(Talk.live_channel == channel, Talk.live_ts == ts)).scalar_one_or_none()
    if live is not None:
        return live, "live"
    stmt = select(Talk).where(Talk.announcement_channel == channel, Talk.announcement_ts == ts)
    announced = session.execute(stmt).scalar_one_or_none()
    return (announced, "announcement") if announced is not None else None


def list_upcoming(*, session: Session, team_id: str, now: datetime, limit: int = 20) -> Sequence[Talk]:
    stmt = (
        select(Talk)
        .where(
            Talk.team_id == team_id,
            or_(Talk.status == TalkStatus.LIVE, (Talk.status == TalkStatus.SCHEDULED) & (Talk.ends_at > now)),
        )
        .order_by(Talk.starts_at)
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


def set_rsvp(*, session: Session, talk_id: int, user_id: str, going: bool) -> bool:
    """Upsert one RSVP; returns True when it changed. Safe under concurrent clicks (unique talk_id+user_id)."""
    now = utcnow()
    stmt = _insert(session, Rsvp).values(talk_id=talk_id, user_id=user_id, going=going, created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Rsvp.talk_id, Rsvp.user_id],
        set_={"going": going, "updated_at": now},
        where=Rsvp.going != going,
    ).returning(Rsvp.id)
    return session.execute(stmt).first() is not None


def count_going(*, session: Session, talk_id: int) -> int:
    stmt = select(func.count()).select_from(Rsvp).where(Rsvp.talk_id == talk_id, Rsvp.going.is_(True))
    return int(session.execute(stmt).scalar_one())


def going_user_ids(*, session: Session, talk_id: int, limit: int | None = None) -> list[str]:
    """Who is going, first RSVP first (`limit`: only the first few, e.g. the names on the card)."""
    stmt = select(Rsvp.user_id).where(Rsvp.talk_id == talk_id, Rsvp.going.is_(True)).order_by(Rsvp.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def is_going(*, session: Session, talk_id: int, user_id: str) -> bool:
    stmt = select(Rsvp.going).where(Rsvp.talk_id == talk_id, Rsvp.user_id == user_id)
    return bool(session.execute(stmt).scalar_one_or_none())


def claim_delivery(*, session: Session, key: str) -> bool:
    """Record a Slack delivery; False when it was already processed (a retry)."""
    stmt = (
        _insert(session, ProcessedDelivery)
        .values(key=key[:255], received_at=utcnow())
        .on_conflict_do_nothing()
        .returning(ProcessedDelivery.key)
    )
    return session.execute(stmt).first() is not None


def prune_deliveries(*, session: Session, before: datetime) -> int:
    rows = session.query(ProcessedDelivery).filter(ProcessedDelivery.received_at < before).delete()
    return int(rows)


def outbox_entry(*, session: Session, key: str, talk_id: int | None, kind: str, recipient: str) -> OutboxMessage:
    """The outbox row for one side effect, created on first use and locked for this unit of work."""
    stmt = _insert(session, OutboxMessage).values(
        key=key,
        talk_id=talk_id,
        kind=kind,
        recipient=recipient,
        status=OutboxStatus.PENDING,
        attempts=0,
        created_at=utcnow(),
    )
    session.execute(stmt.on_conflict_do_nothing())
    return session.execute(select(OutboxMessage).where(OutboxMessage.key == key).with_for_update()).scalar_one()


def get_outbox(*, session: Session, key: str) -> OutboxMessage | None:
    return session.execute(select(OutboxMessage).where(OutboxMessage.key == key)).scalar_one_or_none()


def sent_keys(*, session: Session, talk_id: int, kind: str) -> set[str]:
    stmt = select(OutboxMessage.key).where(
        OutboxMessage.talk_id == talk_id, OutboxMessage.kind == kind, OutboxMessage.status == OutboxStatus.SENT
    )
    return set(session.execute(stmt).scalars())
