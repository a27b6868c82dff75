"""Job functions. Module-level and taking only ids, because APScheduler pickles a reference and the arguments
into its job store; each reloads state from the database, so running one twice changes nothing."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.container import Container

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_container: Container | None = None


def bind(container: Container) -> None:
    """The process's services, for jobs the scheduler runs."""
    global _container
    with _lock:
        _container = container


def _current() -> Container:
    if _container is None:
        raise RuntimeError("scheduler jobs run before bind(container)")
    return _container


def send_reminder(talk_id: int, lead_minutes: int) -> None:
    _current().lifecycle.send_reminder(talk_id, lead_minutes)


def go_live(talk_id: int) -> None:
    container = _current()
    if not container.lifecycle.go_live(talk_id):
        # Missed its whole time slot (e.g. down across it): the end still has to run.
        container.lifecycle.end(talk_id)


def end_talk(talk_id: int) -> None:
    _current().lifecycle.end(talk_id)


def reconcile_reactions() -> None:
    """Every few minutes while talks are live: reset reaction totals from Slack (covers dropped events)."""
    _current().reactions.reconcile_live_talks()


def prune_deliveries() -> None:
    """Hourly: forget Slack deliveries older than a day (Slack retries within minutes), and reaction events
    parked for a live post that was never recorded."""
    from datetime import UTC, datetime, timedelta

    from bot.db import reactions_repo as rrepo
    from bot.db import repositories as repo

    with _current().db.session() as session:
        removed = repo.prune_deliveries(session=session, before=datetime.now(UTC) - timedelta(days=1))
        rrepo.prune_parked(session=session, before=datetime.now(UTC) - timedelta(hours=1))
    if removed:
        logger.info("Pruned %d processed Slack deliveries", removed)


def run_feature_job(kind: str, talk_id: int) -> None:
    """A survey job (LifecycleService.plan, from SurveyService.schedule); recorded as done once it ran."""
    # A check-in kind names the start time it was planned for ("checkin_72@<epoch>"); the job reloads the talk.
    func = FEATURE_JOBS.get(kind.partition("@")[0])
    if func is None:
        logger.error("No job function %s for talk %s", kind, talk_id)
        return
    func(talk_id)
    _current().lifecycle.record_done(talk_id, kind)


# --- Live questions ---


def poll_question_chat(talk_id: int) -> None:
    """One YouTube live chat poll for a live talk (the bridge also runs its own paced loop while live)."""
    _current().question_bridge.poll_once(talk_id)


def resume_question_bridges() -> None:
    """At scheduler start: resume the chat bridge of YouTube talks still live (after a restart)."""
    _current().question_bridge.resume()


def resume_question_posts() -> None:
    """Every 30 s, and at scheduler start: post questions of live talks that were stored but not posted."""
    _current().questions.resume_posts()


def follow_agendas() -> None:
    """Every 30 s: live talks with an agenda show the part the clock says is on now."""
    _current().agenda.follow_clock()


def erase_anonymous_askers() -> None:
    """Daily: forget who asked anonymous questions, QUESTION_ANONYMOUS_RETENTION_DAYS after their talk."""
    _current().questions.erase_anonymous_askers()


# --- Surveys: planned per ended talk from SurveyService.schedule(talk_id) (times from the talk's end) ---


def survey_preliminary_report(talk_id: int, now: datetime | None = None) -> None:
    """End + SURVEY_PRELIMINARY_HOURS: the preliminary report (organiser; speakers once enough answered)."""
    _current().surveys.deliver_report(talk_id, final=False)


def survey_reminder(talk_id: int, now: datetime | None = None) -> None:
    """End + SURVEY_REMINDER_HOURS: one reminder to people who have not answered."""
    _current().surveys.send_reminders(talk_id, now=now)


def survey_close(talk_id: int, now: datetime | None = None) -> None:
    """End + SURVEY_CLOSE_HOURS: close the survey, final report, summary in the thread."""
    _current().surveys.close(talk_id, now=now)


def survey_sweep() -> None:
    """Every minute, and at scheduler start: resume survey DMs left pending by a restart or crash."""
    _current().surveys.sweep()


def lunch_sweep(now: datetime | None = None) -> None:
    """Every minute: lunch notices left unsent, and the headcount of each talk whose lunch order is due."""
    _current().lunch.sweep(now=now)


SURVEY_JOBS = {
    "survey_preliminary_report": survey_preliminary_report,
    "survey_reminder": survey_reminder,
    "survey_close": survey_close,
}


# --- pipeline: speaker check-ins (planned per scheduled talk in LifecycleService.plan) and the proposals sweep ---


def speaker_checkin(talk_id: int, now: datetime | None = None) -> None:
    """Start - 72 h: each speaker is asked to confirm, or to ask for another date."""
    _current().checkins.send_checkins(talk_id, now=now)


def checkin_alert(talk_id: int, now: datetime | None = None) -> None:
    """Start - 24 h: one DM to the organiser naming speakers who have not confirmed."""
    _current().checkins.alert_unconfirmed(talk_id, now=now)


def slides_reminder(talk_id: int, now: datetime | None = None) -> None:
    """Start - 24 h: "slides ready?" to each speaker, with "Add slides link"."""
    _current().checkins.send_slides_reminders(talk_id, now=now)


def proposals_sweep() -> None:
    """Every minute: tell proposers about decisions whose DM a crash or a Slack failure left unsent."""
    _current().proposals.sweep()


CHECKIN_JOBS = {
    "checkin_72": speaker_checkin,
    "checkin_alert": checkin_alert,
    "slides_reminder": slides_reminder,
}

FEATURE_JOBS = {**SURVEY_JOBS, **CHECKIN_JOBS}
# --- series: slot generation and empty-slot alerts (bot/services/series/flows.py) ---


def series_sweep(now: datetime | None = None) -> None:
    """Hourly (maintenance:series_sweep), and at scheduler start: every running series generates its slots for
    the horizon and alerts its organisers about an empty slot that is due. Both steps are idempotent."""
    _current().series.sweep(now=now)


def generate_series_slots(series_id: int, now: datetime | None = None) -> None:
    """One series' slots up to the horizon (ON CONFLICT DO NOTHING on (series_id, starts_at))."""
    _current().series.generate(series_id, now=now)


def alert_empty_series_slots(series_id: int, now: datetime | None = None) -> None:
    """One series' "next slot has no speaker" DMs, once per slot and organiser (outbox key)."""
    _current().series.alert_empty(series_id, now=now)
