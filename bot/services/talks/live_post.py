"""The live post: a reply in the announcement's thread, broadcast to the channel, when the talk goes live.

Composed in one place (`blocks`): the join link, the reactions legend and pulse, the Ask a question button.
Posted once by the live flow's step (found again by its metadata after a crash), re-rendered as counts change.
"""

from __future__ import annotations

import logging
from functools import partial

from slack_sdk.models.blocks import Block

from bot.db import repositories as repo
from bot.db.models import Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once, sent_message
from bot.delivery.refresher import Refresher
from bot.flows.engine import GiveUp, Retry
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError, is_transient
from bot.services.reactions.pulse import ReactionPulse
from bot.services.streams.links import link_for
from bot.views.agenda import now_blocks
from bot.views.live_post import build_live_post, live_metadata, live_text
from bot.views.questions import ask_blocks

logger = logging.getLogger(__name__)


class LivePost:
    def __init__(self, *, db: Database, slack: SlackGateway, refresher: Refresher, pulse: ReactionPulse) -> None:
        self.db = db
        self.slack = slack
        self.refresher = refresher
        self.pulse = pulse

    def blocks(self, talk: Talk, url: str | None) -> list[Block]:
        extra = now_blocks(talk) if talk.status is TalkStatus.LIVE else []
        extra += self.pulse.live_post_blocks(talk)
        if talk.status is TalkStatus.LIVE:
            extra += ask_blocks(talk.language, talk.id)
        return build_live_post(talk, url=url, extra=extra)

    def post(self, talk_id: int) -> None:
        """Live flow step: post once, record channel and ts on the talk. Retried while the announcement it
        threads under is missing (its own flow may still be retrying); given up on when Slack refuses for good."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None or talk.live_ts or talk.status is not TalkStatus.LIVE:
            return
        if not talk.announcement_channel or not talk.announcement_ts:
            raise Retry("the talk has no announcement to thread the live post under")
        channel, thread = talk.announcement_channel, talk.announcement_ts
        url = link_for(self.db, talk)
        key = f"live_post:{talk_id}"
        try:
            send_once(
                self.db,
                key=key,
                talk_id=talk_id,
                kind="live_post",
                recipient=channel,
                send=partial(
                    self.slack.post_message,
                    channel=channel,
                    thread_ts=thread,
                    reply_broadcast=True,
                    text=live_text(talk, url),
                    blocks=self.blocks(talk, url),
                    metadata=live_metadata(talk),
                ),
                recover=partial(
                    self.slack.find_thread_post,
                    channel=channel,
                    thread_ts=thread,
                    match={"talk_id": talk_id, "kind": "live"},
                ),
                crash="live.after_post",
                raise_errors=True,
            )
        except SlackGatewayError as exc:
            if not is_transient(exc.error):
                raise GiveUp(f"Slack refused the live post: {exc.error}") from None
        posted = sent_message(self.db, key)
        if posted is None:
            raise Retry("the live post is not posted yet")
        with self.db.session() as session:
            stored = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if stored is not None and not stored.live_ts:
                stored.live_channel, stored.live_ts = posted

    def refresh(self, talk_id: int, *, now: bool = False) -> None:
        """Re-render from the database; coalesced (at most one chat.update per interval) unless `now`."""
        self.refresher.refresh(("live", talk_id), partial(self._render, talk_id), now=now)

    def _render(self, talk_id: int) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None or not talk.live_channel or not talk.live_ts:
            return
        url = link_for(self.db, talk)
        self.slack.update_message(
            channel=talk.live_channel,
            ts=talk.live_ts,
            text=live_text(talk, url),
            blocks=self.blocks(talk, url),
            metadata=live_metadata(talk),
        )
