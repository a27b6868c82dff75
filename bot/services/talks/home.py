"""The App Home tab, published per user when they open it and after they RSVP from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from slack_sdk.models.blocks import Block
from sqlalchemy import or_, select

from bot.db.models import Rsvp, Talk, TalkSpeaker, TalkStatus
from bot.db.session import Database
from bot.integrations.slack_gateway import SlackGateway
from bot.services.talks.access import TalkAccess
from bot.views.home import SECTION_MAX, build_home

SCAN = SECTION_MAX * 5  # rows read per section before hiding private talks this user may not see


class HomeService:
    def __init__(self, *, db: Database, slack: SlackGateway) -> None:
        self.db = db
        self.slack = slack
        self.access = TalkAccess(slack)
        # series: extra Home sections, (user id, team id) -> blocks (SeriesService.home_section, set in the container)
        self.sections: list[Callable[[str, str], list[Block]]] = []

    def publish(self, *, user_id: str, team_id: str, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            in_team = Talk.team_id == team_id
            live = (
                session.execute(
                    select(Talk).where(in_team, Talk.status == TalkStatus.LIVE).order_by(Talk.starts_at).limit(SCAN)
                )
                .scalars()
                .all()
            )
            upcoming = (
                session.execute(
                    select(Talk)
                    .where(in_team, Talk.status == TalkStatus.SCHEDULED, Talk.ends_at > now)
                    .order_by(Talk.starts_at)
                    .limit(SCAN)
                )
                .scalars()
                .all()
            )
            speaking = select(TalkSpeaker.talk_id).where(TalkSpeaker.user_id == user_id)
            mine = (
                session.execute(
                    select(Talk)
                    .where(
                        in_team,
                        Talk.status.in_([TalkStatus.SCHEDULED, TalkStatus.LIVE]),
                        or_(Talk.organiser_id == user_id, Talk.id.in_(speaking)),
                    )
                    .order_by(Talk.starts_at)
                    .limit(SCAN)
                )
                .scalars()
                .all()
            )
            ended = (
                session.execute(
                    select(Talk)
                    .where(in_team, Talk.status == TalkStatus.ENDED)
                    .order_by(Talk.ends_at.desc())
                    .limit(SCAN)
                )
                .scalars()
                .all()
            )
            going = set(
                session.execute(select(Rsvp.talk_id).where(Rsvp.user_id == user_id, Rsvp.going.is_(True))).scalars()
            )

        def shown(talks: Sequence[Talk], limit: int = SECTION_MAX) -> list[Talk]:
            return self.access.visible(list(talks), user_id)[:limit]

        view = build_home(
            self.slack.user(user_id).lang,
            live=shown(live),
            upcoming=shown(upcoming),
            mine=list(mine[:SECTION_MAX]),
            ended=shown(ended, 5),
            going=going,
            series=[block for section in self.sections for block in section(user_id, team_id)],
        )
        self.slack.publish_home(user_id=user_id, view=view)
