"""series: create and edit a series, generate its slots, alert organisers about empty slots, skip / pause /
resume, fill a slot with a talk, and serve its calendar feed."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block
from slack_sdk.models.metadata import Metadata
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import ids
from bot.config import Settings
from bot.db import repositories as repo
from bot.db import series_repo
from bot.db.models import Series, SeriesCadence, SeriesSlot, SlotStatus, Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once
from bot.domain import Actor, FieldErrors, SeriesInput
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError
from bot.services.series import flows
from bot.services.series.cadence import HORIZON_DAYS, Rule
from bot.services.streams.links import link_for
from bot.services.talks.service import NotAllowed, TalkService
from bot.views import ics
from bot.views.formatting import channel_mention, mrkdwn_escape, slack_date
from bot.views.series import (
    LIST_SERIES_MAX,
    LIST_SLOTS,
    SlotRow,
    build_empty_slot_dm,
    build_series_list,
    build_series_modal,
    empty_slot_text,
    feed_name,
    series_home_blocks,
)
from bot.views.talk_modal import build_talk_modal

logger = logging.getLogger(__name__)

LIST_SCAN = 50
FEED_TALKS_MAX = 100
FEED_PAST = timedelta(days=1)  # a talk stays in the feed for a day after it ends


def token_hash(token: str) -> str:
    """The feed is found by this hash (an indexed lookup, not a scan comparing tokens); the token is not stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)  # 256 bits
    return token, token_hash(token)


def rule_of(series: Series | SeriesInput, anchor: date | None = None) -> Rule:
    """A stored series' rule, or a submitted one's (with the anchor it would get)."""
    hour, minute = (int(part) for part in series.start_time.split(":"))
    return Rule(
        cadence=SeriesCadence(series.cadence),
        weekday=series.weekday,
        week_of_month=series.week_of_month,
        start_time=time(hour, minute),
        timezone=series.timezone,
        anchor=series.anchor if isinstance(series, Series) else (anchor or datetime.now(UTC).date()),
    )


