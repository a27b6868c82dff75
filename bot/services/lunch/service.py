"""Lunch headcount for a talk where people eat together.

- The organiser (or a speaker, an admin) turns it on with `/lunchlearn lunch <talk>`: a capacity for in-person
  places (none: no limit) and the lunch-order cutoff (default 10:00 the day before, in the talk's time zone).
- Going then asks "in person (with lunch)" or "remote", with a dietary note. In person beyond the capacity waits on
  the waitlist, in the order people asked; a place freed (not going, remote, a higher capacity) goes to the first
  waiting, who is told; a lower capacity moves the last to ask back to the waitlist, and they are told.
- At the cutoff the organiser gets the headcount and the dietary notes by DM, with a CSV; every change after it is
  flagged (late) and DMed to the organiser.

Every DM owed is a `lunch_notices` row written in the transaction that made the change, then sent once (outbox key
`lunch_notice:<id>`) after the ack, or by the minutely `lunch_sweep` job after a crash.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import LunchChoice, LunchNotice, LunchSetting, Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once, sent_message
from bot.domain import Actor
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError
from bot.services.surveys.service import SurveyService
from bot.services.talks.service import NotAllowed, TalkService
from bot.views.formatting import mrkdwn_escape
from bot.views.lunch import (
    HeadcountLine,
    build_headcount,
    build_lunch_rsvp_modal,
    build_lunch_settings_modal,
    choice_text,
    headcount_text,
    notice_text,
)

logger = logging.getLogger(__name__)

OPEN = (TalkStatus.SCHEDULED, TalkStatus.LIVE)


def default_cutoff(talk: Talk) -> datetime:
    """10:00 the day before the talk, in the talk's time zone."""
    zone = ZoneInfo(talk.timezone)
    day = talk.starts_at.astimezone(zone).date() - timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=zone)


