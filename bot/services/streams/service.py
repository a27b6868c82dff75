"""Stream links created through Google: YouTube Live broadcasts and Google Meet events, following the talk.

Talk flow steps (bot/flows/talk.py): created -> provision, updated -> sync (patch, retry a failed creation,
switch kinds), cancelled -> release (delete, or complete a started broadcast), rsvp -> attendee sync (Meet, when
GOOGLE_MEET_INVITE_ATTENDEES). The watch or Meet link is read by bot/services/streams/links.py.

Idempotency lives in talk_streams: the intent is recorded before every creating call and each id as soon as
Google returns it, so a retry (or a crash and a later sync) resumes instead of creating a second broadcast.
Meet events carry our own event id and the conference a stable requestId, which Google deduplicates.

Failure is not fatal: retryable errors are retried (googleapiclient's execute(num_retries) for idempotent calls,
a recover-then-retry loop for creations), then the organiser gets a DM saying what went wrong, how to fix it,
and an "Add link" button for a link by hand. The stream key goes to speakers and organiser by DM only.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.crash import crash_point
from bot.db import repositories as repo
from bot.db import streams_repo
from bot.db.base import utcnow
from bot.db.models import StreamKind, StreamStatus, Talk, TalkStatus, TalkStream
from bot.db.session import Database
from bot.delivery.outbox import send_once
from bot.delivery.refresher import Refresher
from bot.domain import Actor
from bot.flows.engine import start as start_flow
from bot.i18n import t
from bot.integrations.calendar import Calendar, conference_status, meet_link
from bot.integrations.google_auth import GoogleAccess, GoogleApiError, Problem, QuotaMeter
from bot.integrations.google_auth import classify as classify_error
from bot.integrations.slack_gateway import SlackGateway
from bot.integrations.youtube import STARTED_STATES, WATCH_URL, Ingestion, YouTube
from bot.observability.metrics import google_quota_spent
from bot.services.talks.service import NotAllowed, TalkService, calendar_changed, change_snapshot
from bot.views.formatting import mrkdwn_escape, slack_date
from bot.views.parsing import validate_stream_url
from bot.views.streams import build_link_modal, build_stream_failed_blocks

logger = logging.getLogger(__name__)

GOOGLE_KINDS = (StreamKind.YOUTUBE, StreamKind.MEET)
PACIFIC = ZoneInfo("America/Los_Angeles")  # YouTube's quota day


def quota_day(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(PACIFIC).date()


class StreamService:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        slack: SlackGateway,
        talks: TalkService,
        refresher: Refresher,
        google: GoogleAccess | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.talks = talks
        self.refresher = refresher
        self.google = google or GoogleAccess(settings)
        self.sleep = sleep
        self._locks: dict[int, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @contextmanager
    def _talk_lock(self, talk_id: int) -> Iterator[None]:
        """One Google operation per talk at a time in this process (the DB row records progress across
        processes; flow runs of one talk never overlap across processes)."""
        with self._locks_guard:
            lock = self._locks.setdefault(talk_id, threading.Lock())
        with lock:
            yield

    # Reads -----------------------------------------------------------------------------------------------------

    def stream_of(self, talk_id: int) -> TalkStream | None:
        with self.db.session() as session:
            return streams_repo.get_stream(session=session, talk_id=talk_id)

    def link(self, talk: Talk) -> str | None:
        """stream_link provider: the YouTube watch link or the Meet link once created."""
        if talk.stream_kind not in GOOGLE_KINDS:
            return None
        row = self.stream_of(talk.id)
        if row is None or row.status is not StreamStatus.READY or row.kind is not talk.stream_kind:
            return None
        return row.link

    def quota_today(self) -> int:
        with self.db.session() as session:
            return streams_repo.quota_used(session=session, day=quota_day())

    def _talk(self, talk_id: int) -> Talk | None:
        with self.db.session() as session:
            return repo.get_talk(session=session, talk_id=talk_id)

    def _save(self, talk_id: int, **values: Any) -> TalkStream:
        with self.db.session() as session:
            row = streams_repo.get_stream(session=session, talk_id=talk_id, lock=True)
            assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
            return row

    def _record_units(self, talk_id: int, meter: QuotaMeter) -> None:
        units = meter.take()
        if not units:
            return
        google_quota_spent(units, api="youtube")
        day = quota_day()
        with self.db.session() as session:
            streams_repo.add_quota(session=session, day=day, units=units)
            row = streams_repo.get_stream(session=session, talk_id=talk_id, lock=True)
            if row is not None:
                row.quota_units += units
            session.flush()
            today = streams_repo.quota_used(session=session, day=day)
        logger.info(
            "YouTube quota: talk %s spent %d units; %d of %d used today (Pacific day %s)",
            talk_id,
            units,
            today,
            self.settings.YOUTUBE_DAILY_QUOTA,
            day,
        )

    # talk_created ----------------------------------------------------------------------------------------------

    def provision(self, talk_id: int) -> None:
        with self._talk_lock(talk_id):
            self._provision(talk_id)

    def _provision(self, talk_id: int) -> None:
        talk = self._talk(talk_id)
        if talk is None or talk.stream_kind not in GOOGLE_KINDS:
            return
        if talk.status not in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
            return
        with self.db.session() as session:
            row = streams_repo.claim_stream(session=session, talk_id=talk_id, kind=talk.stream_kind)
            if row.status is StreamStatus.READY and row.kind is talk.stream_kind:
                return
            if row.kind is not talk.stream_kind or row.status in (StreamStatus.DELETED, StreamStatus.COMPLETED):
                _reset(row, talk.stream_kind)
            row.status = StreamStatus.PROVISIONING
        try:
            if not self.google.configured:
                raise GoogleApiError(Problem.CONFIG, "GOOGLE_CREDENTIALS_FILE is not set")
            if talk.stream_kind is StreamKind.YOUTUBE:
                self._provision_youtube(talk)
            else:
                self._provision_meet(talk)
        except GoogleApiError as exc:
            self._failed(talk, exc)
            return
        if talk.announce_link:
            # The organiser asked for the watch/Meet link in the announcement: it exists now.
            self.talks.refresh_announcement(talk_id)

    def _provision_youtube(self, talk: Talk) -> None:
        meter = QuotaMeter()
        ingestion: Ingestion | None = None
        try:
            youtube = YouTube(self.google, meter=meter)
            row = self.stream_of(talk.id)
            assert row is not None
            broadcast_id, stream_id = row.broadcast_id, row.stream_id
            if broadcast_id is None:
                found = None
                tag = _broadcast_tag(talk.id, row.created_at)
                if row.broadcast_attempted_at is not None:
                    # An earlier attempt may have created it and died before recording the id.
                    found = youtube.find_broadcast(tag=tag)
                if found is None:
                    self._save(talk.id, broadcast_attempted_at=utcnow())
                    found = youtube.create_broadcast(
                        title=talk.title,
                        description=self._description(talk, tag=tag),
                        starts_at=talk.starts_at,
                        ends_at=talk.ends_at,
                        privacy=self.settings.YOUTUBE_PRIVACY,
                        tag=tag,
                    )
                    crash_point("provision.after_insert")
                broadcast_id = str(found["id"])
                self._save(talk.id, broadcast_id=broadcast_id)
            if stream_id is None:
                title = _stream_title(talk.id, row.created_at)
                found = youtube.find_stream(title=title) if row.stream_attempted_at is not None else None
                if found is None:
                    self._save(talk.id, stream_attempted_at=utcnow())
                    found = youtube.create_stream(title=title)
                stream_id = str(found["id"])
                ingestion = Ingestion.from_stream(found)
                self._save(talk.id, stream_id=stream_id)
            if not row.bound:
                youtube.bind(broadcast_id, stream_id)
            self._save(
                talk.id,
                bound=True,
                status=StreamStatus.READY,
                link=WATCH_URL.format(id=broadcast_id),
                error_kind=None,
                error_detail=None,
            )
            logger.info("YouTube broadcast %s (stream %s) ready for talk %s", broadcast_id, stream_id, talk.id)
            self._send_stream_keys(talk, youtube, stream_id, ingestion)
        finally:
            self._record_units(talk.id, meter)

    def _provision_meet(self, talk: Talk) -> None:
        with self.db.session() as session:
            row = streams_repo.get_stream(session=session, talk_id=talk.id, lock=True)
            assert row is not None
            if row.request_id is None or row.event_id is None:
                # Chosen once and stored before the first call: every retry sends the same ids.
                nonce = secrets.token_hex(5)
                row.request_id = f"lunchlearn-{talk.id}-{nonce}"
                row.event_id = f"lunchlearn{talk.id}t{nonce}"  # base32hex: [a-v0-9]
                row.calendar_id = self.settings.GOOGLE_CALENDAR_ID
            calendar_id, event_id, request_id = str(row.calendar_id), row.event_id, row.request_id
        calendar = Calendar(self.google)
        attendees = self._attendee_emails(talk)
        body = calendar.event_body(
            title=talk.title,
            description=self._description(talk),
            starts_at=talk.starts_at,
            ends_at=talk.ends_at,
            attendees=attendees,
        )
        event = calendar.create_meet_event(
            calendar_id=calendar_id, event_id=event_id, request_id=request_id, body=body, notify=bool(attendees)
        )
        for attempt in range(self.settings.GOOGLE_MEET_POLL_ATTEMPTS):
            status = conference_status(event)
            if status == "success":
                break
            if status == "failure":
                raise GoogleApiError(Problem.MEET_FAILED, "Google answered the conference request with failure")
            if attempt + 1 < self.settings.GOOGLE_MEET_POLL_ATTEMPTS:
                self.sleep(self.settings.GOOGLE_MEET_POLL_INTERVAL)
                event = calendar.get_event(calendar_id=calendar_id, event_id=event_id)
        else:
            raise GoogleApiError(Problem.MEET_FAILED, f"the conference was still {status or 'missing'}")
        link = meet_link(event)
        if not link:
            raise GoogleApiError(Problem.MEET_FAILED, "the event has no Meet link")
        self._save(talk.id, status=StreamStatus.READY, link=link, error_kind=None, error_detail=None)
        logger.info("Meet event %s ready for talk %s", event_id, talk.id)

    def _description(self, talk: Talk, *, tag: str | None = None) -> str:
        speakers = ", ".join(self._display_name(u) for u in talk.speaker_ids)
        text = f"{talk.description}\n\n{speakers}".strip()
        return f"{text}\n\n{tag}" if tag else text

    def _display_name(self, user_id: str) -> str:
        return self.slack.display_name(user_id) or user_id

    def _attendee_emails(self, talk: Talk) -> list[str] | None:
        """Guests for the Meet event (organiser, speakers, everyone going), or None when not configured."""
        if not self.settings.GOOGLE_MEET_INVITE_ATTENDEES:
            return None
        with self.db.session() as session:
            going = repo.going_user_ids(session=session, talk_id=talk.id)
        emails: list[str] = []
        for user_id in dict.fromkeys([talk.organiser_id, *talk.speaker_ids, *going]):
            if not self.talks.can_see(talk, user_id):
                continue  # left the talk's private channel: no Meet invitation (it carries the link)
            email = self.slack.email_of(user_id)
            if email and email not in emails:
                emails.append(email)
        return emails

    # Stream key DMs ----------------------------------------------------------------------------------------------

    def _send_stream_keys(self, talk: Talk, youtube: YouTube, stream_id: str, ingestion: Ingestion | None) -> None:
        """DM the ingestion address and key to the organiser, once. Only the organiser: speakers can change the
        speaker list, so sending it to speakers would let any speaker hand the key to anyone they add."""
        recipients = [talk.organiser_id]
        keys = {user: f"stream_key:{talk.id}:{stream_id}:{user}" for user in recipients}
        with self.db.session() as session:
            done = streams_repo.sent_outbox_keys(session=session, keys=list(keys.values()))
        missing = [user for user in recipients if keys[user] not in done]
        if not missing:
            return
        if ingestion is None:
            ingestion = youtube.ingestion(stream_id)  # the key is never stored; read it back (1 unit)
        if ingestion is None:
            logger.warning("YouTube stream %s of talk %s has no ingestion info yet", stream_id, talk.id)
            return
        row = self.stream_of(talk.id)
        watch = row.link if row and row.link else ""
        for user in missing:
            lang = self.slack.user(user).lang
            text = t(
                lang,
                "streams.key_dm",
                title=mrkdwn_escape(talk.title),
                when=slack_date(talk.starts_at, talk.timezone),
                address=mrkdwn_escape(ingestion.address),
                stream_key=mrkdwn_escape(ingestion.key),
                link=mrkdwn_escape(watch),
            )
            send_once(
                self.db,
                key=keys[user],
                talk_id=talk.id,
                kind="stream_key",
                recipient=user,
                send=partial(self.slack.post_message, channel=user, text=text),
            )

    # Failures ----------------------------------------------------------------------------------------------------

    def _failed(self, talk: Talk, exc: GoogleApiError) -> None:
        with self.db.session() as session:
            row = streams_repo.get_stream(session=session, talk_id=talk.id, lock=True)
            assert row is not None
            row.status = StreamStatus.FAILED
            row.error_kind = exc.problem.value
            row.error_detail = exc.detail[:255]
            row.failures += 1
            failures = row.failures
        logger.warning("Creating the %s stream of talk %s failed: %s", talk.stream_kind.value, talk.id, exc)
        self._tell_organiser(talk, exc, key=f"stream_failed:{talk.id}:{failures}", message="streams.failed")

    def _tell_organiser(self, talk: Talk, exc: GoogleApiError, *, key: str, message: str) -> None:
        lang = self.slack.user(talk.organiser_id).lang
        kind = t(lang, f"stream.{talk.stream_kind.value}")
        text = t(
            lang,
            message,
            kind=kind,
            title=mrkdwn_escape(talk.title),
            problem=t(lang, f"streams.problem.{exc.problem.value}"),
        )
        blocks = build_stream_failed_blocks(lang, text=text, talk_id=talk.id, offer_link=message == "streams.failed")
        send_once(
            self.db,
            key=key,
            talk_id=talk.id,
            kind="stream_failed",
            recipient=talk.organiser_id,
            send=partial(self.slack.post_message, channel=talk.organiser_id, text=text, blocks=blocks),
        )

    # talk_updated ------------------------------------------------------------------------------------------------

    def sync(self, talk_id: int) -> None:
        with self._talk_lock(talk_id):
            talk = self._talk(talk_id)
            if talk is None:
                return
            row = self.stream_of(talk_id)
            if row is not None and row.kind is not talk.stream_kind and row.status not in _GONE:
                self._release(talk, row)  # switched kind: the old broadcast or event goes
                row = self.stream_of(talk_id)
            if talk.stream_kind not in GOOGLE_KINDS:
                return
            if row is None or row.status is not StreamStatus.READY or row.kind is not talk.stream_kind:
                self._provision(talk_id)  # a retry after a failure (the organiser may have fixed the cause)
                return
            try:
                self._update(talk, row)
            except GoogleApiError as exc:
                logger.warning("Updating the %s stream of talk %s failed: %s", talk.stream_kind.value, talk_id, exc)
                key = f"stream_update_failed:{talk_id}:{int(talk.updated_at.timestamp())}"
                self._tell_organiser(talk, exc, key=key, message="streams.update_failed")

    def _update(self, talk: Talk, row: TalkStream) -> None:
        if talk.stream_kind is StreamKind.YOUTUBE and row.broadcast_id and row.stream_id:
            meter = QuotaMeter()
            try:
                youtube = YouTube(self.google, meter=meter)
                youtube.update_broadcast(
                    row.broadcast_id,
                    title=talk.title,
                    description=self._description(talk, tag=_broadcast_tag(talk.id, row.created_at)),
                    starts_at=talk.starts_at,
                    ends_at=talk.ends_at,
                )
                self._send_stream_keys(talk, youtube, row.stream_id, None)  # only new speakers get it
            finally:
                self._record_units(talk.id, meter)
        elif talk.stream_kind is StreamKind.MEET and row.event_id and row.calendar_id:
            calendar = Calendar(self.google)
            attendees = self._attendee_emails(talk)
            body = calendar.event_body(
                title=talk.title,
                description=self._description(talk),
                starts_at=talk.starts_at,
                ends_at=talk.ends_at,
                attendees=attendees,
            )
            calendar.patch_event(calendar_id=row.calendar_id, event_id=row.event_id, body=body, notify=bool(attendees))

    def attendees_changed(self, talk_id: int) -> None:
        """RSVPs changed: put the guest list of the Meet event right, coalesced (a burst of clicks = one patch)."""
        if not self.settings.GOOGLE_MEET_INVITE_ATTENDEES:
            return
        self.refresher.refresh(("meet_attendees", talk_id), lambda: self._sync_attendees(talk_id))

    def _sync_attendees(self, talk_id: int) -> None:
        with self._talk_lock(talk_id):
            talk = self._talk(talk_id)
            row = self.stream_of(talk_id)
            if talk is None or talk.stream_kind is not StreamKind.MEET or row is None:
                return
            if row.status is not StreamStatus.READY or not row.event_id or not row.calendar_id:
                return
            try:
                emails = self._attendee_emails(talk) or []
                Calendar(self.google).patch_event(
                    calendar_id=row.calendar_id,
                    event_id=row.event_id,
                    body={"attendees": [{"email": e} for e in emails]},
                    notify=True,
                )
            except GoogleApiError as exc:
                logger.warning("Updating the guests of the Meet event of talk %s failed: %s", talk_id, exc)

    # talk_cancelled ----------------------------------------------------------------------------------------------

    def release(self, talk_id: int) -> None:
        with self._talk_lock(talk_id):
            talk = self._talk(talk_id)
            row = self.stream_of(talk_id)
            if talk is None or row is None:
                return
            self._release(talk, row)

    def _release(self, talk: Talk, row: TalkStream) -> None:
        """Delete what was created (or complete a broadcast that has started). Best effort, told on failure."""
        if row.status in _GONE:
            return
        final = StreamStatus.DELETED
        meter = QuotaMeter()
        try:
            if row.kind is StreamKind.YOUTUBE and row.broadcast_id:
                youtube = YouTube(self.google, meter=meter)
                state = youtube.broadcast_state(row.broadcast_id)
                if state in STARTED_STATES:
                    youtube.complete_broadcast(row.broadcast_id)
                    final = StreamStatus.COMPLETED
                elif state is not None:
                    youtube.delete_broadcast(row.broadcast_id)
                if row.stream_id and final is StreamStatus.DELETED:
                    youtube.delete_stream(row.stream_id)
            elif row.kind is StreamKind.YOUTUBE and row.stream_id:
                YouTube(self.google, meter=meter).delete_stream(row.stream_id)
            elif row.kind is StreamKind.MEET and row.event_id and row.calendar_id:
                Calendar(self.google).delete_event(
                    calendar_id=row.calendar_id,
                    event_id=row.event_id,
                    notify=self.settings.GOOGLE_MEET_INVITE_ATTENDEES,
                )
        except GoogleApiError as exc:
            logger.warning("Removing the %s stream of talk %s failed: %s", row.kind.value, talk.id, exc)
            self._tell_organiser(
                talk, exc, key=f"stream_release_failed:{talk.id}:{row.kind.value}", message="streams.release_failed"
            )
            return
        finally:
            self._record_units(talk.id, meter)
        self._save(talk.id, status=final, link=None)
        logger.info("%s stream of talk %s %s", row.kind.value, talk.id, final.value)

    # Manual link fallback ("Add link" in the failure DM) ---------------------------------------------------------

    def open_link_modal(self, *, actor: Actor, talk_id: int, trigger_id: str, channel_id: str | None) -> None:
        try:
            talk = self.talks.talk_for_edit(actor=actor, talk_id=talk_id)
        except NotAllowed as refusal:
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=refusal.message)
            return
        self.slack.open_view(
            trigger_id=trigger_id, view=build_link_modal(actor.lang, talk_id=talk.id, title=talk.title)
        )

    def validate_link(self, raw: str, lang: str) -> str | None:
        """The error text for a pasted link, or None when it is a usable https URL."""
        if not raw.strip():
            return t(lang, "error.stream_url.missing")
        problem = validate_stream_url(raw.strip())
        return t(lang, problem) if problem else None

    def set_manual_link(self, *, actor: Actor, talk_id: int, url: str) -> None:
        """Store a link given by hand as the talk's link (raises NotAllowed). The talk becomes a manual-link talk,
        so nothing tries to create a Google stream for it again; partial Google resources are removed by sync."""
        self.talks.talk_for_edit(actor=actor, talk_id=talk_id)  # may raise NotAllowed, in the actor's language
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None:
                return
            before = change_snapshot(talk)
            talk.stream_kind = StreamKind.MANUAL
            talk.stream_url = url.strip()
            if calendar_changed(before, talk):
                talk.calendar_sequence += 1
            args = {"by": actor.user_id, "lang": actor.lang, "before": before, "link_saved": True}
            start_flow(session, talk_id=talk_id, flow="updated", args=args)
        logger.info("Talk %s got a stream link by hand from %s", talk_id, actor.user_id)


def _reset(row: TalkStream, kind: StreamKind) -> None:
    row.kind = kind
    row.broadcast_id = row.stream_id = row.event_id = row.request_id = row.calendar_id = row.link = None
    row.bound = False
    row.broadcast_attempted_at = row.stream_attempted_at = None
    row.error_kind = row.error_detail = None


_GONE = (StreamStatus.DELETED, StreamStatus.COMPLETED)


def _broadcast_tag(talk_id: int, created_at: datetime) -> str:
    # In the broadcast's description: how a resumed step finds a broadcast whose insert answer was lost.
    return f"[lunchlearn talk {talk_id} {created_at.astimezone(ZoneInfo('UTC')):%Y%m%d%H%M%S}]"


def _stream_title(talk_id: int, created_at: datetime) -> str:
    # Private to the channel owner; unique per talk row so a lost insert answer can be found again by title.
    return f"lunchlearn talk {talk_id} ({created_at.astimezone(ZoneInfo('UTC')):%Y%m%d%H%M%S})"


# `lunchlearn doctor` --------------------------------------------------------------------------------------------------


def doctor_checks(settings: Settings, db: Database | None) -> list[tuple[str, str]]:
    """("ok" | "FAIL" | "skip", text) lines: credentials refresh, each API the credentials are meant for answers,
    and the YouTube units spent today. Every call is a cheap read (1 YouTube unit)."""
    from google.auth.transport.requests import Request

    access = GoogleAccess(settings)
    path = settings.GOOGLE_CREDENTIALS_FILE
    if path is None:
        return [("skip", "Google: GOOGLE_CREDENTIALS_FILE not set (YouTube Live and Meet links are off)")]
    lines: list[tuple[str, str]] = []
    try:
        loaded = access.credentials()
        loaded.credentials.refresh(Request())
    except Exception as exc:  # noqa: BLE001 - every failure is a line in the report
        problem = exc if isinstance(exc, GoogleApiError) else None
        detail = (problem or classify_error(exc)).detail
        return [("FAIL", f"Google credentials: {path}: {detail} (docs/google.md)")]
    who = f" as {settings.GOOGLE_IMPERSONATE_USER}" if settings.GOOGLE_IMPERSONATE_USER else ""
    lines.append(("ok", f"Google credentials: {loaded.kind} from {path}, token refreshed at {loaded.token_uri}{who}"))
    if loaded.kind == "service_account" and not settings.GOOGLE_IMPERSONATE_USER:
        lines.append(("FAIL", "Google Meet: a service account needs GOOGLE_IMPERSONATE_USER (domain-wide delegation)"))

    if loaded.can_youtube:
        meter = QuotaMeter()
        try:
            YouTube(access, meter=meter).check()
            lines.append(("ok", "YouTube Data API v3: answers (live streaming enabled)"))
        except GoogleApiError as exc:
            lines.append(("FAIL", f"YouTube Data API v3: {exc.problem.value}: {exc.detail}"))
        if db is not None:
            try:
                with db.session() as session:
                    streams_repo.add_quota(session=session, day=quota_day(), units=meter.take())
            except Exception:  # noqa: BLE001 - an old schema only loses the doctor's own unit
                pass
    else:
        lines.append(("skip", f"YouTube Data API v3: {loaded.kind} credentials without a YouTube scope"))
    if loaded.can_calendar:
        try:
            Calendar(access).check(calendar_id=settings.GOOGLE_CALENDAR_ID)
            lines.append(("ok", f"Google Calendar API: answers, calendar {settings.GOOGLE_CALENDAR_ID!r} readable"))
        except GoogleApiError as exc:
            lines.append(("FAIL", f"Google Calendar API: {exc.problem.value}: {exc.detail}"))
    else:
        lines.append(("skip", "Google Calendar API: credentials without a Calendar scope (Meet links are off)"))

    if db is not None:
        try:
            with db.session() as session:
                used = streams_repo.quota_used(session=session, day=quota_day())
            lines.append(
                ("ok", f"YouTube quota: {used} of {settings.YOUTUBE_DAILY_QUOTA} units used today (Pacific day)")
            )
            with db.session() as session:
                failures = streams_repo.open_failures(session=session)
            # What the organiser's DM leaves out: Google's own words, for whoever fixes the setup.
            lines += [
                ("FAIL", f"Talk {row.talk_id}: {row.kind.value} link failed: {row.error_kind}: {row.error_detail}")
                for row in failures
            ]
        except Exception:  # noqa: BLE001 - schema not migrated yet: the schema line already says so
            lines.append(("skip", "YouTube quota: the database has no stream tables yet (run lunchlearn db upgrade)"))
    return lines
