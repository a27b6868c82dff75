"""Prometheus metrics: every definition in one place, and GET /metrics.

Counters and the histogram live in prometheus_client's default registry: `serve` runs gunicorn with one worker
process (the scheduler must run once per replica), so one process holds every count and no multiprocess mode is
needed. Queue depths and ages are read from the database when scraped (one query per queue), through a collector
registered per web app, so a test that builds several apps never sees another's database.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import Engine, String, column, func, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

from bot import ids
from bot.db.base import UTCDateTime, utcnow

logger = logging.getLogger(__name__)

# --- Ack latency --------------------------------------------------------------------------------------------------

# Slack gives 3 s; the buckets resolve the range that matters (Bolt polls for the ack every 10 ms).
ACK_SECONDS = Histogram(
    "lunchlearn_ack_seconds",
    "Seconds from a Slack request reaching the Bolt app to its acknowledgement, by request kind.",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)

# Only ids the bot defines become label values: a forged payload cannot grow the label set.
_KNOWN_IDS = frozenset(
    str(value)
    for name, value in vars(ids).items()
    if name.startswith(("ACTION_", "CALLBACK_")) and isinstance(value, str)
)
_SURVEY_RATE = re.compile(rf"^{re.escape(ids.ACTION_SURVEY_RATE)}_[1-5]$")
_KNOWN_EVENTS = frozenset({"app_home_opened", "message", "reaction_added", "reaction_removed"})
_KNOWN_BODY_TYPES = frozenset({"app_rate_limited", "url_verification", "view_closed", "block_suggestion"})


def _known(value: object) -> str:
    text = str(value or "")
    if _SURVEY_RATE.match(text):
        return ids.ACTION_SURVEY_RATE
    return text if text in _KNOWN_IDS else "other"


def request_kind(body: dict[str, Any]) -> str:
    """A bounded label for a Slack request: command, block_actions:<action_id>, view_submission:<callback_id>,
    event:<type>, or the payload type; anything unknown becomes "other"."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"block_actions:{_known(actions[0].get('action_id'))}"
    if kind == "view_submission":
        return f"view_submission:{_known((body.get('view') or {}).get('callback_id'))}"
    if kind == "event_callback":
        event_type = (body.get("event") or {}).get("type")
        return f"event:{event_type if event_type in _KNOWN_EVENTS else 'other'}"
    return str(kind) if kind in _KNOWN_BODY_TYPES else "other"


class TimedApp(App):
    """Bolt's App, timing each request from dispatch (the adapter has just read it off the socket) to the response
    dispatch returns, which is the ack: Bolt runs the listener in its executor and returns once ack() is called
    (it checks every 10 ms). A global middleware cannot do this: its next() returns before the listener runs."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        try:
            return super().dispatch(req)
        finally:
            ACK_SECONDS.labels(kind=request_kind(req.body or {})).observe(time.perf_counter() - started)


# --- Counters others increment --------------------------------------------------------------------------------------

SLACK_RATE_LIMITED = Counter(
    "lunchlearn_slack_rate_limited",
    "HTTP 429 answers from the Slack Web API, by method (retried by the SDK or not).",
    ["method"],
)
GOOGLE_QUOTA_UNITS = Counter(
    "lunchlearn_google_quota_units",
    "Google API quota units spent by this process, by API.",
    ["api"],
)
STEP_RETRIES = Counter("lunchlearn_flow_step_retries", "Flow steps scheduled for another try.", ["flow", "step"])
STEP_FAILURES = Counter("lunchlearn_flow_step_failures", "Flow steps that gave up.", ["flow", "step"])
SCHEDULER_LEADER = Gauge("lunchlearn_scheduler_leader", "1 while this process holds the scheduler lease.")

_SLACK_METHOD = re.compile(r"^[a-z]+(\.[A-Za-z]+)+$")


def slack_rate_limited(method: str) -> None:
    SLACK_RATE_LIMITED.labels(method=method if _SLACK_METHOD.match(method) else "other").inc()


def slack_rate_limited_url(url: str) -> None:
    """The same, from the request URL the SDK's retry handler sees (…/api/chat.postMessage)."""
    slack_rate_limited(urlparse(url).path.rstrip("/").rsplit("/", 1)[-1])


