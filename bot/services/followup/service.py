"""Follow-up after a talk: the organiser and speakers add slides and recording links; they go into the thread
(one post, edited when they change), onto the card, Home and the survey DM; people who RSVPed going but did not
attend get one DM with the recording; /lunchlearn archive lists past talks with their links.

Saving links starts the `links` flow (bot/flows/talk.py) in the same transaction: re-render the card, the thread
post, the no-show DMs. The `ended` flow sets a YouTube talk's recording to its broadcast's watch URL first, and
ends with the same two steps.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import partial

from sqlalchemy import select

from bot import ids
from bot.config import Settings
from bot.db import repositories as repo
from bot.db import streams_repo
from bot.db.models import StreamKind, Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once, sent_message
from bot.domain import Actor
from bot.flows.engine import Retry
from bot.flows.engine import start as start_flow
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError, is_transient
from bot.services.followup.attendance import no_shows
from bot.services.surveys.fanout import UNDELIVERABLE
from bot.services.talks.service import NotAllowed, TalkService
from bot.views.followup import (
    ARCHIVE_PAGE,
    URL_INPUT_MAX,
    build_archive,
    build_links_modal,
    followup_metadata,
    links_text,
    no_show_blocks,
    no_show_text,
    thread_post_blocks,
    thread_post_text,
)
from bot.views.formatting import mrkdwn_escape, safe_url

logger = logging.getLogger(__name__)

ARCHIVE_SCAN = 500  # most recent ended talks searched (before hiding those the user may not see)
_MENTION = re.compile(r"<@([A-Z0-9]{2,30})(?:\|[^>]*)?>")


def thread_key(talk_id: int) -> str:
    return f"followup_thread:{talk_id}"


def no_show_key(talk_id: int, user_id: str) -> str:
    return f"noshow:{talk_id}:{user_id}"


class FollowupService:
    def __init__(self, *, settings: Settings, db: Database, slack: SlackGateway, talks: TalkService) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.talks = talks

    # Adding links -----------------------------------------------------------------------------------------

    def _manageable_ended(self, actor: Actor, talk_id: int) -> Talk:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            raise NotAllowed(t(actor.lang, "notice.talk_missing"))
        if not self.talks.can_manage(talk, actor):
            raise NotAllowed(self.talks.refusal(talk, actor, "links"))
        if talk.status is not TalkStatus.ENDED:
            raise NotAllowed(t(actor.lang, "followup.not_ended", title=mrkdwn_escape(talk.title)))
        return talk

    def open_links_modal(self, *, actor: Actor, talk_id: int, trigger_id: str, channel_id: str | None) -> None:
        try:
            talk = self._manageable_ended(actor, talk_id)
        except NotAllowed as refusal:
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=refusal.message)
            return
        self.slack.open_view(trigger_id=trigger_id, view=build_links_modal(actor.lang, talk))

    @staticmethod
    def validate(lang: str, *, slides: str, recording: str) -> dict[str, str]:
        """Inline errors by block id: each link empty (none) or an https URL the views can show."""
        errors = {}
        for block_id, raw in ((ids.BLOCK_FOLLOWUP_SLIDES, slides), (ids.BLOCK_FOLLOWUP_RECORDING, recording)):
            if len(raw) > URL_INPUT_MAX:
                errors[block_id] = t(lang, "followup.error.too_long", max=URL_INPUT_MAX)
            elif raw and safe_url(raw) is None:
                errors[block_id] = t(lang, "followup.error.url")
        return errors

    def save_links(self, *, actor: Actor, talk_id: int, slides: str, recording: str) -> bool:
        """Store the links (raises NotAllowed); True when something changed (the `links` flow then runs)."""
        self._manageable_ended(actor, talk_id)
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None:
                return False
            new = (slides or None, recording or None)
            if (talk.slides_url, talk.recording_url) == new:
                return False
            talk.slides_url, talk.recording_url = new
            start_flow(session, talk_id=talk_id, flow="links", args={"by": actor.user_id})
        logger.info("Talk %s follow-up links changed by %s", talk_id, actor.user_id)
        return True

    # Flow steps ------------------------------------------------------------------------------------------

    def default_recording(self, talk_id: int) -> None:
        """A YouTube talk's recording is its broadcast's watch URL, unless someone already set one."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None or talk.stream_kind is not StreamKind.YOUTUBE or talk.recording_url:
                return
            stream = streams_repo.get_stream(session=session, talk_id=talk_id)
            link = stream.link if stream is not None and stream.kind is StreamKind.YOUTUBE else None
            if link and safe_url(link):
                talk.recording_url = link

    def post_to_thread(self, talk_id: int) -> None:
        """One post in the announcement's thread with the links; edited in place when they change."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None or not talk.announcement_channel or not talk.announcement_ts:
            return
        key = thread_key(talk_id)
        metadata = followup_metadata(talk_id, "followup")
        try:
            if (posted := sent_message(self.db, key)) is not None:
                channel, ts = posted
                text, blocks = thread_post_text(talk), thread_post_blocks(talk)
                self.slack.update_message(channel=channel, ts=ts, text=text, blocks=blocks, metadata=metadata)
                return
            if links_text(talk.language, talk) is None:
                return  # nothing to share yet
            channel, thread = talk.announcement_channel, talk.announcement_ts
            send_once(
                self.db,
                key=key,
                talk_id=talk_id,
                kind="followup_thread",
                recipient=channel,
                send=partial(
                    self.slack.post_message,
                    channel=channel,
                    thread_ts=thread,
                    text=thread_post_text(talk),
                    blocks=thread_post_blocks(talk),
                    metadata=metadata,
                ),
                recover=partial(
                    self.slack.find_thread_post,
                    channel=channel,
                    thread_ts=thread,
                    match={"talk_id": talk_id, "kind": "followup"},
                ),
                raise_errors=True,
            )
        except SlackGatewayError as exc:
            if is_transient(exc.error):
                raise Retry(f"follow-up thread post: {exc.error}") from None
            logger.warning("Follow-up post for talk %s failed for good: %s", talk_id, exc.error)

    def dm_no_shows(self, talk_id: int) -> int:
        """Once the talk has ended and has a recording: one DM each to those who RSVPed going and did not attend
        (keyed noshow:<talk>:<user>, so a rerun or a later link change sends nobody a second one)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.status is not TalkStatus.ENDED or not safe_url(talk.recording_url):
                return 0
            people = sorted(no_shows(session, talk))
        sent = 0
        retry: list[str] = []
        for user_id in people:
            if not self.talks.can_see(talk, user_id):
                continue  # left the talk's private channel
            lang = self.slack.user(user_id).lang
            try:
                sent += self._dm_no_show(talk, user_id, lang)
            except SlackGatewayError as exc:
                if exc.error not in UNDELIVERABLE:
                    retry.append(exc.error)
        if people:
            logger.info("Talk %s: recording DMed to %d of %d no-shows", talk_id, sent, len(people))
        if retry:
            # The flow step runs again with backoff; the DMs already sent are not repeated (their keys).
            raise Retry(f"no-show DMs: {len(retry)} failed ({retry[0]})")
        return sent

    def _dm_no_show(self, talk: Talk, user_id: str, lang: str) -> bool:
        talk_id = talk.id
        return send_once(
            self.db,
            key=no_show_key(talk_id, user_id),
            talk_id=talk_id,
            kind="noshow_dm",
            recipient=user_id,
            send=partial(
                self.slack.post_message,
                channel=user_id,
                text=no_show_text(lang, talk),
                blocks=no_show_blocks(lang, talk),
                metadata=followup_metadata(talk_id, "noshow"),
            ),
            recover=partial(
                self.slack.find_own_dm,
                user_id=user_id,
                event_type=ids.METADATA_EVENT_TYPE,
                payload_match={"talk_id": talk_id, "kind": "noshow"},
            ),
            raise_errors=True,
        )

    # /lunchlearn archive ----------------------------------------------------------------------------------

    def archive(self, *, actor: Actor, query: str, page: int, response_url: str) -> None:
        """Past talks the user may see, newest first, matching the query (title, speaker by @mention or name)."""
        query = " ".join((query or "").split())[:500]
        with self.db.session() as session:
            stmt = (
                select(Talk)
                .where(Talk.team_id == actor.team_id, Talk.status == TalkStatus.ENDED)
                .order_by(Talk.starts_at.desc(), Talk.id.desc())
                .limit(ARCHIVE_SCAN)
            )
            found: Sequence[Talk] = session.execute(stmt).scalars().all()
        matching = [talk for talk in found if self._matches(talk, query)]
        visible = self.talks.access.visible(matching, actor.user_id)
        start = page * ARCHIVE_PAGE
        shown = visible[start : start + ARCHIVE_PAGE]
        permalinks = {
            talk.id: link
            for talk in shown
            if talk.announcement_channel
            and talk.announcement_ts
            and (link := self.slack.permalink(channel=talk.announcement_channel, ts=talk.announcement_ts))
        }
        blocks = build_archive(
            actor.lang,
            shown,
            query=query,
            page=page,
            has_more=len(visible) > start + ARCHIVE_PAGE,
            permalinks=permalinks,
        )
        self.slack.respond(response_url, text=t(actor.lang, "followup.archive.header"), blocks=blocks)

    def _matches(self, talk: Talk, query: str) -> bool:
        """Every @mention must be a speaker; the remaining words must appear in the title or a speaker's name."""
        wanted = set(_MENTION.findall(query))
        if wanted and not wanted <= set(talk.speaker_ids):
            return False
        words = _MENTION.sub(" ", query).casefold().split()
        if not words:
            return True
        title = talk.title.casefold()
        rest = [word for word in words if word not in title]
        if not rest:
            return True
        # Names only when the title is not enough (users.info, cached by the gateway).
        names = " ".join((self.slack.display_name(s) or "") for s in talk.speaker_ids).casefold()
        return all(word.lstrip("@") in names for word in rest)
