"""Wiring: builds the database, the Slack gateway and the services from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.config import Settings
from bot.db.session import Database
from bot.integrations.slack_gateway import SlackGateway, make_web_client
from bot.services.hooks import Hooks
from bot.services.refresher import Refresher
from bot.services.talks import TalkService


@dataclass
class Container:
    settings: Settings
    db: Database
    client: WebClient
    slack: SlackGateway
    refresher: Refresher
    hooks: Hooks
    talks: TalkService


def build_container(settings: Settings, *, db: Database | None = None) -> Container:
    db = db or Database.from_url(settings.DATABASE_URL)
    client = make_web_client(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL)
    slack = SlackGateway(client)
    refresher = Refresher(settings.MESSAGE_UPDATE_INTERVAL)
    hooks = Hooks()
    talks = TalkService(settings=settings, db=db, slack=slack, refresher=refresher, hooks=hooks)
    return Container(
        settings=settings, db=db, client=client, slack=slack, refresher=refresher, hooks=hooks, talks=talks
    )