def _csv_safe(value: str | None) -> str:
    """Text from people, opened in spreadsheets: neutralise formula injection (=, +, -, @)."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _state(choice: LunchChoice) -> str:
    if not choice.in_person:
        return "remote"
    return "waitlist" if choice.waitlisted else "in_person"


class LunchService:
    def __init__(
        self, *, settings: Settings, db: Database, slack: SlackGateway, talks: TalkService, surveys: SurveyService
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.talks = talks
        self.surveys = surveys

    # The organiser's settings --------------------------------------------------------------------------------

    def settings_command(self, *, actor: Actor, query: str, trigger_id: str, response_url: str) -> None:
        """/lunchlearn lunch <talk>: open the lunch settings of an upcoming talk one manages."""
        talk = self.surveys.find_talk(actor.team_id, query, user_id=actor.user_id) if query.strip() else None
        if talk is None:
            key = "command.talk_not_found" if query.strip() else "lunch.usage"
            self.slack.respond(response_url, text=t(actor.lang, key, query=mrkdwn_escape(query[:100])))
            return
        try:
            self._manageable(actor, talk)
        except NotAllowed as refusal:
            self.slack.respond(response_url, text=refusal.message)
            return
        with self.db.session() as session:
            setting = session.get(LunchSetting, talk.id)
            capacity = setting.capacity if setting else None
            cutoff = setting.cutoff_at if setting else default_cutoff(talk)
        # Opened to turn lunch on or change it: ticked (untick to turn it off).
        view = build_lunch_settings_modal(actor.lang, talk, enabled=True, capacity=capacity, cutoff_at=cutoff)
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def _manageable(self, actor: Actor, talk: Talk) -> None:
        if not self.talks.can_manage(talk, actor):
            raise NotAllowed(self.talks.refusal(talk, actor, "lunch"))
        if talk.status is not TalkStatus.SCHEDULED:
            status = t(actor.lang, f"status.{talk.status.value}")
            raise NotAllowed(t(actor.lang, "refusal.not_editable", title=mrkdwn_escape(talk.title), status=status))

    def save_settings(
        self,
        *,
        actor: Actor,
        talk_id: int,
        enabled: bool,
        capacity: int | None,
        cutoff_at: datetime | None,
        now: datetime | None = None,
    ) -> dict[str, str]:
        """Store the settings (raises NotAllowed); inline errors by block id, empty when saved."""
        from bot import ids

        now = now or utcnow()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None:
                raise NotAllowed(t(actor.lang, "notice.talk_missing"))
            self._manageable(actor, talk)
            if cutoff_at is None or cutoff_at >= talk.starts_at:
                return {ids.BLOCK_LUNCH_CUTOFF: t(actor.lang, "lunch.error.cutoff")}
            setting = session.get(LunchSetting, talk_id)
            if not enabled:
                if setting is not None:
                    session.delete(setting)
                    session.execute(delete(LunchChoice).where(LunchChoice.talk_id == talk_id))
                return {}
            if setting is None:
                setting = LunchSetting(talk_id=talk_id, cutoff_at=cutoff_at)
                session.add(setting)
            if setting.cutoff_at != cutoff_at:
                setting.cutoff_at = cutoff_at
                if cutoff_at > now:
                    setting.headcount_sent_at = None  # a later order: the headcount goes out then
            setting.capacity = capacity
            session.flush()
            self._rebalance(session, talk, setting, now)
        logger.info("Lunch settings of talk %s saved by %s", talk_id, actor.user_id)
        return {}

    # Going: in person or remote ------------------------------------------------------------------------------

    def asks(self, talk_id: int) -> bool:
        """Going on this talk asks in person or remote (lunch is on and the talk is open)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            return talk is not None and talk.status in OPEN and session.get(LunchSetting, talk_id) is not None

    def open_rsvp_modal(self, *, actor: Actor, talk_id: int, trigger_id: str, channel_id: str | None) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            choice = self._choice(session, talk_id, actor.user_id)
        if talk is None or not self.talks.can_see(talk, actor.user_id):
            self.talks.tell_ephemeral(
                channel_id=channel_id, user_id=actor.user_id, text=t(actor.lang, "notice.talk_missing")
            )
            return
        view = build_lunch_rsvp_modal(
            actor.lang,
            talk,
            in_person=choice.in_person if choice else None,
            dietary=choice.dietary if choice else None,
            channel_id=channel_id,
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def choose(
        self,
        *,
        actor: Actor,
        talk_id: int,
        in_person: bool,
        dietary: str | None,
        channel_id: str | None,
        now: datetime | None = None,
    ) -> None:
        """Going, in person or remote (after the modal's ack): the RSVP, the choice, the waitlist, the reply."""
        now = now or utcnow()
        self.talks.rsvp(actor=actor, talk_id=talk_id, going=True, channel_id=None)
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            setting = session.get(LunchSetting, talk_id)
            if (
                talk is None
                or talk.status not in OPEN
                or setting is None
                or not repo.is_going(session=session, talk_id=talk_id, user_id=actor.user_id)
            ):
                message = t(actor.lang, "notice.talk_missing")
            else:
                choice = self._choice(session, talk_id, actor.user_id)
                before = (_state(choice), choice.dietary) if choice else None
                full = setting.capacity is not None and self._seated(session, talk_id) >= setting.capacity
                if choice is None:
                    choice = LunchChoice(talk_id=talk_id, user_id=actor.user_id, in_person=in_person, requested_at=now)
                    session.add(choice)
                elif in_person and not choice.in_person:
                    choice.requested_at = now  # back to the end of the line
                choice.in_person, choice.dietary = in_person, dietary
                if not in_person:
                    choice.waitlisted = False
                elif before is None or before[0] == "remote":
                    choice.waitlisted = full
                session.flush()
                after = (_state(choice), choice.dietary)
                if after != before and now >= setting.cutoff_at:
                    choice.late = True
                    self._late(session, talk, actor.user_id, after[0], after[1])
                self._rebalance(session, talk, setting, now)
                message = t(
                    actor.lang,
                    "lunch.rsvp.saved",
                    title=mrkdwn_escape(talk.title),
                    choice=choice_text(actor.lang, _state(choice), choice.dietary),
                )
        self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=message)
        self.deliver(talk_id)

    def not_going(self, *, user_id: str, talk_id: int, now: datetime | None = None) -> None:
        """After "Not going": the choice goes, and a freed place goes to the first on the waitlist."""
        now = now or utcnow()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            setting = session.get(LunchSetting, talk_id)
            choice = self._choice(session, talk_id, user_id)
            if talk is None or setting is None or choice is None:
                return
            if repo.is_going(session=session, talk_id=talk_id, user_id=user_id):
                return  # the click was refused (or raced a Going): nothing changed
            if now >= setting.cutoff_at and choice.in_person and not choice.waitlisted:
                self._late(session, talk, user_id, "not_going", None)
            session.delete(choice)
            session.flush()
            self._rebalance(session, talk, setting, now)
        self.deliver(talk_id)

    # The waitlist -------------------------------------------------------------------------------------------

    @staticmethod
    def _choice(session: Session, talk_id: int, user_id: str) -> LunchChoice | None:
        stmt = select(LunchChoice).where(LunchChoice.talk_id == talk_id, LunchChoice.user_id == user_id)
        return session.execute(stmt).scalar_one_or_none()

    @staticmethod
    def _in_person(session: Session, talk_id: int, *, waitlisted: bool) -> list[LunchChoice]:
        stmt = (
            select(LunchChoice)
            .where(
                LunchChoice.talk_id == talk_id, LunchChoice.in_person.is_(True), LunchChoice.waitlisted.is_(waitlisted)
            )
            .order_by(LunchChoice.requested_at, LunchChoice.id)
        )
        return list(session.execute(stmt).scalars())

    def _seated(self, session: Session, talk_id: int) -> int:
        return len(self._in_person(session, talk_id, waitlisted=False))

    def _rebalance(self, session: Session, talk: Talk, setting: LunchSetting, now: datetime) -> None:
        """Seats follow the capacity: the first waiting move up, or the last to ask move back; each is told."""
        seated = self._in_person(session, talk.id, waitlisted=False)
        waiting = self._in_person(session, talk.id, waitlisted=True)
        capacity = setting.capacity
        if capacity is None:
            moved, kind = waiting, "promoted"
        elif len(seated) > capacity:
            moved, kind = seated[capacity:], "demoted"
        else:
            moved, kind = waiting[: capacity - len(seated)], "promoted"
        for choice in moved:
            choice.waitlisted = kind == "demoted"
            session.add(LunchNotice(talk_id=talk.id, recipient=choice.user_id, kind=kind))
            if now >= setting.cutoff_at:
                choice.late = True
                self._late(session, talk, choice.user_id, _state(choice), choice.dietary)

    def _late(self, session: Session, talk: Talk, user_id: str, state: str, dietary: str | None) -> None:
        """A change after the lunch order: the organiser is told, in their language."""
        lang = self.slack.user(talk.organiser_id).lang
        detail = t(lang, "lunch.state.not_going") if state == "not_going" else choice_text(lang, state, dietary)
        session.add(
            LunchNotice(talk_id=talk.id, recipient=talk.organiser_id, kind="late", about=user_id, detail=detail[:400])
        )

    # DMs -----------------------------------------------------------------------------------------------------

    def deliver(self, talk_id: int | None = None) -> int:
        """Send the notices not sent yet (once each, whoever runs this)."""
        with self.db.session() as session:
            stmt = select(LunchNotice).where(LunchNotice.sent.is_(False)).order_by(LunchNotice.id)
            if talk_id is not None:
                stmt = stmt.where(LunchNotice.talk_id == talk_id)
            notices = list(session.execute(stmt.limit(500)).scalars())
            talks = {n.talk_id: repo.get_talk(session=session, talk_id=n.talk_id) for n in notices}
        sent = 0
        for notice in notices:
            talk = talks.get(notice.talk_id)
            if talk is None:
                continue
            lang = self.slack.user(notice.recipient).lang
            text = notice_text(lang, notice.kind, talk, about=notice.about, detail=notice.detail)
            try:
                sent += send_once(
                    self.db,
                    key=f"lunch_notice:{notice.id}",
                    talk_id=talk.id,
                    kind="lunch_notice",
                    recipient=notice.recipient,
                    send=partial(self.slack.post_message, channel=notice.recipient, text=text),
                    raise_errors=True,
                )
            except SlackGatewayError as exc:
                logger.warning("Lunch notice %s not sent: %s", notice.id, exc.error)
                continue
            with self.db.session() as session:
                row = session.get(LunchNotice, notice.id)
                if row is not None:
                    row.sent = True
        return sent

    # The cutoff ------------------------------------------------------------------------------------------------

    def sweep(self, now: datetime | None = None) -> int:
        """Every minute: owed notices, then the headcount of each talk whose lunch order is due. Returns
        headcounts sent."""
        now = now or utcnow()
        self.deliver()
        with self.db.session() as session:
            stmt = (
                select(LunchSetting.talk_id)
                .join(Talk, Talk.id == LunchSetting.talk_id)
                .where(
                    LunchSetting.cutoff_at <= now,
                    LunchSetting.headcount_sent_at.is_(None),
                    Talk.status.in_([s.value for s in OPEN]),
                )
            )
            due = list(session.execute(stmt).scalars())
        return sum(1 for talk_id in due if self.send_headcount(talk_id, now=now))

    def lines(self, talk_id: int) -> list[HeadcountLine]:
        with self.db.session() as session:
            going = set(repo.going_user_ids(session=session, talk_id=talk_id))
            stmt = select(LunchChoice).where(LunchChoice.talk_id == talk_id).order_by(LunchChoice.requested_at)
            choices = [c for c in session.execute(stmt).scalars() if c.user_id in going]
        return [HeadcountLine(c.user_id, _state(c), c.dietary, c.late) for c in choices]

    def headcount_csv(self, talk_id: int) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["user_id", "name", "choice", "dietary", "changed_after_cutoff"])
        for line in self.lines(talk_id):
            name = self.slack.display_name(line.user_id) or ""
            writer.writerow(
                [line.user_id, _csv_safe(name), line.state, _csv_safe(line.dietary), "yes" if line.late else ""]
            )
        return out.getvalue().encode("utf-8-sig")  # BOM: Excel then reads Japanese text correctly

    def send_headcount(self, talk_id: int, *, now: datetime | None = None) -> bool:
        """The organiser's DM with the headcount and dietary notes, and the CSV in its thread; once each."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            setting = session.get(LunchSetting, talk_id)
        if talk is None or setting is None:
            return False
        lang = self.slack.user(talk.organiser_id).lang
        lines = self.lines(talk_id)
        key = f"lunch_headcount:{talk_id}"
        send_once(
            self.db,
            key=key,
            talk_id=talk_id,
            kind="lunch_headcount",
            recipient=talk.organiser_id,
            send=partial(
                self.slack.post_message,
                channel=talk.organiser_id,
                text=headcount_text(lang, talk),
                blocks=build_headcount(lang, talk, lines, capacity=setting.capacity),
            ),
        )
        posted = sent_message(self.db, key)
        if posted is None:
            return False
        channel, ts = posted
        content = self.headcount_csv(talk_id)

        def upload() -> tuple[str, str]:
            files = self.slack.upload_files(
                channel=channel, files=[(f"lunch-{talk_id}.csv", content, talk.title)], thread_ts=ts
            )
            return channel, ",".join(files)

        def uploaded() -> tuple[str, str] | None:
            files = self.slack.find_own_files(channel=channel, thread_ts=ts)
            return (channel, ",".join(files)) if files else None

        send_once(
            self.db,
            key=f"lunch_csv:{talk_id}",
            talk_id=talk_id,
            kind="lunch_csv",
            recipient=talk.organiser_id,
            send=upload,
            recover=uploaded,
        )
        if sent_message(self.db, f"lunch_csv:{talk_id}") is None:
            return False
        with self.db.session() as session:
            row = session.get(LunchSetting, talk_id)
            if row is not None and row.headcount_sent_at is None:
                row.headcount_sent_at = now or utcnow()
        logger.info("Lunch headcount of talk %s sent to its organiser", talk_id)
        return True