class SeriesService:
    def __init__(self, *, settings: Settings, db: Database, slack: SlackGateway, talks: TalkService) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.talks = talks

    # Rights ------------------------------------------------------------------------------------------------------

    def can_manage(self, series: Series, actor: Actor) -> bool:
        """The organiser, co-organisers and admins of the installed workspace, acting from it."""
        if not actor.internal or actor.team_id != series.team_id:
            return False
        if actor.user_id in series.manager_ids:
            return True
        return self.slack.user(actor.user_id).is_admin

    def _managed(self, series: Series | None, actor: Actor) -> Series:
        if series is None:
            raise NotAllowed(t(actor.lang, "series.missing"))
        if not self.can_manage(series, actor):
            raise NotAllowed(t(actor.lang, "series.refusal", name=mrkdwn_escape(series.name)))
        return series

    def _can_see(self, series: Series, user_id: str) -> bool:
        if user_id in series.manager_ids or not self.slack.channel_is_private(series.channel_id):
            return True
        members = self.slack.channel_members(series.channel_id)
        return members is not None and user_id in members

    def feed_url(self, token: str) -> str:
        """As inline code: a token may hold `_`, which mrkdwn would otherwise read as italics."""
        return f"`{self.settings.PUBLIC_URL.rstrip('/')}/calendar/{token}.ics`"

    # Create and edit -------------------------------------------------------------------------------------------

    def open_new_modal(self, *, actor: Actor, trigger_id: str, channel_id: str | None) -> None:
        if not actor.internal:
            raise NotAllowed(t(actor.lang, "series.error.external"))
        channel = channel_id if channel_id and channel_id.startswith(("C", "G")) else None
        view = build_series_modal(actor.lang, channel_id=channel, timezone=self.talks.timezone_of(actor.user_id))
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def check(
        self,
        data: SeriesInput,
        lang: str,
        *,
        series_id: int | None = None,
        view_id: str | None = None,
        now: datetime | None = None,
    ) -> FieldErrors:
        """Errors the form alone cannot see: a rule that skips months, a clash in the channel, a channel the bot
        cannot post in. A repeated submission of a modal already saved passes (it must not clash with itself)."""
        now = now or datetime.now(UTC)
        errors = FieldErrors()
        with self.db.session() as session:
            if view_id and series_repo.by_view(session=session, view_id=view_id):
                return errors
            existing = series_repo.get_series(session=session, series_id=series_id) if series_id else None
            anchor = existing.anchor if existing else now.astimezone(ZoneInfo(data.timezone)).date()
            rule = rule_of(data, anchor)
            if missing := rule.months_without_date(now.astimezone(ZoneInfo(data.timezone)).date()):
                months = t(lang, "reminders.comma").join(m.strftime("%Y-%m") for m in missing[:3])
                errors.add(
                    ids.BLOCK_SERIES_WEEK,
                    t(
                        lang,
                        "series.error.no_date",
                        week=t(lang, f"series.week.{data.week_of_month}"),
                        day=t(lang, f"series.weekday.{data.weekday}"),
                        months=months,
                    ),
                )
                return errors
            taken = self._taken_dates(session, series_id, now, data.timezone) if series_id else set()
            starts = [
                s
                for s in rule.between(now, now + timedelta(days=HORIZON_DAYS))
                if s.astimezone(ZoneInfo(data.timezone)).date() not in taken
            ]
            clash = series_repo.channel_busy(
                session=session,
                channel_id=data.channel_id,
                starts=starts,
                minutes=data.duration_minutes,
                except_series=series_id,
            )
        if clash is not None:
            errors.add(
                ids.BLOCK_SERIES_TIME,
                t(
                    lang,
                    "series.error.overlap",
                    channel=channel_mention(data.channel_id),
                    when=slack_date(clash, data.timezone),
                ),
            )
        if series_id is None and (problem := self.talks.channel_error(data.channel_id, lang)):
            errors.add(ids.BLOCK_SERIES_CHANNEL, problem)
        return errors

    def create(
        self, *, actor: Actor, data: SeriesInput, view_id: str | None, now: datetime | None = None
    ) -> tuple[int, str | None]:
        """Store the series (once per modal). Returns its id and the feed token, shown once (None on a repeat)."""
        if not actor.internal:
            raise NotAllowed(t(actor.lang, "series.error.external"))
        now = now or datetime.now(UTC)
        token, digest = new_token()
        with self.db.session() as session:
            if view_id and (found := series_repo.by_view(session=session, view_id=view_id)):
                return found.id, None
            repo.ensure_workspace(session=session, team_id=actor.team_id)
            series = Series(
                team_id=actor.team_id,
                organiser_id=actor.user_id,
                name=data.name,
                channel_id=data.channel_id,
                cadence=SeriesCadence(data.cadence),
                weekday=data.weekday,
                week_of_month=data.week_of_month,
                start_time=data.start_time,
                timezone=data.timezone,
                duration_minutes=data.duration_minutes,
                stream_kind=data.stream_kind,
                announce_days=data.announce_days,
                language=actor.lang,
                anchor=now.astimezone(ZoneInfo(data.timezone)).date(),
                feed_token_hash=digest,
                source_view_id=view_id,
            )
            series_repo.set_co_organisers(series=series, user_ids=data.co_organiser_ids)
            session.add(series)
            session.flush()
            series_id = series.id
        logger.info("Series %s created by %s", series_id, actor.user_id)
        return series_id, token

    def after_create(self, series_id: int, *, actor: Actor, token: str | None, now: datetime | None = None) -> None:
        """After the ack: slots now, then the organiser's confirmation with the feed link (once)."""
        now = now or datetime.now(UTC)
        flows.run(self, flows.CHANGED, series_id, now)
        if token is None:
            return
        with self.db.session() as session:
            series = series_repo.get_series(session=session, series_id=series_id)
            count = len(series_repo.slots(session=session, series_id=series_id, after=now))
        if series is None:
            return
        text = t(actor.lang, "series.created", name=mrkdwn_escape(series.name), count=count, url=self.feed_url(token))
        send_once(
            self.db,
            key=f"series_created:{series_id}",
            talk_id=None,
            kind="series_created",
            recipient=actor.user_id,
            send=partial(self.slack.post_message, channel=actor.user_id, text=text),
        )

    def open_edit_modal(self, *, actor: Actor, series_id: int, trigger_id: str) -> None:
        with self.db.session() as session:
            series = self._managed(series_repo.get_series(session=session, series_id=series_id), actor)
        self.slack.open_view(trigger_id=trigger_id, view=build_series_modal(actor.lang, series=series))

    def channel_of(self, *, actor: Actor, series_id: int) -> str:
        with self.db.session() as session:
            return self._managed(series_repo.get_series(session=session, series_id=series_id), actor).channel_id

    def update(self, *, actor: Actor, series_id: int, data: SeriesInput, now: datetime | None = None) -> None:
        """Save an edit. Future empty slots move to the new rule; slots with a talk, skipped or cancelled stay."""
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            series = self._managed(series_repo.get_series(session=session, series_id=series_id, lock=True), actor)
            series.name = data.name
            series.cadence = SeriesCadence(data.cadence)
            series.weekday = data.weekday
            series.week_of_month = data.week_of_month
            series.start_time = data.start_time
            old_zone = ZoneInfo(series.timezone)
            series.timezone = data.timezone
            series.duration_minutes = data.duration_minutes
            series.stream_kind = data.stream_kind
            series.announce_days = data.announce_days
            series_repo.set_co_organisers(series=series, user_ids=data.co_organiser_ids)
            session.flush()
            self._move_open_slots(session, series, now, old_zone)
            self._generate_in(session, series, now)
        logger.info("Series %s edited by %s", series_id, actor.user_id)

    def after_update(
        self, series_id: int, *, actor: Actor, channel_id: str | None, now: datetime | None = None
    ) -> None:
        flows.run(self, flows.CHANGED, series_id, now or datetime.now(UTC))
        with self.db.session() as session:
            series = series_repo.get_series(session=session, series_id=series_id)
        if series is not None:
            text = t(actor.lang, "series.updated", name=mrkdwn_escape(series.name))
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=text)

    # Slots -------------------------------------------------------------------------------------------------------

    def _taken_dates(self, session: Session, series_id: int | None, now: datetime, tz: str) -> set[date]:
        if series_id is None:
            return set()
        zone = ZoneInfo(tz)
        return {
            s.starts_at.astimezone(zone).date()
            for s in series_repo.slots(session=session, series_id=series_id, after=now)
        }

    def _move_open_slots(self, session: Session, series: Series, now: datetime, old_zone: ZoneInfo) -> None:
        """After an edit: each future empty slot moves to the new rule, keeping its id (what refers to it, such as
        a DM's buttons, still works). First the slot on the same date takes that date's new time; the rest take the
        remaining new dates in order; any left over are removed. Slots with a talk, skipped or cancelled stay."""
        zone = ZoneInfo(series.timezone)
        future = list(series_repo.slots(session=session, series_id=series.id, after=now))
        kept = {s.starts_at.astimezone(zone).date() for s in future if s.status is not SlotStatus.OPEN or s.talk_id}
        wanted = {
            start.astimezone(zone).date(): start
            for start in rule_of(series).between(now, now + timedelta(days=HORIZON_DAYS))
            if start.astimezone(zone).date() not in kept
        }
        empty = [s for s in future if s.status is SlotStatus.OPEN and s.talk_id is None]
        moves: list[tuple[SeriesSlot, datetime]] = []
        unpaired = []
        for slot in empty:
            start = wanted.pop(slot.starts_at.astimezone(old_zone).date(), None)
            if start is None:
                unpaired.append(slot)
            else:
                moves.append((slot, start))
        remaining = sorted(wanted.values())
        for slot in unpaired:
            if remaining:
                moves.append((slot, remaining.pop(0)))
            else:
                session.delete(slot)
        session.flush()  # removals first: a moved slot may take a start a removed one held
        for slot, start in moves:
            slot.starts_at = start
        session.flush()

    def _generate_in(self, session: Session, series: Series, now: datetime) -> int:
        """Insert the rule's dates within the horizon, except dates that already have a slot (skipped, cancelled,
        filled or open): a skip survives an edit of the time, and a re-run adds nothing."""
        if series.paused:
            return 0
        taken = self._taken_dates(session, series.id, now, series.timezone)
        zone = ZoneInfo(series.timezone)
        added = 0
        for start in rule_of(series).between(now, now + timedelta(days=HORIZON_DAYS)):
            if start.astimezone(zone).date() in taken:
                continue
            added += series_repo.insert_slot(session=session, series_id=series.id, starts_at=start)
        return added

    def generate(self, series_id: int, *, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            series = series_repo.get_series(session=session, series_id=series_id)
            if series is None:
                return 0
            added = self._generate_in(session, series, now)
        if added:
            logger.info("Series %s: %d new slots", series_id, added)
        return added

    def alert_empty(self, series_id: int, *, now: datetime | None = None) -> int:
        """DM each organiser once per empty slot that is `announce_days` away or closer (outbox key per slot)."""
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            series = series_repo.get_series(session=session, series_id=series_id)
            if series is None or series.paused:
                return 0
            due = [
                slot
                for slot in series_repo.slots(session=session, series_id=series_id, after=now)
                if slot.status is SlotStatus.OPEN
                and slot.talk_id is None
                and slot.starts_at - timedelta(days=series.announce_days) <= now
            ]
        sent = 0
        for slot in due[:1]:  # only the next empty slot: one nudge at a time is enough to act on
            marker: dict[str, Any] = {"slot_id": slot.id, "kind": "empty"}
            for user_id in series.manager_ids:
                lang = self.slack.user(user_id).lang
                if send_once(
                    self.db,
                    key=f"series_empty:{slot.id}:{user_id}",
                    talk_id=None,
                    kind="series_empty",
                    recipient=user_id,
                    send=partial(
                        self.slack.post_message,
                        channel=user_id,
                        text=empty_slot_text(lang, series, slot),
                        blocks=build_empty_slot_dm(lang, series, slot),
                        metadata=Metadata(event_type=ids.METADATA_SERIES_EVENT_TYPE, event_payload=marker),
                    ),
                    # After a crash between the DM and its record, the DM is found by its metadata, not resent.
                    recover=partial(
                        self.slack.find_own_dm,
                        user_id=user_id,
                        event_type=ids.METADATA_SERIES_EVENT_TYPE,
                        payload_match=marker,
                    ),
                ):
                    sent += 1
        return sent

    def sweep(self, *, now: datetime | None = None) -> None:
        """The scheduler's hourly job: every running series moves its horizon on and sends due alerts."""
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            series_ids = series_repo.active_series_ids(session=session)
        for series_id in series_ids:
            try:
                flows.run(self, flows.SWEEP, series_id, now)
            except Exception:
                logger.exception("Series %s: sweep failed; the next sweep tries again", series_id)

    def set_slot_status(self, *, actor: Actor, slot_id: int, status: SlotStatus, now: datetime | None = None) -> str:
        """Skip or cancel an empty future slot; returns what to tell the person."""
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            slot = series_repo.get_slot(session=session, slot_id=slot_id, lock=True)
            series = series_repo.get_series(session=session, series_id=slot.series_id) if slot else None
            series = self._managed(series, actor)
            assert slot is not None
            if slot.starts_at <= now:
                return t(actor.lang, "series.slot.past")
            if slot.status is not SlotStatus.OPEN or slot.talk_id is not None:
                return t(actor.lang, "series.slot.not_open", status=t(actor.lang, f"series.slot.{slot.status.value}"))
            slot.status = status
            when = slack_date(slot.starts_at, series.timezone)
        logger.info("Series %s: slot %s %s by %s", series.id, slot_id, status.value, actor.user_id)
        key = "series.skipped.done" if status is SlotStatus.SKIPPED else "series.cancelled.done"
        return t(actor.lang, key, name=mrkdwn_escape(series.name), when=when)

    def set_paused(self, *, actor: Actor, series_id: int, paused: bool, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            series = self._managed(series_repo.get_series(session=session, series_id=series_id, lock=True), actor)
            series.paused = paused
            name = series.name
        if not paused:
            flows.run(self, flows.CHANGED, series_id, now)
        logger.info("Series %s %s by %s", series_id, "paused" if paused else "resumed", actor.user_id)
        return t(actor.lang, "series.paused.done" if paused else "series.resumed.done", name=mrkdwn_escape(name))

    def rotate_feed(self, *, actor: Actor, series_id: int) -> str:
        """A new token; the old URL stops working at once (its hash is gone)."""
        token, digest = new_token()
        with self.db.session() as session:
            series = self._managed(series_repo.get_series(session=session, series_id=series_id, lock=True), actor)
            series.feed_token_hash = digest
            name = series.name
        logger.info("Series %s: calendar feed token rotated by %s", series_id, actor.user_id)
        return t(actor.lang, "series.feed.rotated", name=mrkdwn_escape(name), url=self.feed_url(token))

    def open_fill_modal(self, *, actor: Actor, slot_id: int, trigger_id: str, now: datetime | None = None) -> None:
        """The new-talk modal prefilled from the slot; its private_metadata names the slot the talk fills."""
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            slot = series_repo.get_slot(session=session, slot_id=slot_id)
            series = series_repo.get_series(session=session, series_id=slot.series_id) if slot else None
            series = self._managed(series, actor)
        assert slot is not None
        if slot.starts_at <= now:
            raise NotAllowed(t(actor.lang, "series.slot.past"))
        if slot.status is not SlotStatus.OPEN or slot.talk_id is not None:
            raise NotAllowed(
                t(actor.lang, "series.slot.not_open", status=t(actor.lang, f"series.slot.{slot.status.value}"))
            )
        view = build_talk_modal(
            actor.lang,
            starts_at=slot.starts_at,
            duration_minutes=series.duration_minutes,
            channel_id=series.channel_id,
            stream_kind=series.stream_kind,
            language=series.language,
            default_reminders=self.settings.REMINDER_OFFSETS,
            private_metadata=f"{ids.SLOT_METADATA_PREFIX}{slot.id}",
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    # Lists -------------------------------------------------------------------------------------------------------

    def entries(self, *, actor: Actor, now: datetime | None = None) -> list[tuple[Series, Sequence[SlotRow], bool]]:
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            found = series_repo.list_series(session=session, team_id=actor.team_id, limit=LIST_SCAN)
            rows: dict[int, list[SlotRow]] = {}
            for series in found:
                slots = series_repo.slots(session=session, series_id=series.id, after=now, limit=LIST_SLOTS)
                talk_ids = [s.talk_id for s in slots if s.talk_id]
                talks = (
                    {talk.id: talk for talk in session.execute(select(Talk).where(Talk.id.in_(talk_ids))).scalars()}
                    if talk_ids
                    else {}
                )
                rows[series.id] = [SlotRow(slot=s, talk=talks.get(s.talk_id) if s.talk_id else None) for s in slots]
        visible = [s for s in found if self._can_see(s, actor.user_id)]
        return [(s, rows[s.id], self.can_manage(s, actor)) for s in visible]

    def list_command(self, *, actor: Actor, response_url: str) -> None:
        entries = self.entries(actor=actor)
        blocks = build_series_list(actor.lang, entries, more=max(0, len(entries) - LIST_SERIES_MAX))
        self.slack.respond(response_url, text=t(actor.lang, "series.list.header"), blocks=blocks)

    def home_section(self, user_id: str, team_id: str) -> list[Block]:
        """The Home tab's series section: each series this person can see, with its next slot."""
        actor = self.talks.actor(user_id, team_id)
        return series_home_blocks(actor.lang, self.entries(actor=actor))

    # Calendar feed -----------------------------------------------------------------------------------------------

    def feed(self, token: str, *, now: datetime | None = None) -> bytes | None:
        """The series' calendar, or None for an unknown token (the caller answers 404). The lookup is by the token's
        hash on a unique index, so a wrong token costs the same as a right one up to that point."""
        now = now or datetime.now(UTC)
        digest = token_hash(token)
        with self.db.session() as session:
            series = series_repo.by_token_hash(session=session, token_hash=digest)
            if series is None or not hmac.compare_digest(series.feed_token_hash, digest):
                return None
            talks = list(
                session.execute(
                    select(Talk)
                    .where(Talk.series_id == series.id, Talk.ends_at > now - FEED_PAST)
                    .order_by(Talk.starts_at)
                    .limit(FEED_TALKS_MAX)
                ).scalars()
            )
        events = []
        for talk in talks:
            permalink = None
            if talk.announcement_channel and talk.announcement_ts:
                try:
                    permalink = self.slack.permalink(channel=talk.announcement_channel, ts=talk.announcement_ts)
                except SlackGatewayError as exc:
                    logger.warning("Feed: no permalink for talk %s (%s)", talk.id, exc.error)
            join = link_for(self.db, talk) if talk.status is not TalkStatus.CANCELLED else None
            sequence = int((talk.updated_at - talk.created_at).total_seconds())
            events.append(ics.talk_event(talk, join_url=join, permalink=permalink, sequence=sequence))
        return ics.calendar(events, name=feed_name(series))

    # How is the series doing? ------------------------------------------------------------------------------------

    def monthly_report(self, series_id: int, *, now: datetime | None = None) -> int:
        """Sweep step: once a month, the figures of the talks before this month to every organiser (one DM each,
        keyed by series, month and person). A series with no ended talk before this month sends nothing."""
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            series = series_repo.get_series(session=session, series_id=series_id)
            if series is None or series.paused:
                return 0
            zone = ZoneInfo(series.timezone)
            month_start = now.astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            ended_before = session.execute(
                select(Talk.id)
                .where(Talk.series_id == series_id, Talk.status == TalkStatus.ENDED, Talk.starts_at < month_start)
                .limit(1)
            ).first()
            managers = list(series.manager_ids)
        if ended_before is None:
            return 0
        period = (month_start - timedelta(days=1)).strftime("%Y-%m")
        sent = 0
        for user_id in managers:
            key = f"series_report:{series_id}:{period}:{user_id}"
            sent += self._send_report(series_id, user_id=user_id, key=key, period=period, until=month_start)
        return sent

    def report_now(self, *, actor: Actor, series_id: int, request_id: str) -> str:
        """The series menu's "How is it doing?": the figures so far, by DM to the organiser who asked."""
        with self.db.session() as session:
            series = self._managed(series_repo.get_series(session=session, series_id=series_id), actor)
            name = series.name
        key = f"series_report:{series_id}:asked:{request_id}:{actor.user_id}"
        self._send_report(series_id, user_id=actor.user_id, key=key, period=f"asked:{request_id}", until=None)
        return t(actor.lang, "series.report.sent", name=mrkdwn_escape(name))

    def _send_report(self, series_id: int, *, user_id: str, key: str, period: str, until: datetime | None) -> int:
        from bot.services.series.report import compute_series_report, series_chart
        from bot.views.series_report import build_series_report, series_report_metadata, series_report_text

        lang = self.slack.user(user_id).lang
        with self.db.session() as session:
            series = series_repo.get_series(session=session, series_id=series_id)
            if series is None:
                return 0
            report = compute_series_report(
                session=session, series=series, min_responses=self.settings.SURVEY_MIN_RESPONSES, until=until
            )

        def post() -> tuple[str, str]:
            chart = series_chart(report, lang)
            file_id: str | None = None
            if chart is not None:
                try:
                    uploaded = self.slack.upload_files(
                        channel=None, files=[(f"series-{series_id}.png", chart, t(lang, "series.report.chart.title"))]
                    )
                    file_id = uploaded[0] if uploaded else None
                except SlackGatewayError as exc:
                    logger.warning("Series %s: chart upload failed (%s); the report goes without it", series_id, exc)
            text = series_report_text(lang, report)
            metadata = series_report_metadata(series_id, period)
            try:
                blocks = build_series_report(lang, report, chart_file_id=file_id)
                return self.slack.post_message(channel=user_id, text=text, blocks=blocks, metadata=metadata)
            except SlackGatewayError as exc:
                if file_id is None or exc.error != "invalid_blocks":
                    raise
                # A chart Slack is still processing cannot be shown yet: the figures go without it.
                blocks = build_series_report(lang, report)
                return self.slack.post_message(channel=user_id, text=text, blocks=blocks, metadata=metadata)

        done = send_once(
            self.db,
            key=key,
            talk_id=None,
            kind="series_report",
            recipient=user_id,
            send=post,
            recover=partial(
                self.slack.find_own_dm,
                user_id=user_id,
                event_type=ids.METADATA_EVENT_TYPE,
                payload_match={"series_id": series_id, "kind": "series_report", "period": period},
            ),
        )
        return int(done)
