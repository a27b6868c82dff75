"""Wiring: builds the database, the Slack gateway, the services and the flow runner from Settings.

What happens when is not here: bot/flows/talk.py lists each talk flow's steps in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.config import Settings
from bot.db.session import Database
from bot.delivery.refresher import Refresher
from bot.flows.engine import FlowRunner
from bot.flows.talk import FLOWS, tell_organiser
from bot.integrations.slack_gateway import SlackGateway, make_web_client
from bot.services.agenda.service import AgendaService
from bot.services.checkins.service import CheckinService
from bot.services.followup.service import FollowupService
from bot.services.lunch.service import LunchService
from bot.services.proposals.service import ProposalService
from bot.services.questions.service import QuestionService
from bot.services.questions.youtube_bridge import YouTubeChatBridge
from bot.services.reactions.pulse import ReactionPulse
from bot.services.reactions.service import ReactionService
from bot.services.series.service import SeriesService
from bot.services.streams.service import StreamService
from bot.services.surveys.service import SurveyService
from bot.services.talks.attendance import AttendanceService
from bot.services.talks.home import HomeService
from bot.services.talks.lifecycle import LifecycleService
from bot.services.talks.live_post import LivePost
from bot.services.talks.service import TalkService

if TYPE_CHECKING:
    from bot.scheduling.runtime import SchedulerRuntime


@dataclass
class Container:
    settings: Settings
    db: Database
    client: WebClient
    slack: SlackGateway
    refresher: Refresher
    flows: FlowRunner
    talks: TalkService
    live_post: LivePost
    lifecycle: LifecycleService
    home: HomeService
    attendance: AttendanceService
    reactions: ReactionService
    questions: QuestionService
    question_bridge: YouTubeChatBridge
    streams: StreamService
    surveys: SurveyService
    followup: FollowupService
    lunch: LunchService
    agenda: AgendaService
    proposals: ProposalService
    checkins: CheckinService
    series: SeriesService
    # This process's scheduler, when it runs one (set by SchedulerRuntime): flows re-plan jobs through it.
    runtime: SchedulerRuntime | None = field(default=None)


def build_container(settings: Settings, *, db: Database | None = None) -> Container:
    db = db or Database.from_url(settings.DATABASE_URL)
    client = make_web_client(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL)
    # The survey fan-out paces itself and must see each 429: its own client, without the SDK's retry handlers.
    fanout_client = make_web_client(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL, retries=False)
    quick_client = make_web_client(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL, retries=False, timeout=2)
    slack = SlackGateway(
        client,
        fanout_client=fanout_client,
        quick_client=quick_client,
        membership_ttl=settings.CHANNEL_MEMBERS_CACHE_SECONDS,
    )
    refresher = Refresher(settings.MESSAGE_UPDATE_INTERVAL)
    flows = FlowRunner(settings=settings, db=db, flows=FLOWS, on_failed=tell_organiser)
    pulse = ReactionPulse(settings=settings, db=db)
    live_post = LivePost(db=db, slack=slack, refresher=refresher, pulse=pulse)
    talks = TalkService(settings=settings, db=db, slack=slack, refresher=refresher, flows=flows)
    surveys = SurveyService(settings=settings, db=db, slack=slack)
    lifecycle = LifecycleService(settings=settings, db=db, slack=slack, talks=talks, surveys=surveys, flows=flows)
    streams = StreamService(settings=settings, db=db, slack=slack, talks=talks, refresher=refresher)
    questions = QuestionService(
        settings=settings, db=db, slack=slack, refresher=refresher, talks=talks, pulse=pulse.board_blocks
    )
    # Reactions re-render the speakers' boards (where the counts are), not the live post.
    reactions = ReactionService(settings=settings, db=db, slack=slack, pulse=pulse, boards=questions.refresh_boards)
    container = Container(
        settings=settings,
        db=db,
        client=client,
        slack=slack,
        refresher=refresher,
        flows=flows,
        talks=talks,
        live_post=live_post,
        lifecycle=lifecycle,
        home=HomeService(db=db, slack=slack, talks=talks),
        attendance=AttendanceService(db=db),
        reactions=reactions,
        questions=questions,
        question_bridge=YouTubeChatBridge(settings=settings, db=db, questions=questions),
        streams=streams,
        surveys=surveys,
        followup=FollowupService(settings=settings, db=db, slack=slack, talks=talks),
        lunch=LunchService(settings=settings, db=db, slack=slack, talks=talks, surveys=surveys),
        agenda=AgendaService(db=db, slack=slack, talks=talks),
        proposals=ProposalService(settings=settings, db=db, slack=slack, refresher=refresher, talks=talks),
        checkins=CheckinService(settings=settings, db=db, slack=slack, talks=talks),
        series=SeriesService(settings=settings, db=db, slack=slack, talks=talks),
    )
    container.home.sections.append(container.series.home_section)  # series
    flows.bind(container)
    return container
