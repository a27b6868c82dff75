"""Wiring: builds the database, the Slack gateway and the services from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.config import Settings
from bot.db.session import Database
from bot.delivery.refresher import Refresher
from bot.integrations.slack_gateway import SlackGateway, make_web_client
from bot.services.hooks import Hooks
from bot.services.questions.service import QuestionService
from bot.services.questions.youtube_bridge import YouTubeChatBridge
from bot.services.reactions.service import ReactionService
from bot.services.streams.service import StreamService
from bot.services.surveys.service import SurveyService
from bot.services.talks.home import HomeService
from bot.services.talks.lifecycle import LifecycleService
from bot.services.talks.service import TalkService


@dataclass
class Container:
    settings: Settings
    db: Database
    client: WebClient
    slack: SlackGateway
    refresher: Refresher
    hooks: Hooks
    talks: TalkService
    lifecycle: LifecycleService
    home: HomeService
    reactions: ReactionService
    questions: QuestionService
    question_bridge: YouTubeChatBridge
    streams: StreamService
    surveys: SurveyService


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
    hooks = Hooks()
    talks = TalkService(settings=settings, db=db, slack=slack, refresher=refresher, hooks=hooks)
    lifecycle = LifecycleService(settings=settings, db=db, slack=slack, talks=talks, hooks=hooks)
    # Reactions as live feedback (issue 6): legend + pulse on the live post, legend seeded at go-live.
    reactions = ReactionService(
        settings=settings, db=db, slack=slack, hooks=hooks, refresh_live_post=talks.refresh_live_post
    )
    reactions.register()
    # Stream links through Google (issue 4): YouTube Live / Meet created, updated, removed with the talk.
    streams = StreamService(settings=settings, db=db, slack=slack, talks=talks, hooks=hooks, refresher=refresher)
    streams.register()
    # Live questions (issue 5): ask button, thread posts, speakers' boards (with the reactions pulse), YouTube chat.
    questions = QuestionService(
        settings=settings,
        db=db,
        slack=slack,
        refresher=refresher,
        hooks=hooks,
        talks=talks,
        pulse=lambda talk, lang: reactions.pulse_blocks(talk, lang=lang),
    )
    questions.register()
    question_bridge = YouTubeChatBridge(settings=settings, db=db, questions=questions)
    question_bridge.register()
    # Post-talk feedback survey and report (issue 7): recipients queued and DMed when a talk ends.
    surveys = SurveyService(settings=settings, db=db, slack=slack, hooks=hooks)
    surveys.register()
    # Survey reminder, close and reports run on the scheduler, planned from the database like the talk's own jobs.
    hooks.job_planners.append(lambda talk: surveys.schedule(talk.id))
    return Container(
        settings=settings,
        db=db,
        client=client,
        slack=slack,
        refresher=refresher,
        hooks=hooks,
        talks=talks,
        lifecycle=lifecycle,
        home=HomeService(db=db, slack=slack),
        reactions=reactions,
        questions=questions,
        question_bridge=question_bridge,
        streams=streams,
        surveys=surveys,
    )
