"""The durable step runner behind bot/flows/talk.py (a transactional outbox of flow runs).

- `start()` inserts a flow run in the caller's transaction, with the state change that caused it: both commit,
  or neither does. Nothing runs in memory "after the commit" that a crash could lose.
- `drain(talk_id)` runs the talk's pending runs at once in the calling thread (the listener after its ack, the
  scheduler job), so the usual path has no queueing delay. The worker thread (`start_worker`, every process)
  picks up the rest: runs in backoff, runs whose process died, runs started on another replica.
- A run is claimed with a compare-and-set UPDATE (and `FOR UPDATE SKIP LOCKED` when picking candidates on
  PostgreSQL), holds the claim for FLOW_CLAIM_SECONDS, renewed after every step. Runs of one talk execute in
  the order they were started: a run waits while an earlier run of its talk is unfinished.
- Each step is idempotent (it checks the database, or goes through the keyed outbox) and `step` advances in the
  database as soon as it returns, so a restart resumes at the first unfinished step and never repeats a
  finished one; a step interrupted half-way runs again and finds its own effects.
- A step that fails is retried with exponential backoff; after FLOW_MAX_ATTEMPTS the run is marked failed and
  the organiser is told what went wrong. It never loops.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, event, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.db.base import utcnow
from bot.db.models import FlowRun, FlowStatus
from bot.db.session import Database
from bot.delivery.holders import is_dead, this_holder
from bot.observability import metrics

if TYPE_CHECKING:
    from bot.container import Container

logger = logging.getLogger(__name__)

_UNFINISHED = (FlowStatus.PENDING, FlowStatus.RUNNING)


def _blocked() -> Any:
    """A run waits while an earlier run of its talk is unfinished (runs of a talk execute in order)."""
    earlier = aliased(FlowRun)
    return exists().where(earlier.talk_id == FlowRun.talk_id, earlier.id < FlowRun.id, earlier.status.in_(_UNFINISHED))


class Retry(Exception):
    """The step cannot finish now (Slack or Google failed, something it needs is not there yet): try later."""


class GiveUp(Exception):
    """The step can never succeed (e.g. the channel is gone); `told` when the step already told someone."""

    def __init__(self, reason: str, *, told: bool = False) -> None:
        super().__init__(reason)
        self.told = told


@dataclass(frozen=True)
class Run:
    """What a step gets: the run's id (for keys unique to this run), its talk, and its arguments."""

    id: int
    talk_id: int
    flow: str
    args: Mapping[str, Any]
    attempt: int  # 1 for the first try of this step


Step = Callable[["Container", Run], None]
OnFailed = Callable[["Container", Run, str], None]


def start(session: Session, *, talk_id: int, flow: str, args: Mapping[str, Any] | None = None) -> None:
    """Record a flow run in this transaction (call it where the talk's state changes)."""
    session.add(FlowRun(talk_id=talk_id, flow=flow, args=json.dumps(dict(args or {})), next_attempt_at=utcnow()))
    # Wake this process's worker once the run is visible (committed), not before.
    event.listen(session, "after_commit", _wake_worker, once=True)


def start_once(session: Session, *, talk_id: int, flow: str, args: Mapping[str, Any] | None = None) -> None:
    """Like start, unless a run of this flow for this talk is waiting to begin (bursts such as RSVP clicks
    coalesce: the waiting run reads the latest state when it runs)."""
    waiting = session.execute(
        select(FlowRun.id).where(
            FlowRun.talk_id == talk_id,
            FlowRun.flow == flow,
            FlowRun.status == FlowStatus.PENDING,
            FlowRun.step == 0,
            FlowRun.attempts == 0,
        )
    ).first()
    if waiting is None:
        start(session, talk_id=talk_id, flow=flow, args=args)


# Set when a run is committed: wakes this process's worker early (other processes find it at their next poll).
_wake = threading.Event()


def _wake_worker(session: Session) -> None:
    _wake.set()


@dataclass
class Outcome:
    ran: int = 0  # steps finished
    retried: int = 0
    failed: int = 0


