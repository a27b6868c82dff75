"""A talk's life on the clock: reminders, go-live, end; each step exactly once, whoever runs it and how often."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot import ids
from bot.config import Settings
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import OutboxStatus, Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once
from bot.domain import Actor, parse_offsets
from bot.flows.engine import FlowRunner
from bot.flows.engine import start as start_flow
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway
from bot.services.checkins.service import JOB_LEADS as CHECKIN_LEADS
from bot.services.streams.links import link_for
from bot.services.surveys.service import SurveyService
from bot.services.talks.service import NotAllowed, TalkService
from bot.views.formatting import mrkdwn_escape
from bot.views.live_post import reminder_dm_text, reminder_metadata, reminder_thread_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedJob:
    """One job a talk needs: `kind` is reminder_<lead>, go_live or end; the job id is '<kind>:<talk id>'."""

    kind: str
    talk_id: int
    run_at: datetime
    lead_minutes: int = 0
    feature: bool = False  # a survey or check-in job (bot/scheduling/jobs.py FEATURE_JOBS)

    @property
    def job_id(self) -> str:
        return f"{self.kind}:{self.talk_id}"

    @property
    def grace(self) -> timedelta | None:
        """How late the job may still run: half a reminder's lead; a go-live until the talk's end; an end always."""
        if self.kind.startswith("reminder_"):
            return timedelta(minutes=self.lead_minutes) / 2
        return None


def _done_key(kind: str, talk_id: int) -> str:
    return f"{kind}_done:{talk_id}"


def checkin_jobs(talk: Talk, done: set[str]) -> list[PlannedJob]:
    """pipeline: the speaker check-in (72 h), the organiser's alert and the slides reminder (24 h). The kind names
    the start time ('checkin_72@<epoch>'), so a moved talk gets new jobs and the old ones are removed; each is
    planned only if the talk existed at its moment."""
    at = int(talk.starts_at.timestamp())
    planned = []
    for base, lead in CHECKIN_LEADS.items():
        kind = f"{base}@{at}"
        run_at = talk.starts_at - lead
        if run_at > talk.created_at and _done_key(kind, talk.id) not in done:
            planned.append(PlannedJob(kind, talk.id, run_at, feature=True))
    return planned


class LifecycleService:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        slack: SlackGateway,
        talks: TalkService,
        surveys: SurveyService,
        flows: FlowRunner,
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.talks = talks
        self.surveys = surveys
        self.flows = flows

    # Planning ------------------------------------------------------------------------------------------------

    def offsets_for(self, talk: Talk) -> list[int]:
        own = parse_offsets(talk.reminder_offsets) if talk.reminder_offsets else None
        if own is not None:
            return own
        return parse_offsets(self.settings.REMINDER_OFFSETS) or []

    def plan(self, talk: Talk, *, done: set[str] | None = None) -> list[PlannedJob]:
        """Every job the talk still needs, from its state in the database (`done`: keys of finished jobs)."""
        done = done if done is not None else self.done_keys(talk.id)
        jobs: list[PlannedJob] = []
        if talk.status is TalkStatus.SCHEDULED:
            jobs = [
                PlannedJob(f"reminder_{lead}", talk.id, talk.starts_at - timedelta(minutes=lead), lead)
                for lead in self.offsets_for(talk)
                # A reminder only makes sense if the talk was announced before its moment (no "in 24 h" for a
                # talk created 3 h ahead), and only once.
                if talk.starts_at - timedelta(minutes=lead) > talk.created_at
                and _done_key(f"reminder_{lead}", talk.id) not in done
            ]
            jobs += [PlannedJob("go_live", talk.id, talk.starts_at), PlannedJob("end", talk.id, talk.ends_at)]
            jobs += checkin_jobs(talk, done)
        elif talk.status is TalkStatus.LIVE:
            # A live post that failed or was never recorded is the live flow's to finish, not a job's.
            jobs.append(PlannedJob("end", talk.id, talk.ends_at))
        elif talk.status is TalkStatus.ENDED:
            jobs += [
                PlannedJob(kind, talk.id, when, feature=True)
                for kind, when in self.surveys.schedule(talk.id).items()
                if _done_key(kind, talk.id) not in done
            ]
        return jobs

    def due_now(self, job: PlannedJob, now: datetime) -> bool | None:
        """For a job whose time has passed: True = run it now, False = drop it (too late). None: not due yet."""
        if job.run_at > now:
            return None
        if job.kind.startswith("reminder_"):
            grace = job.grace
            return grace is not None and now - job.run_at <= grace
        return True  # go_live decides itself whether the talk is still within its time; end always runs

    def done_keys(self, talk_id: int) -> set[str]:
        with self.db.session() as session:
            return repo.sent_keys(session=session, talk_id=talk_id, kind="job_done")

    def record_done(self, talk_id: int, kind: str) -> None:
        """Mark a job as finished for good (sent, or dropped as too late) so no sync plans it again."""
        with self.db.session() as session:
            entry = repo.outbox_entry(
                session=session, key=_done_key(kind, talk_id), talk_id=talk_id, kind="job_done", recipient="-"
            )
            entry.status = OutboxStatus.SENT
            entry.sent_at = utcnow()

    # Reminders -----------------------------------------------------------------------------------------------

    def send_reminder(self, talk_id: int, lead_minutes: int, *, now: datetime | None = None) -> bool:
        now = now or utcnow()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            going = repo.going_user_ids(session=session, talk_id=talk_id) if talk else []
        if talk is None or talk.status is not TalkStatus.SCHEDULED:
            logger.info("Reminder %s min for talk %s skipped: talk is not scheduled", lead_minutes, talk_id)
            return False
        moment = talk.starts_at - timedelta(minutes=lead_minutes)
        if now - moment > timedelta(minutes=lead_minutes) / 2:
            logger.info("Reminder %s min for talk %s dropped: %s late", lead_minutes, talk_id, now - moment)
            self.record_done(talk_id, f"reminder_{lead_minutes}")
            return False
        url = link_for(self.db, talk)
        if talk.announcement_channel and talk.announcement_ts:
            channel, thread = talk.announcement_channel, talk.announcement_ts
            kind = f"reminder_{lead_minutes}"
            send_once(
                self.db,
                key=f"{kind}_thread:{talk_id}",
                talk_id=talk_id,
                kind=f"{kind}_thread",
                recipient=channel,
                send=partial(
                    self.slack.post_message,
                    channel=channel,
                    thread_ts=thread,
                    text=reminder_thread_text(talk),
                    metadata=reminder_metadata(talk, lead_minutes),
                ),
                recover=partial(
                    self.slack.find_thread_post,
                    channel=channel,
                    thread_ts=thread,
                    match={"talk_id": talk_id, "kind": kind},
                ),
            )
        # Someone who left the talk's private channel no longer gets its reminder (nor the link in it).
        going = [user_id for user_id in going if self.talks.can_see(talk, user_id)]
        for user_id in going:
            lang = self.slack.user(user_id).lang
            send_once(
                self.db,
                key=f"reminder_{lead_minutes}_dm:{talk_id}:{user_id}",
                talk_id=talk_id,
                kind="reminder_dm",
                recipient=user_id,
                send=partial(
                    self.slack.post_message,
                    channel=user_id,
                    text=reminder_dm_text(talk, lang, lead_minutes, url),
                    metadata=reminder_metadata(talk, lead_minutes),
                ),
                crash="reminder.after_dm",
                recover=partial(
                    self.slack.find_own_dm,
                    user_id=user_id,
                    event_type=ids.METADATA_EVENT_TYPE,
                    payload_match={"talk_id": talk_id, "kind": f"reminder_{lead_minutes}"},
                ),
            )
        self.record_done(talk_id, f"reminder_{lead_minutes}")
        logger.info("Reminder %s min for talk %s sent to %d attendees", lead_minutes, talk_id, len(going))
        return True

    # Go-live ----------------------------------------------------------------------------------------------------

    def go_live(self, talk_id: int, *, now: datetime | None = None) -> bool:
        """Scheduled -> live, and the live flow starts in the same transaction (bot/flows/talk.py: card, live
        post, boards, legend, chat bridge). False when there is nothing to do (not scheduled, or its time is
        over: the caller ends it instead). Running it again only resumes an unfinished live flow."""
        now = now or utcnow()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.status is not TalkStatus.SCHEDULED:
                logger.info("Go-live of talk %s skipped: %s", talk_id, talk.status.value if talk else "missing")
                live = talk is not None and talk.status is TalkStatus.LIVE
            elif now >= talk.ends_at:
                logger.info("Go-live of talk %s skipped: its time is over; ending it instead", talk_id)
                return False
            else:
                # Compare-and-set, so of two racing callers (replicas, a double click) one starts the flow.
                live = repo.move_status(session=session, talk_id=talk_id, to=TalkStatus.LIVE, at=now)
                if live:
                    start_flow(session, talk_id=talk_id, flow="live")
                    logger.info("Talk %s is live", talk_id)
        if live:
            self.flows.drain(talk_id)
        return live

    # End -----------------------------------------------------------------------------------------------------------

    def end(self, talk_id: int, *, now: datetime | None = None) -> bool:
        """Scheduled/live -> ended, and the ended flow starts with it (card, live post, questions, survey)."""
        now = now or utcnow()
        with self.db.session() as session:
            if not repo.move_status(session=session, talk_id=talk_id, to=TalkStatus.ENDED, at=now):
                return False
            start_flow(session, talk_id=talk_id, flow="ended")
        logger.info("Talk %s ended", talk_id)
        self.flows.drain(talk_id)
        return True

    # Start now / End now (organiser, speakers, admins) ---------------------------------------------------------

    def start_now(self, *, actor: Actor, talk_id: int) -> str:
        talk = self._manageable(actor, talk_id, "start")
        if talk.status is not TalkStatus.SCHEDULED:
            status = t(actor.lang, f"status.{talk.status.value}")
            raise NotAllowed(t(actor.lang, "lifecycle.not_startable", title=mrkdwn_escape(talk.title), status=status))
        self.go_live(talk_id)  # the live flow re-plans the jobs: the go-live job goes
        return t(actor.lang, "lifecycle.started", title=mrkdwn_escape(talk.title))

    def end_now(self, *, actor: Actor, talk_id: int) -> str:
        talk = self._manageable(actor, talk_id, "end")
        if talk.status is not TalkStatus.LIVE:
            status = t(actor.lang, f"status.{talk.status.value}")
            raise NotAllowed(t(actor.lang, "lifecycle.not_endable", title=mrkdwn_escape(talk.title), status=status))
        self.end(talk_id)
        return t(actor.lang, "lifecycle.ended", title=mrkdwn_escape(talk.title))

    def _manageable(self, actor: Actor, talk_id: int, action: str) -> Talk:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            raise NotAllowed(t(actor.lang, "notice.talk_missing"))
        if not self.talks.can_manage(talk, actor):
            raise NotAllowed(self.talks.refusal(talk, actor, action))
        return talk
