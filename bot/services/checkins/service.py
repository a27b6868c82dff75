"""Speaker check-ins, on the talk's clock (scheduler jobs planned in LifecycleService.plan):

- 72 h before: each speaker (other than the organiser, who knows) gets a DM: Confirm / Ask to reschedule; asking
  to reschedule DMs the organiser.
- 24 h before: the organiser gets one DM naming the speakers asked who have not confirmed (nothing if all did).
- 24 h before: each speaker gets "slides ready?" with an "Add slides link" button (stored as talks.slides_url).

Every DM goes through the outbox with a key naming the talk, the person and the start time it is about
(`checkin72:<talk>:<speaker>:<epoch>`), so a job that runs twice sends nothing twice, and a talk moved to another
time asks again. Answers are stored for the start time they were given for.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from slack_sdk.models.metadata import Metadata

from bot import ids
from bot.config import Settings
from bot.db import proposals_repo as prepo
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once, sent_message
from bot.domain import Actor
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError
from bot.services.talks.service import NotAllowed, TalkService
from bot.views.formatting import mention, mentions, mrkdwn_escape, slack_date
from bot.views.proposals import (
    build_checkin_dm,
    build_slides_modal,
    build_slides_reminder,
    checkin_text,
    slides_text,
)

logger = logging.getLogger(__name__)

CHECKIN_LEAD = timedelta(hours=72)
ALERT_LEAD = timedelta(hours=24)
SLIDES_LEAD = timedelta(hours=24)
CONFIRMED = "confirmed"
RESCHEDULE = "reschedule"

# Job kinds (bot/scheduling/jobs.py CHECKIN_JOBS) and how long before the start each runs.
JOB_LEADS = {"checkin_72": CHECKIN_LEAD, "checkin_alert": ALERT_LEAD, "slides_reminder": SLIDES_LEAD}


def epoch(talk: Talk) -> int:
    return int(talk.starts_at.timestamp())


def checkin_key(talk: Talk, user_id: str) -> str:
    return f"checkin72:{talk.id}:{user_id}:{epoch(talk)}"


def slides_key(talk: Talk, user_id: str) -> str:
    return f"slides24:{talk.id}:{user_id}:{epoch(talk)}"


def _metadata(talk: Talk, kind: str) -> Metadata:
    return Metadata(
        event_type=ids.METADATA_EVENT_TYPE, event_payload={"talk_id": talk.id, "kind": kind, "at": epoch(talk)}
    )


def asked_speakers(talk: Talk) -> list[str]:
    """Speakers the check-in asks: not the organiser (they planned it), each once."""
    return [user for user in dict.fromkeys(talk.speaker_ids) if user != talk.organiser_id]


class CheckinService:
    def __init__(self, *, settings: Settings, db: Database, slack: SlackGateway, talks: TalkService) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.talks = talks

    def _scheduled(self, talk_id: int) -> Talk | None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        return talk if talk is not None and talk.status is TalkStatus.SCHEDULED else None

    def _dm(self, *, talk: Talk, key: str, kind: str, user_id: str, text: str, blocks: list | None = None) -> bool:
        return send_once(
            self.db,
            key=key,
            talk_id=talk.id,
            kind=kind,
            recipient=user_id,
            send=partial(
                self.slack.post_message, channel=user_id, text=text, blocks=blocks, metadata=_metadata(talk, kind)
            ),
            recover=partial(
                self.slack.find_own_dm,
                user_id=user_id,
                event_type=ids.METADATA_EVENT_TYPE,
                payload_match={"talk_id": talk.id, "kind": kind, "at": epoch(talk)},
            ),
        )

    # 72 h: the check-in -----------------------------------------------------------------------------------------

    def send_checkins(self, talk_id: int, *, now: datetime | None = None) -> int:
        """Ask each speaker to confirm; skipped once less than 24 h remain (the organiser's alert covers it)."""
        now = now or utcnow()
        talk = self._scheduled(talk_id)
        if talk is None or now >= talk.starts_at - ALERT_LEAD:
            logger.info("Speaker check-in of talk %s skipped (not scheduled, or too late)", talk_id)
            return 0
        with self.db.session() as session:
            answers = prepo.checkins(session=session, talk_id=talk.id, starts_at=talk.starts_at)
        sent = 0
        for user_id in asked_speakers(talk):
            lang = self.slack.user(user_id).lang
            if self._dm(
                talk=talk,
                key=checkin_key(talk, user_id),
                kind="checkin72",
                user_id=user_id,
                text=checkin_text(lang, talk),
                blocks=build_checkin_dm(lang, talk, answer=answers.get(user_id)),
            ):
                sent += 1
        return sent

    def answer(self, *, actor: Actor, talk_id: int, answer: str, channel_id: str | None) -> None:
        """Confirm / Ask to reschedule from the check-in DM (idempotent: a second click changes nothing)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or actor.user_id not in talk.speaker_ids:
                message: str | None = t(actor.lang, "checkin.not_speaker")
                changed = False
            elif talk.status is not TalkStatus.SCHEDULED:
                status = t(actor.lang, f"status.{talk.status.value}")
                message = t(actor.lang, "checkin.closed", title=mrkdwn_escape(talk.title), status=status)
                changed = False
            else:
                message = None
                changed = prepo.record_checkin(
                    session=session, talk_id=talk_id, user_id=actor.user_id, starts_at=talk.starts_at, answer=answer
                )
        if message is not None or talk is None:
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=message or "")
            return
        self._show_answer(talk, actor.user_id, actor.lang, answer)
        if answer == RESCHEDULE and changed:
            self._tell_organiser_reschedule(talk, actor.user_id)

    def _show_answer(self, talk: Talk, user_id: str, lang: str, answer: str) -> None:
        """The check-in DM (as recorded, not as the payload names it) shows the answer."""
        posted = sent_message(self.db, checkin_key(talk, user_id))
        if posted is None:
            return
        try:
            self.slack.update_message(
                channel=posted[0],
                ts=posted[1],
                text=checkin_text(lang, talk),
                blocks=build_checkin_dm(lang, talk, answer=answer),
                metadata=_metadata(talk, "checkin72"),
            )
        except SlackGatewayError as exc:
            logger.warning("Updating the check-in DM of talk %s failed: %s", talk.id, exc.error)

    def _tell_organiser_reschedule(self, talk: Talk, speaker: str) -> None:
        organiser = talk.organiser_id
        lang = self.slack.user(organiser).lang
        text = t(
            lang,
            "checkin.reschedule_dm",
            speaker=mention(speaker),
            title=mrkdwn_escape(talk.title),
            when=slack_date(talk.starts_at, talk.timezone),
        )
        self._dm(
            talk=talk,
            key=f"reschedule:{talk.id}:{speaker}:{epoch(talk)}",
            kind="checkin_reschedule",
            user_id=organiser,
            text=text,
        )

    # 24 h: the organiser's alert ------------------------------------------------------------------------------

    def alert_unconfirmed(self, talk_id: int, *, now: datetime | None = None) -> bool:
        """One DM to the organiser naming the speakers asked at 72 h who have not confirmed. True when sent now."""
        now = now or utcnow()
        talk = self._scheduled(talk_id)
        if talk is None or now >= talk.starts_at:
            return False
        with self.db.session() as session:
            answers = prepo.checkins(session=session, talk_id=talk.id, starts_at=talk.starts_at)
        asked = [user for user in asked_speakers(talk) if sent_message(self.db, checkin_key(talk, user)) is not None]
        silent = [user for user in asked if user not in answers]
        moving = [user for user in asked if answers.get(user) == RESCHEDULE]
        if not silent and not moving:
            return False
        organiser = talk.organiser_id
        lang = self.slack.user(organiser).lang
        lines = [
            t(lang, "checkin.alert", title=mrkdwn_escape(talk.title), when=slack_date(talk.starts_at, talk.timezone))
        ]
        if silent:
            lines.append(t(lang, "checkin.alert.silent", speakers=mentions(silent)))
        if moving:
            lines.append(t(lang, "checkin.alert.reschedule", speakers=mentions(moving)))
        return self._dm(
            talk=talk,
            key=f"checkin_alert:{talk.id}:{epoch(talk)}",
            kind="checkin_alert",
            user_id=organiser,
            text="\n".join(lines),
        )

    # 24 h: slides ready? ----------------------------------------------------------------------------------------

    def send_slides_reminders(self, talk_id: int, *, now: datetime | None = None) -> int:
        now = now or utcnow()
        talk = self._scheduled(talk_id)
        if talk is None or now >= talk.starts_at or talk.slides_url:
            return 0
        sent = 0
        for user_id in dict.fromkeys(talk.speaker_ids):
            lang = self.slack.user(user_id).lang
            if self._dm(
                talk=talk,
                key=slides_key(talk, user_id),
                kind="slides24",
                user_id=user_id,
                text=slides_text(lang, talk),
                blocks=build_slides_reminder(lang, talk),
            ):
                sent += 1
        return sent

    def _slides_talk(self, actor: Actor, talk_id: int) -> Talk:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            raise NotAllowed(t(actor.lang, "notice.talk_missing"))
        if not self.talks.can_manage(talk, actor):
            raise NotAllowed(self.talks.refusal(talk, actor, "slides"))
        return talk

    def open_slides_modal(self, *, actor: Actor, talk_id: int, trigger_id: str) -> None:
        talk = self._slides_talk(actor, talk_id)
        self.slack.open_view(trigger_id=trigger_id, view=build_slides_modal(actor.lang, talk))

    def save_slides(self, *, actor: Actor, talk_id: int, url: str) -> None:
        """Before the modal's ack (a refusal keeps it open with the message)."""
        self._slides_talk(actor, talk_id)
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is not None:
                talk.slides_url = url
        logger.info("Slides link of talk %s set by %s", talk_id, actor.user_id)

    def after_slides(self, talk_id: int, user_id: str) -> None:
        """The "slides ready?" DM shows the link now saved."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return
        posted = sent_message(self.db, slides_key(talk, user_id))
        if posted is None:
            return
        lang = self.slack.user(user_id).lang
        try:
            self.slack.update_message(
                channel=posted[0],
                ts=posted[1],
                text=slides_text(lang, talk),
                blocks=build_slides_reminder(lang, talk),
                metadata=_metadata(talk, "slides24"),
            )
        except SlackGatewayError as exc:
            logger.warning("Updating the slides DM of talk %s failed: %s", talk_id, exc.error)
