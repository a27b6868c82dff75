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
from bot.delivery.outbox import Sent, send_once, sent_message
from bot.domain import Actor, parse_offsets
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError
from bot.services.hooks import Hooks
from bot.services.talks.service import NotAllowed, TalkService
from bot.views.live_post import (
    build_live_post,
    live_metadata,
    live_text,
    reminder_dm_text,
    reminder_metadata,
    reminder_thread_text,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedJob:
    """One job a talk needs: `kind` is reminder_<lead>, go_live or end; the job id is '<kind>:<talk id>'."""

    kind: str
    talk_id: int
    run_at: datetime
    lead_minutes: int = 0
    feature: bool = False  # planned by a feature through Hooks.job_planners

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


class LifecycleService:
    def __init__(
        self, *, settings: Settings, db: Database, slack: SlackGateway, talks: TalkService, hooks: Hooks
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.talks = talks
        self.hooks = hooks

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
        elif talk.status is TalkStatus.LIVE:
            if not talk.live_ts:
                # Live but no live post recorded (Slack failed, or a crash): retry it now.
                jobs.append(PlannedJob("go_live", talk.id, talk.starts_at))
            jobs.append(PlannedJob("end", talk.id, talk.ends_at))
        if talk.status is not TalkStatus.CANCELLED:
            jobs += [
                PlannedJob(kind, talk.id, when, feature=True)
                for kind, when in self.hooks.feature_jobs(talk).items()
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
        url = self.hooks.link_for(talk)
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
                recover=partial(self._find_post, channel, talk_id, kind, thread),
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
        """Scheduled -> live: the announcement shows LIVE and the live post goes out with the link. Idempotent:
        a second run does nothing, except finish a go-live whose live post failed or was never recorded."""
        now = now or utcnow()
        transitioned = False
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None or talk.status in (TalkStatus.ENDED, TalkStatus.CANCELLED):
                logger.info("Go-live of talk %s skipped: %s", talk_id, talk.status.value if talk else "missing")
                return False
            if talk.status is TalkStatus.LIVE and talk.live_ts:
                return False
            if talk.status is TalkStatus.SCHEDULED and now >= talk.ends_at:
                logger.info("Go-live of talk %s skipped: its time is over; ending it instead", talk_id)
                return False
            if talk.status is TalkStatus.SCHEDULED:
                talk.status = TalkStatus.LIVE
                talk.went_live_at = now
                transitioned = True
        if transitioned:
            logger.info("Talk %s is live", talk_id)
            try:
                self.talks.refresh_announcement(talk_id, now=True)
            except SlackGatewayError as exc:
                logger.warning("Marking the announcement of talk %s live failed: %s", talk_id, exc.error)
        recorded = self._post_live(talk_id)
        if transitioned or recorded:
            self.hooks.fire("talk_live", talk_id)
        return True

    def _post_live(self, talk_id: int) -> bool:
        """Post the live post once; True when this call recorded it on the talk."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None or not talk.announcement_channel or not talk.announcement_ts:
            logger.warning("Talk %s has no announcement to thread the live post under", talk_id)
            return False
        channel, thread = talk.announcement_channel, talk.announcement_ts
        url = self.hooks.link_for(talk)
        send_once(
            self.db,
            key=f"live_post:{talk_id}",
            talk_id=talk_id,
            kind="live_post",
            recipient=channel,
            send=partial(
                self.slack.post_message,
                channel=channel,
                thread_ts=thread,
                reply_broadcast=True,
                text=live_text(talk, url),
                blocks=build_live_post(talk, url=url, extra=self.hooks.extra_live_blocks(talk)),
                metadata=live_metadata(talk),
            ),
            recover=partial(self._find_post, channel, talk_id, "live", thread),
        )
        posted = sent_message(self.db, f"live_post:{talk_id}")
        if posted is None:
            return False
        with self.db.session() as session:
            stored = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if stored is None or stored.live_ts:
                return False
            stored.live_channel, stored.live_ts = posted
        return True

    def _find_post(self, channel: str, talk_id: int, kind: str, thread_ts: str) -> Sent | None:
        ts = self.slack.find_own_reply(channel=channel, thread_ts=thread_ts, match={"talk_id": talk_id, "kind": kind})
        return (channel, ts) if ts else None

    # End -----------------------------------------------------------------------------------------------------------

    def end(self, talk_id: int, *, now: datetime | None = None) -> bool:
        """Scheduled/live -> ended: the announcement and the live post say so; post-talk work starts. Idempotent."""
        now = now or utcnow()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None or talk.status not in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
                return False
            talk.status = TalkStatus.ENDED
            talk.ended_at = now
        logger.info("Talk %s ended", talk_id)
        try:
            self.talks.refresh_announcement(talk_id, now=True)
        except SlackGatewayError as exc:
            logger.warning("Marking the announcement of talk %s ended failed: %s", talk_id, exc.error)
        self.talks.refresh_live_post(talk_id)
        self.hooks.fire("talk_ended", talk_id)
        return True

    # Start now / End now (organiser, speakers, admins) ---------------------------------------------------------

    def start_now(self, *, actor: Actor, talk_id: int) -> str:
        talk = self._manageable(actor, talk_id, "start")
        if talk.status is not TalkStatus.SCHEDULED:
            status = t(actor.lang, f"status.{talk.status.value}")
            raise NotAllowed(t(actor.lang, "lifecycle.not_startable", title=talk.title, status=status))
        self.go_live(talk_id)
        self.hooks.fire("talk_updated", talk_id)  # the scheduler drops the now-pointless go-live job
        return t(actor.lang, "lifecycle.started", title=talk.title)

    def end_now(self, *, actor: Actor, talk_id: int) -> str:
        talk = self._manageable(actor, talk_id, "end")
        if talk.status is not TalkStatus.LIVE:
            status = t(actor.lang, f"status.{talk.status.value}")
            raise NotAllowed(t(actor.lang, "lifecycle.not_endable", title=talk.title, status=status))
        self.end(talk_id)
        self.hooks.fire("talk_updated", talk_id)
        return t(actor.lang, "lifecycle.ended", title=talk.title)

    def _manageable(self, actor: Actor, talk_id: int, action: str) -> Talk:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            raise NotAllowed(t(actor.lang, "notice.talk_missing"))
        if not self.talks.can_manage(talk, actor):
            raise NotAllowed(self.talks.refusal(talk, actor, action))
        return talk
