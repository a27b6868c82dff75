"""Leader election and the APScheduler instance.

Every process runs a small lease loop. The one holding the lease (a row in `scheduler_leases`, renewed every
third of SCHEDULER_LEASE_SECONDS) runs the BackgroundScheduler; the others only serve HTTP. A leader that stops
renewing (crash, network partition) is replaced when its lease lapses. Talks created on any replica reach the
leader through the database: it re-reads talks every SCHEDULER_SYNC_SECONDS, and its own edits sync at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from bot.container import Container
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import SchedulerLease, Talk, TalkStatus
from bot.delivery.holders import is_dead, this_holder
from bot.scheduling import jobs
from bot.services.talks.lifecycle import PlannedJob

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
MAINTENANCE = "maintenance:"
JOB_TABLE = "apscheduler_jobs"


def _job_target(job: PlannedJob) -> tuple[Any, list[Any]]:
    if job.feature:
        return jobs.run_feature_job, [job.kind, job.talk_id]
    if job.kind.startswith("reminder_"):
        return jobs.send_reminder, [job.talk_id, job.lead_minutes]
    if job.kind == "go_live":
        return jobs.go_live, [job.talk_id]
    return jobs.end_talk, [job.talk_id]


class _Scheduler(BackgroundScheduler):
    """APScheduler removes a one-off job after running it; if the talk's sync removed it in between (the talk
    changed while the job was due), APScheduler's own remove raises JobLookupError in its main loop and the
    scheduler thread dies. The job is gone either way, which is what both wanted."""

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        try:
            super().remove_job(job_id, jobstore)
        except JobLookupError:
            logger.debug("Job %s was already removed", job_id)


class SchedulerRuntime:
    def __init__(self, container: Container, *, holder: str | None = None) -> None:
        self.container = container
        self.settings = container.settings
        self.holder = holder or this_holder()
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._warned_sqlite = False
        jobs.bind(container)
        # The flows' plan_jobs step re-plans a talk at once through this process's scheduler.
        container.runtime = self

    # Public -------------------------------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    def start(self) -> None:
        """Start the lease loop in a daemon thread (returns at once)."""
        self._thread = threading.Thread(target=self._loop, name="scheduler-lease", daemon=True)
        self._thread.start()

    def stop(self, *, release: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self._step_down()
        if release:
            self._release()

    def tick(self, now: datetime | None = None) -> None:
        """One round of the loop: take or renew the lease, then sync (also called directly by tests)."""
        if self._hold_lease(now or utcnow()):
            if self.scheduler is None:
                self._step_up()
            else:
                self.sync_all()
        else:
            self._step_down()

    def sync_talk(self, talk_id: int) -> None:
        """Hook for talk changes: on the leader, (re)schedule or remove this talk's jobs now."""
        with self._lock:
            if self.scheduler is None:
                return
            with self.container.db.session() as session:
                talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is not None:
                self._sync(talk, utcnow())
            else:
                for job in self.scheduler.get_jobs():
                    if job.id.endswith(f":{talk_id}"):
                        self._remove(job.id)

    def sync_all(self, now: datetime | None = None) -> None:
        """Bring the job store in line with the talks table; run or drop what is overdue (the catch-up sweep)."""
        now = now or utcnow()
        with self._lock:
            if self.scheduler is None:
                return
            with self.container.db.session() as session:
                # Ended talks stay in view for a week: post-talk work (surveys, reports) is planned from them.
                recent_end = now - timedelta(days=7)
                talks = list(
                    session.execute(
                        select(Talk).where(
                            Talk.status.in_([TalkStatus.SCHEDULED, TalkStatus.LIVE])
                            | ((Talk.status == TalkStatus.ENDED) & (Talk.ends_at >= recent_end))
                        )
                    ).scalars()
                )
            wanted: set[str] = set()
            for talk in talks:
                wanted |= self._sync(talk, now)
            for job in self.scheduler.get_jobs():
                if job.id not in wanted and not job.id.startswith(MAINTENANCE):
                    job.remove()

    # Lease ----------------------------------------------------------------------------------------------------

    def _hold_lease(self, now: datetime) -> bool:
        if not self.settings.SCHEDULER_ENABLED:
            return False
        ttl = timedelta(seconds=self.settings.SCHEDULER_LEASE_SECONDS)
        db = self.container.db
        try:
            with db.session() as session:
                current = session.get(SchedulerLease, LEASE_NAME)
                # A holder on this host whose process is gone is replaced at once, not after its lease.
                dead = current.holder if current is not None and is_dead(current.holder) else None
                if dead is not None:
                    logger.info("The scheduler's previous holder (%s) is gone; taking over now", dead)
                taken = session.execute(
                    update(SchedulerLease)
                    .where(
                        SchedulerLease.name == LEASE_NAME,
                        (SchedulerLease.holder == self.holder)
                        | (SchedulerLease.expires_at < now)
                        | (SchedulerLease.holder == (dead or self.holder)),
                    )
                    .values(holder=self.holder, expires_at=now + ttl)
                    .returning(SchedulerLease.acquired_at, SchedulerLease.holder)
                ).first()
                if taken is None:
                    exists = session.get(SchedulerLease, LEASE_NAME)
                    if exists is None:
                        session.add(SchedulerLease(name=LEASE_NAME, holder=self.holder, expires_at=now + ttl))
                        session.flush()
                        return True
                    self._note_other_leader(exists.holder)
                    return False
                return True
        except Exception as exc:
            # Includes a lost race to insert the first lease row; try again next round.
            logger.warning("Scheduler lease check failed (%s); not leading this round", type(exc).__name__)
            return False

    def _note_other_leader(self, holder: str) -> None:
        if self.container.db.dialect == "sqlite" and not self._warned_sqlite:
            self._warned_sqlite = True
            logger.warning(
                "SQLite is single-process: another lunchlearn process (%s) is running the scheduler on this "
                "database, so this one serves HTTP only. Use PostgreSQL to run several replicas.",
                holder,
            )

    def _release(self) -> None:
        try:
            with self.container.db.session() as session:
                session.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == self.holder)
                    .values(expires_at=utcnow() - timedelta(seconds=1))
                )
        except Exception:
            logger.warning("Could not release the scheduler lease; it lapses by itself")

    def _loop(self) -> None:
        renew = max(0.2, self.settings.SCHEDULER_LEASE_SECONDS / 3)
        interval = min(renew, self.settings.SCHEDULER_SYNC_SECONDS)
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                logger.exception("Scheduler loop round failed")
            self._stop.wait(interval)

    # Scheduler ------------------------------------------------------------------------------------------------

    def _step_up(self) -> None:
        with self._lock:
            if self.scheduler is not None:
                return
            scheduler = _Scheduler(
                jobstores={"default": SQLAlchemyJobStore(engine=self.container.db.engine, tablename=JOB_TABLE)},
                executors={"default": ThreadPoolExecutor(max_workers=10)},
                job_defaults={"coalesce": True, "max_instances": 1},
                timezone="UTC",
            )
            scheduler.start()
            self.scheduler = scheduler
            logger.info("This process (%s) now runs the scheduler", self.holder)
            self._add_maintenance(scheduler)
            self.sync_all()

    def _add_maintenance(self, scheduler: BackgroundScheduler) -> None:
        """Work not tied to one talk: resume what a restart interrupted, and periodic housekeeping."""
        now = utcnow()
        scheduler.add_job(
            jobs.resume_question_bridges,
            "date",
            run_date=now,
            id=f"{MAINTENANCE}resume_question_bridges",
            replace_existing=True,
            misfire_grace_time=None,
        )
        scheduler.add_job(
            jobs.survey_sweep,
            "interval",
            seconds=60,
            next_run_time=now,
            id=f"{MAINTENANCE}survey_sweep",
            replace_existing=True,
            misfire_grace_time=30,
        )
        scheduler.add_job(
            jobs.lunch_sweep,
            "interval",
            seconds=60,
            next_run_time=now,
            id=f"{MAINTENANCE}lunch_sweep",
            replace_existing=True,
            misfire_grace_time=30,
        )
        scheduler.add_job(
            jobs.resume_question_posts,
            "interval",
            seconds=30,
            next_run_time=now,
            id=f"{MAINTENANCE}resume_question_posts",
            replace_existing=True,
            misfire_grace_time=15,
        )
        scheduler.add_job(
            jobs.follow_agendas,
            "interval",
            seconds=30,
            next_run_time=now,
            id=f"{MAINTENANCE}follow_agendas",
            replace_existing=True,
            misfire_grace_time=15,
        )
        scheduler.add_job(
            jobs.erase_anonymous_askers,
            "interval",
            hours=24,
            next_run_time=now + timedelta(minutes=5),
            id=f"{MAINTENANCE}erase_anonymous_askers",
            replace_existing=True,
            misfire_grace_time=3600,
        )
        scheduler.add_job(
            jobs.reconcile_reactions,
            "interval",
            minutes=2,
            id=f"{MAINTENANCE}reconcile_reactions",
            replace_existing=True,
            misfire_grace_time=60,
        )
        scheduler.add_job(
            jobs.proposals_sweep,
            "interval",
            seconds=60,
            next_run_time=now,
            id=f"{MAINTENANCE}proposals_sweep",
            replace_existing=True,
            misfire_grace_time=30,
        )
        scheduler.add_job(
            jobs.prune_deliveries,
            "interval",
            hours=1,
            next_run_time=now + timedelta(minutes=1),
            id=f"{MAINTENANCE}prune_deliveries",
            replace_existing=True,
            misfire_grace_time=600,
        )
        scheduler.add_job(
            jobs.series_sweep,
            "interval",
            hours=1,
            next_run_time=now,
            id=f"{MAINTENANCE}series_sweep",
            replace_existing=True,
            misfire_grace_time=1800,
        )

    def _step_down(self) -> None:
        with self._lock:
            if self.scheduler is None:
                return
            scheduler, self.scheduler = self.scheduler, None
        # Jobs already running finish; their effects are idempotent if the new leader runs them too.
        scheduler.shutdown(wait=False)
        logger.info("This process (%s) no longer runs the scheduler", self.holder)

    def _sync(self, talk: Talk, now: datetime) -> set[str]:
        """Schedule the talk's future jobs; run overdue ones now or drop them (logging each decision)."""
        assert self.scheduler is not None
        lifecycle = self.container.lifecycle
        planned = lifecycle.plan(talk)
        wanted = {job.job_id for job in planned}
        for job in planned:
            decision = lifecycle.due_now(job, now)
            func, args = _job_target(job)
            if decision is None:
                existing = self.scheduler.get_job(job.job_id)
                if existing is not None and existing.next_run_time == job.run_at:
                    continue  # unchanged: no job store write
                grace = job.grace
                self.scheduler.add_job(
                    func,
                    "date",
                    run_date=job.run_at,
                    args=args,
                    id=job.job_id,
                    name=job.job_id,
                    replace_existing=True,
                    misfire_grace_time=int(grace.total_seconds()) if grace else None,
                )
            elif decision:
                logger.info("Catch-up: running %s now (due %s)", job.job_id, job.run_at.isoformat())
                self.scheduler.add_job(
                    func,
                    "date",
                    run_date=now,
                    args=args,
                    id=job.job_id,
                    name=job.job_id,
                    replace_existing=True,
                    misfire_grace_time=None,
                )
            else:
                logger.info("Catch-up: dropping %s (due %s, too late to be useful)", job.job_id, job.run_at.isoformat())
                wanted.discard(job.job_id)
                self._remove(job.job_id)
                lifecycle.record_done(talk.id, job.kind)
        # Jobs for kinds the talk no longer needs (e.g. a removed reminder lead).
        for job in self.scheduler.get_jobs():
            if job.id.endswith(f":{talk.id}") and job.id not in wanted:
                self._remove(job.id)
        return wanted

    def _remove(self, job_id: str) -> None:
        assert self.scheduler is not None
        try:
            self.scheduler.remove_job(job_id)
        except JobLookupError:
            pass