def google_quota_spent(units: int, *, api: str = "youtube") -> None:
    if units > 0:
        GOOGLE_QUOTA_UNITS.labels(api=api).inc(units)


def step_retried(flow: str, step: str) -> None:
    STEP_RETRIES.labels(flow=flow, step=step).inc()


def step_failed(flow: str, step: str) -> None:
    STEP_FAILURES.labels(flow=flow, step=step).inc()


def watch_leader(is_leader: Callable[[], bool]) -> None:
    """Report leadership from the scheduler runtime at scrape time (bot/scheduling/runtime.py is_leader)."""
    SCHEDULER_LEADER.set_function(lambda: 1.0 if is_leader() else 0.0)


# --- Queues read from the database at scrape time ------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSpec:
    """A table holding work: which statuses are counted, which of them are still waiting to be done (the oldest
    age is taken over those: a failed item that gave up would otherwise pin it forever), and which column dates
    an item."""

    name: str  # the label value
    table: str
    open_statuses: tuple[str, ...]
    waiting_statuses: tuple[str, ...]
    since: str = "created_at"


OUTBOX = QueueSpec("outbox", "outbox", ("pending", "sending", "failed"), ("pending", "sending"))
# The flow engine's steps; the table is skipped until its migration has run.
FLOW_RUNS = QueueSpec("flow_steps", "flow_runs", ("pending", "running", "failed"), ("pending", "running"))
QUEUES = (OUTBOX, FLOW_RUNS)


@dataclass(frozen=True)
class QueueState:
    by_status: dict[str, int]
    oldest: datetime | None

    @property
    def depth(self) -> int:
        return sum(self.by_status.values())

    def oldest_age(self, now: datetime) -> float:
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest else 0.0


def has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def queue_state(engine: Engine, spec: QueueSpec) -> QueueState:
    """Counts of unfinished items by status and the oldest waiting one's timestamp, in one grouped query."""
    t = table(spec.table, column("status", String()), column(spec.since, UTCDateTime()))
    stmt = (
        select(t.c.status, func.count(), func.min(t.c[spec.since]))
        .where(t.c.status.in_(spec.open_statuses))
        .group_by(t.c.status)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    by_status = dict.fromkeys(spec.open_statuses, 0)
    oldest: datetime | None = None
    for status, count, first in rows:
        by_status[str(status)] = int(count)
        if status in spec.waiting_statuses and first is not None and (oldest is None or first < oldest):
            oldest = first
    return QueueState(by_status, oldest)


class QueueCollector(Collector):
    def __init__(self, engine: Engine, queues: Iterable[QueueSpec] = QUEUES) -> None:
        self.engine = engine
        self.queues = tuple(queues)
        # A table, once there, stays: after the first scrape that finds it, each queue costs one query.
        self._present: set[str] = set()

    def describe(self) -> Iterable[Metric]:
        return []  # not known without the database; describe() must not query it at registration

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "lunchlearn_queue_depth", "Unfinished items by queue and status.", labels=["queue", "status"]
        )
        age = GaugeMetricFamily(
            "lunchlearn_queue_oldest_age_seconds",
            "Age of the oldest item still waiting (not failed), by queue.",
            labels=["queue"],
        )
        now = utcnow()
        for spec in self.queues:
            try:
                if spec.table not in self._present:
                    if not has_table(self.engine, spec.table):
                        continue  # e.g. flow_runs before its migration
                    self._present.add(spec.table)
                state = queue_state(self.engine, spec)
            except SQLAlchemyError as exc:
                # The scrape still answers (with the counters); the database being down shows in /healthz.
                logger.warning("Metrics: could not read queue %s: %s", spec.name, type(exc).__name__)
                continue
            for status, count in state.by_status.items():
                depth.add_metric([spec.name, status], count)
            age.add_metric([spec.name], state.oldest_age(now))
        yield depth
        yield age


def metrics_view(engine: Engine) -> Callable[[], tuple[bytes, int, dict[str, str]]]:
    """The GET /metrics handler: the process-wide registry plus this app's queue collector."""
    queues = CollectorRegistry(auto_describe=False)
    queues.register(QueueCollector(engine))

    def metrics() -> tuple[bytes, int, dict[str, str]]:
        return generate_latest(REGISTRY) + generate_latest(queues), 200, {"Content-Type": CONTENT_TYPE_LATEST}

    return metrics