class FlowRunner:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        flows: Mapping[str, tuple[Step, ...]],
        on_failed: OnFailed,
    ) -> None:
        self.settings = settings
        self.db = db
        self.flows = flows
        self.on_failed = on_failed
        self.claim_for = timedelta(seconds=settings.FLOW_CLAIM_SECONDS)
        self._container: Container | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats = Outcome()

    def bind(self, container: Container) -> None:
        """The services the steps act on (the container is built after the runner)."""
        self._container = container

    # Running ------------------------------------------------------------------------------------------------

    def drain(self, talk_id: int, *, wait: float = 30.0) -> None:
        """Run every runnable run of this talk now, in order, in this thread. While another thread or process is
        running one of the talk's runs, wait for it (up to `wait` seconds): callers such as the go-live job
        return once the talk's flows are through, not while they are half-way."""
        deadline = time.monotonic() + wait
        while True:
            if self._run_one(talk_id=talk_id):
                continue
            if time.monotonic() >= deadline or not self._busy(talk_id):
                return
            time.sleep(0.05)

    def _busy(self, talk_id: int) -> bool:
        """True while a run of this talk is being worked on (by a process not known to be dead), or one is due."""
        now = utcnow()
        with self.db.session() as session:
            rows = session.execute(
                select(FlowRun.status, FlowRun.claimed_by).where(
                    FlowRun.talk_id == talk_id,
                    or_(
                        and_(FlowRun.status == FlowStatus.RUNNING, FlowRun.claimed_until >= now),
                        and_(FlowRun.status == FlowStatus.PENDING, FlowRun.next_attempt_at <= now, ~_blocked()),
                    ),
                )
            ).all()
        return any(status is FlowStatus.PENDING or not is_dead(holder) for status, holder in rows)

    def run_due(self, now: datetime | None = None) -> int:
        """Run every run that is due (any talk); returns how many runs were taken. The worker's round."""
        taken = 0
        while self._run_one(now=now):
            taken += 1
        return taken

    def start_worker(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="flow-worker", daemon=True)
        self._thread.start()

    def stop_worker(self, timeout: float = 10) -> None:
        self._stop.set()
        _wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:
                logger.exception("Flow worker round failed")
            _wake.wait(self.settings.FLOW_POLL_SECONDS)
            _wake.clear()

    # Claiming -----------------------------------------------------------------------------------------------

    def _run_one(self, *, talk_id: int | None = None, now: datetime | None = None) -> bool:
        claimed = self._claim(talk_id=talk_id, now=now)
        if claimed is None:
            return False
        self._execute(claimed)
        return True

    def _claim(self, *, talk_id: int | None, now: datetime | None) -> Run | None:
        now = now or utcnow()
        holder = this_holder()
        blocked = _blocked()
        claimable = or_(
            and_(FlowRun.status == FlowStatus.PENDING, FlowRun.next_attempt_at <= now),
            and_(FlowRun.status == FlowStatus.RUNNING, FlowRun.claimed_until < now),
        )
        with self.db.session() as session:
            self._release_dead_claims(session, talk_id, now)
            stmt = select(FlowRun.id).where(claimable, ~blocked).order_by(FlowRun.id)
            if talk_id is not None:
                # A caller draining its own talk: no SKIP LOCKED, so a run another thread is claiming is waited
                # for (the compare-and-set decides) instead of looking like there was nothing to do.
                stmt = stmt.where(FlowRun.talk_id == talk_id).limit(5)
            elif self.db.dialect == "postgresql":
                # The workers of several replicas: each locks one due run and skips the ones others hold.
                stmt = stmt.limit(1).with_for_update(skip_locked=True, of=FlowRun)
            else:
                stmt = stmt.limit(5)
            candidates = list(session.execute(stmt).scalars())
            for run_id in candidates:
                # Compare-and-set: of two processes that picked the same run, one changes the row.
                won = session.execute(  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
                    update(FlowRun)
                    .where(FlowRun.id == run_id, claimable)
                    .values(status=FlowStatus.RUNNING, claimed_by=holder, claimed_until=now + self.claim_for)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if won:
                    row = session.get(FlowRun, run_id)
                    assert row is not None
                    return Run(
                        id=row.id,
                        talk_id=row.talk_id,
                        flow=row.flow,
                        args=json.loads(row.args or "{}"),
                        attempt=row.attempts + 1,
                    )
        return None

    def _release_dead_claims(self, session: Session, talk_id: int | None, now: datetime) -> None:
        """Runs held by a process on this host that no longer exists are claimable at once."""
        stmt = select(FlowRun.id, FlowRun.claimed_by).where(
            FlowRun.status == FlowStatus.RUNNING, FlowRun.claimed_until >= now
        )
        if talk_id is not None:
            stmt = stmt.where(FlowRun.talk_id == talk_id)
        dead = [run_id for run_id, holder in session.execute(stmt) if is_dead(holder)]
        if dead:
            logger.info("Taking over %d flow runs of a process that is gone", len(dead))
            session.execute(
                update(FlowRun)
                .where(FlowRun.id.in_(dead), FlowRun.status == FlowStatus.RUNNING)
                .values(claimed_until=now - timedelta(seconds=1))
                .execution_options(synchronize_session=False)
            )

    # Executing ----------------------------------------------------------------------------------------------

    def _execute(self, run: Run) -> None:
        container = self._container
        if container is None:
            raise RuntimeError("FlowRunner.bind(container) was not called")
        steps = self.flows.get(run.flow)
        if steps is None:
            self._finish(run, FlowStatus.FAILED, error=f"unknown flow {run.flow}")
            return
        with self.db.session() as session:
            row = session.get(FlowRun, run.id)
            index = row.step if row is not None else len(steps)
        attempt = run.attempt
        while index < len(steps):
            step = steps[index]
            current = Run(id=run.id, talk_id=run.talk_id, flow=run.flow, args=run.args, attempt=attempt)
            try:
                step(container, current)
            except GiveUp as exc:
                self._give_up(current, step, str(exc), tell=not exc.told)
                return
            except Exception as exc:  # noqa: BLE001 - every failure of a step is retried, then reported
                reason = str(exc) if isinstance(exc, Retry) else f"{type(exc).__name__}: {exc}"
                if not isinstance(exc, Retry):
                    logger.warning("Step %s.%s of talk %s raised", run.flow, step.__name__, run.talk_id, exc_info=True)
                if attempt >= self.settings.FLOW_MAX_ATTEMPTS:
                    self._give_up(current, step, reason, tell=True)
                else:
                    self._backoff(current, step, reason)
                return
            index += 1
            attempt = 1
            self._advance(run, index, done=index >= len(steps))
            self.stats.ran += 1

    def _advance(self, run: Run, index: int, *, done: bool) -> None:
        now = utcnow()
        with self.db.session() as session:
            values: dict[str, Any] = {"step": index, "attempts": 0, "last_error": None}
            if done:
                values.update(status=FlowStatus.DONE, finished_at=now, claimed_by=None, claimed_until=None)
            else:
                values.update(claimed_until=now + self.claim_for)
            session.execute(
                update(FlowRun)
                .where(FlowRun.id == run.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def _backoff(self, run: Run, step: Step, reason: str) -> None:
        base = self.settings.FLOW_RETRY_BASE_SECONDS
        delay = min(base * 2 ** (run.attempt - 1), self.settings.FLOW_RETRY_MAX_SECONDS)
        with self.db.session() as session:
            session.execute(
                update(FlowRun)
                .where(FlowRun.id == run.id)
                .values(
                    status=FlowStatus.PENDING,
                    attempts=run.attempt,
                    next_attempt_at=utcnow() + timedelta(seconds=delay),
                    claimed_by=None,
                    claimed_until=None,
                    last_error=reason[:255],
                )
                .execution_options(synchronize_session=False)
            )
        self.stats.retried += 1
        metrics.step_retried(run.flow, step.__name__)
        logger.warning(
            "Step %s.%s of talk %s failed (try %d of %d): %s; again in %.0f s",
            run.flow,
            step.__name__,
            run.talk_id,
            run.attempt,
            self.settings.FLOW_MAX_ATTEMPTS,
            reason,
            delay,
        )

    def _give_up(self, run: Run, step: Step, reason: str, *, tell: bool) -> None:
        self._finish(run, FlowStatus.FAILED, error=f"{step.__name__}: {reason}")
        self.stats.failed += 1
        metrics.step_failed(run.flow, step.__name__)
        logger.error("Step %s.%s of talk %s gave up: %s", run.flow, step.__name__, run.talk_id, reason)
        if tell and self._container is not None:
            try:
                self.on_failed(self._container, run, step.__name__)
            except Exception:
                logger.exception("Telling the organiser that talk %s's %s failed also failed", run.talk_id, run.flow)

    def _finish(self, run: Run, status: FlowStatus, *, error: str | None = None) -> None:
        with self.db.session() as session:
            session.execute(
                update(FlowRun)
                .where(FlowRun.id == run.id)
                .values(
                    status=status,
                    attempts=run.attempt,
                    finished_at=utcnow(),
                    claimed_by=None,
                    claimed_until=None,
                    last_error=(error or "")[:255] or None,
                )
                .execution_options(synchronize_session=False)
            )
