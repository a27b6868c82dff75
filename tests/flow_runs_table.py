"""A stand-in `flow_runs` table for the observability tests, until the flow engine's migration creates the real
one (then the real one is used; the columns below are the ones both have)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine

from bot.db.base import UTCDateTime, utcnow

_stand_in = Table(
    "flow_runs",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("talk_id", Integer),
    Column("flow", String(64)),
    Column("status", String(16)),
    Column("created_at", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("attempts", Integer),
)
_rows = Table(
    "flow_runs",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("talk_id", Integer),
    Column("flow", String(64)),
    Column("status", String(16)),
    Column("created_at", UTCDateTime()),
    Column("next_attempt_at", UTCDateTime()),
    Column("attempts", Integer),
)


def add_flow_runs(database_url: str, *runs: tuple[str, datetime, datetime | None]) -> None:
    """Insert (status, created_at, next_attempt_at) rows, creating the stand-in table if there is none. A plain
    engine: SQLite then does not enforce the real table's foreign key to talks, which these rows do not need."""
    engine = create_engine(database_url)
    try:
        _stand_in.create(engine, checkfirst=True)
        with engine.begin() as conn:
            for status, created_at, next_attempt_at in runs:
                conn.execute(
                    _rows.insert().values(
                        talk_id=1,
                        flow="talk_created",
                        status=status,
                        created_at=created_at or utcnow(),
                        next_attempt_at=next_attempt_at,
                        attempts=0,
                    )
                )
    finally:
        engine.dispose()
