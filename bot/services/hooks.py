"""Extension points between features, so each feature (streams, questions, reactions, surveys) plugs into
the talk lifecycle without the lifecycle importing it.

Event hooks receive a talk id and run after the change is committed; a failing hook is logged and never
stops the others or the lifecycle. Providers are pure functions of a Talk returning data for a post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from slack_sdk.models.blocks import Block

from bot.db.models import Talk

logger = logging.getLogger(__name__)

TalkEvent = Literal["talk_created", "talk_updated", "talk_cancelled", "talk_live", "talk_ended", "talk_rsvp"]
TalkHook = Callable[[int], None]


@dataclass
class Hooks:
    talk_created: list[TalkHook] = field(default_factory=list)  # stored and announced
    talk_updated: list[TalkHook] = field(default_factory=list)  # edited (times, title, speakers...)
    talk_cancelled: list[TalkHook] = field(default_factory=list)
    talk_live: list[TalkHook] = field(default_factory=list)  # the live post exists (talk.live_ts)
    talk_ended: list[TalkHook] = field(default_factory=list)
    talk_rsvp: list[TalkHook] = field(default_factory=list)  # someone's RSVP changed (streams: Meet guest list)
    # Extra blocks for the live post (a question button, the reaction legend and pulse...), in order.
    live_post_blocks: list[Callable[[Talk], list[Block]]] = field(default_factory=list)
    # Scheduled work of features: Talk -> {kind: when}; `kind` names a job function in bot.scheduling.jobs that
    # takes the talk id. Each runs once (recorded as done), is re-planned from the database like the lifecycle's.
    job_planners: list[Callable[[Talk], dict[str, datetime]]] = field(default_factory=list)
    # The watch link for a talk whose stream is created through Google (None: not available).
    stream_link: list[Callable[[Talk], str | None]] = field(default_factory=list)

    def fire(self, event: TalkEvent, talk_id: int) -> None:
        for hook in list(getattr(self, event)):
            try:
                hook(talk_id)
            except Exception:
                logger.exception("%s hook %s failed for talk %s", event, getattr(hook, "__qualname__", hook), talk_id)

    def extra_live_blocks(self, talk: Talk) -> list[Block]:
        blocks: list[Block] = []
        for provider in self.live_post_blocks:
            try:
                blocks.extend(provider(talk))
            except Exception:
                logger.exception("live post provider failed for talk %s", talk.id)
        return blocks

    def link_for(self, talk: Talk) -> str | None:
        for provider in self.stream_link:
            try:
                if link := provider(talk):
                    return link
            except Exception:
                logger.exception("stream link provider failed for talk %s", talk.id)
        return talk.stream_url

    def feature_jobs(self, talk: Talk) -> dict[str, datetime]:
        planned: dict[str, datetime] = {}
        for planner in self.job_planners:
            try:
                planned.update(planner(talk))
            except Exception:
                logger.exception("job planner failed for talk %s", talk.id)
        return planned
