"""The App Home tab, published per user when they open it and after they RSVP from it.

It runs after the ack (Bolt acknowledges events before the listener runs), so the permalinks it may fetch never
delay Slack. An announcement's permalink is fetched once and stored on the talk; a report DM's is cached here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cachetools import TTLCache
from slack_sdk.models.blocks import Block
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from bot.db.models import OutboxMessage, OutboxStatus, Rsvp, Talk, TalkSpeaker, TalkStatus
from bot.db.session import Database
from bot.integrations.slack_gateway import SlackGateway
from bot.services.talks.access import TalkAccess
from bot.services.talks.attendance import attended
from bot.services.talks.service import TalkService
from bot.views.home import SECTION_MAX, TalkLinks, build_home

SCAN = SECTION_MAX * 5  # rows read per section before hiding private talks this user may not see
REPORT_KIND = "survey_report"  # the outbox kind of the report DM to the organiser and speakers


class HomeService:
    def __init__(self, *, db: Database, slack: SlackGateway, talks: TalkService) -> None:
        self.db = db
        self.slack = slack
        self.talks = talks
        self.access = TalkAccess(slack)
        # A message's permalink never changes: keep the report DMs' for a day instead of asking Slack on every open.
        self._permalinks: TTLCache[tuple[str, str], str] = TTLCache(maxsize=10_000, ttl=86_400)
        # series: extra Home sections, (user id, team id) -> blocks (SeriesService.home_section, set in the container)
        self.sections: list[Callable[[str, str], list[Block]]] = []

    def publish(self, *, user_id: str, team_id: str, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        actor = self.talks.actor(user_id, team_id)
        with self.db.session() as session:

            def talks(*where: ColumnElement[bool], newest_first: bool = False) -> list[Talk]:
                order = Talk.ends_at.desc() if newest_first else Talk.starts_at
                stmt = select(Talk).where(Talk.team_id == team_id, *where).order_by(order).limit(SCAN)
                return list(session.execute(stmt).scalars().all())

            speaking = select(TalkSpeaker.talk_id).where(TalkSpeaker.user_id == user_id)
            active = Talk.status.in_([TalkStatus.SCHEDULED, TalkStatus.LIVE])
            mine = talks(active, or_(Talk.organiser_id == user_id, Talk.id.in_(speaking)))
            live = talks(Talk.status == TalkStatus.LIVE)
            upcoming = talks(Talk.status == TalkStatus.SCHEDULED, Talk.ends_at > now)
            ended = talks(Talk.status == TalkStatus.ENDED, newest_first=True)
            going = set(
                session.execute(select(Rsvp.talk_id).where(Rsvp.user_id == user_id, Rsvp.going.is_(True))).scalars()
            )

        # Each talk once: your own scheduled or live talks only under "Your talks". Visibility may ask Slack, so
        # it runs with no transaction open.
        own = {talk.id for talk in mine}

        def shown(found: Sequence[Talk]) -> list[Talk]:
            return self.access.visible([talk for talk in found if talk.id not in own], user_id)[:SECTION_MAX]

        live, upcoming, mine = shown(live), shown(upcoming), mine[:SECTION_MAX]
        ended = self.access.visible(ended, user_id)[:SECTION_MAX]

        went: dict[int, bool] = {}
        reports: dict[int, tuple[str, str]] = {}
        with self.db.session() as session:
            for talk in ended:
                if talk.id in going:
                    went[talk.id] = user_id in attended(session, talk.id)
                if (message := _report_message(session, talk, user_id)) is not None:
                    reports[talk.id] = message

        links = {
            talk.id: TalkLinks(
                announcement=self._announcement_link(talk),
                report=self._permalink(*reports[talk.id]) if talk.id in reports else None,
                recording=_recording(talk),
                slides=talk.slides_url or None,
                went=went.get(talk.id),
                manage=talk.status is not TalkStatus.ENDED and self.access.can_manage(talk, actor),
            )
            for talk in [*live, *upcoming, *mine, *ended]
        }
        view = build_home(
            actor.lang,
            live=live,
            upcoming=upcoming,
            mine=mine,
            ended=ended,
            going=going,
            links=links,
            series=[block for section in self.sections for block in section(user_id, team_id)],
        )
        self.slack.publish_home(user_id=user_id, view=view)

    def _announcement_link(self, talk: Talk) -> str | None:
        """The stored permalink, or fetched once and stored (for the announcement it belongs to)."""
        if talk.announcement_permalink or not (talk.announcement_channel and talk.announcement_ts):
            return talk.announcement_permalink
        link = self.slack.permalink(channel=talk.announcement_channel, ts=talk.announcement_ts)
        if link:
            with self.db.session() as session:
                session.execute(
                    update(Talk)
                    .where(Talk.id == talk.id, Talk.announcement_ts == talk.announcement_ts)
                    .values(announcement_permalink=link)
                )
        return link

    def _permalink(self, channel: str, ts: str) -> str | None:
        if (channel, ts) not in self._permalinks:
            link = self.slack.permalink(channel=channel, ts=ts)
            if not link:
                return None
            self._permalinks[(channel, ts)] = link
        return self._permalinks[(channel, ts)]


def _report_message(session: Session, talk: Talk, user_id: str) -> tuple[str, str] | None:
    """The report DM this person got (organiser and speakers), the latest; none for anyone else."""
    if user_id != talk.organiser_id and user_id not in talk.speaker_ids:
        return None
    row = session.execute(
        select(OutboxMessage.channel, OutboxMessage.ts)
        .where(
            OutboxMessage.talk_id == talk.id,
            OutboxMessage.kind == REPORT_KIND,
            OutboxMessage.recipient == user_id,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.channel.is_not(None),
            OutboxMessage.ts.is_not(None),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    return (str(row[0]), str(row[1])) if row is not None else None


def _recording(talk: Talk) -> str | None:
    """The recording link (follow-up: added after the talk, or a YouTube talk's watch URL)."""
    value = getattr(talk, "recording_url", None)
    return value if isinstance(value, str) and value else None
