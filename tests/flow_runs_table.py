"""Rows in the real `flow_runs` table for the observability tests (a talk is created for them to belong to)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db.base import utcnow
from bot.db.models import FlowRun, FlowStatus, StreamKind, Talk, Workspace
from bot.db.session import Database


def add_flow_runs(database_url: str, *runs: tuple[str, datetime, datetime | None]) -> None:
    """Insert (status, created_at, next_attempt_at) flow runs for one talk."""
    db = Database.from_url(database_url)
    try:
        with db.session() as session:
            talk_id = session.execute(select(Talk.id).limit(1)).scalar_one_or_none()
            if talk_id is None:
                if session.get(Workspace, "T1") is None:
                    session.add(Workspace(team_id="T1"))
                    session.flush()
                start = utcnow() + timedelta(days=1)
                talk = Talk(
                    team_id="T1",
                    organiser_id="UORG",
                    title="Observed",
                    channel_id="CGENERAL",
                    starts_at=start,
                    ends_at=start + timedelta(minutes=45),
                    timezone="UTC",
                    stream_kind=StreamKind.MANUAL,
                )
                session.add(talk)
                session.flush()
                talk_id = talk.id
            for status, created_at, next_attempt_at in runs:
                session.add(
                    FlowRun(
                        talk_id=talk_id,
                        flow="created",
                        status=FlowStatus(status),
                        created_at=created_at or utcnow(),
                        next_attempt_at=next_attempt_at or created_at or utcnow(),
                    )
                )
    finally:
        db.engine.dispose()
