"""Work that should have moved on and did not, for `lunchlearn doctor`: one line per kind, with a count and the
oldest item's age."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, Engine, String, column, func, select, table

from bot.db.base import UTCDateTime, utcnow
from bot.delivery.outbox import CLAIM_TIMEOUT
from bot.observability.metrics import FLOW_RUNS, OUTBOX, has_table

# A due flow step is picked up within seconds by the worker; a minute late means no worker is running it.
FLOW_OVERDUE = timedelta(minutes=1)


def _count_oldest(
    engine: Engine,
    name: str,
    status: str,
    since: str,
    *,
    fallback: str | None = None,
    older_than: timedelta = timedelta(0),
) -> tuple[int, datetime | None]:
    cols: list[ColumnClause[Any]] = [column("status", String()), column(since, UTCDateTime())]
    if fallback:
        cols.append(column(fallback, UTCDateTime()))
    t = table(name, *cols)
    when: ColumnElement[datetime] = t.c[since]
    if fallback:
        # e.g. a step with no next_attempt_at was due when it was created
        when = func.coalesce(t.c[since], t.c[fallback], type_=UTCDateTime())
    stmt = select(func.count(), func.min(when)).where(t.c.status == status, when < utcnow() - older_than)
    with engine.connect() as conn:
        count, oldest = conn.execute(stmt).one()
    return int(count), oldest


def age_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def _line(state: str, what: str, count: int, oldest: datetime | None, now: datetime) -> tuple[str, str]:
    age = age_text((now - oldest).total_seconds()) if oldest else "-"
    return state, f"{what}: {count}, oldest {age} ago"


def stuck_work(engine: Engine) -> list[tuple[str, str]]:
    """(state, text) lines: "ok" when nothing is stuck, "FAIL" for work no process is doing (a worker died or none
    runs), "warn" for work that gave up (a person should look; it does not make the deployment unhealthy)."""
    now = utcnow()
    lines: list[tuple[str, str]] = []
    count, oldest = _count_oldest(engine, OUTBOX.table, "sending", "claimed_at", older_than=CLAIM_TIMEOUT)
    if count:
        lines.append(
            _line(
                "FAIL",
                f"outbox: messages in sending past the {age_text(CLAIM_TIMEOUT.total_seconds())} claim timeout",
                count,
                oldest,
                now,
            )
        )
    count, oldest = _count_oldest(engine, OUTBOX.table, "failed", "created_at")
    if count:
        lines.append(_line("warn", "outbox: failed messages", count, oldest, now))
    flows = has_table(engine, FLOW_RUNS.table)  # the flow engine's table, once its migration has run
    if flows:
        count, oldest = _count_oldest(
            engine, FLOW_RUNS.table, "pending", "next_attempt_at", fallback="created_at", older_than=FLOW_OVERDUE
        )
        if count:
            lines.append(_line("FAIL", "flow steps: pending more than 1 min past their time", count, oldest, now))
        count, oldest = _count_oldest(engine, FLOW_RUNS.table, "failed", "created_at")
        if count:
            lines.append(_line("warn", "flow steps: failed", count, oldest, now))
    return lines or [("ok", "stuck work: none (outbox" + (", flow steps)" if flows else ")"))]
