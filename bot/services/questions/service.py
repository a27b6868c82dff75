"""Live questions: ask (button + modal, /lunchlearn ask, a reply in the live thread, YouTube chat), vote,
moderate, the speakers' boards, and answering after the talk.

Anonymity: an anonymous question's asker id is stored (to tell them privately what happened to their question and
to rate-limit) but is only ever used as the *recipient* of a message to that same person. Every surface renders the
asker through `asker_label`, which returns "Anonymous" for them; nothing here logs a user id next to a question.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk.models.blocks import Block
from sqlalchemy import select

from bot.config import Settings
from bot.db import questions_repo as qrepo
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import Question, QuestionSource, QuestionStatus, Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once, sent_message
from bot.delivery.refresher import Refresher
from bot.domain import Actor, UserFacingError
from bot.i18n import t, tn
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError
from bot.services.agenda.timing import segment_speakers, shown_segment
from bot.services.talks.service import TalkService
from bot.views.agenda import now_blocks
from bot.views.formatting import mention, mrkdwn_escape
from bot.views.questions import (
    MAX_QUESTION,
    QuestionItem,
    build_after_talk,
    build_answer_modal,
    build_ask_modal,
    build_board,
    build_question_post,
    build_talk_picker,
    question_metadata,
    question_post_text,
)

logger = logging.getLogger(__name__)

PICKED_UP_EMOJI = "eyes"  # the reaction on a thread reply taken as a question
VOTE_DEBOUNCE = timedelta(seconds=1)  # a second click within this of a vote is a double-click, not a withdrawal
RATE_WINDOW = timedelta(minutes=1)
RENDER_ATTEMPTS = 3
OPEN_STATUSES = (TalkStatus.SCHEDULED, TalkStatus.LIVE)

PulseProvider = Callable[[Talk, str], list[Block]]


class QuestionRejected(UserFacingError):
    """The question cannot be taken."""


@dataclass(frozen=True)
class Asked:
    question_id: int
    created: bool
    talk_id: int
    title: str
    live: bool  # False: asked in advance, posted at go-live


def asker_label(question: Question, lang: str) -> str:
    """The only way a surface shows who asked."""
    if question.source is QuestionSource.YOUTUBE:
        return t(lang, "questions.via_youtube", name=mrkdwn_escape(question.author_name or "YouTube"))
    if question.anonymous or not question.asker_id:
        return t(lang, "questions.anonymous")
    return mention(question.asker_id)


def thread_of(talk: Talk) -> tuple[str, str] | None:
    """(channel, thread ts) of the live post's thread. The live post is itself a reply in the announcement's
    thread, so its thread is the announcement's."""
    if not talk.live_channel or not talk.live_ts:
        return None
    if talk.announcement_ts and talk.announcement_channel == talk.live_channel:
        return talk.live_channel, talk.announcement_ts
    return talk.live_channel, talk.live_ts


class QuestionService:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        slack: SlackGateway,
        refresher: Refresher,
        talks: TalkService,
        pulse: PulseProvider | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.refresher = refresher
        self.talks = talks
        self.pulse = pulse
        self.rate_limit = settings.QUESTION_RATE_LIMIT
        # Serialises the rate-limit check and insert per asker in this process (replicas: the DB count decides).
        self._ask_lock = threading.Lock()

    def _item(self, question: Question, votes: int, lang: str) -> QuestionItem:
        return QuestionItem(
            id=question.id,
            text=question.text,
            asker=asker_label(question, lang),
            votes=votes,
            status=question.status.value,
            answer=question.answer_text,
        )

    # Asking -------------------------------------------------------------------------------------------------------

    def open_ask_modal(self, *, actor: Actor, talk_id: int, trigger_id: str, channel_id: str | None) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is not None and not self.talks.can_see(talk, actor.user_id):
            talk = None  # a private talk this person may not see: as if it did not exist
        if talk is None or talk.status not in OPEN_STATUSES:
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=self._closed(actor.lang, talk))
            return
        view = build_ask_modal(
            actor.lang,
            title=talk.title,
            advance=talk.status is TalkStatus.SCHEDULED,
            private_metadata=f"{talk_id}|{channel_id or ''}",
            retention_days=self.settings.QUESTION_ANONYMOUS_RETENTION_DAYS,
            speakers=[(s.speaker_id, s.title) for s in talk.segments],
            current=question_target(talk, None, utcnow()),
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def _not_allowed(self, talk: Talk, actor: Actor) -> str:
        if not self.talks.can_see(talk, actor.user_id):
            return t(actor.lang, "questions.error.missing")  # never the title of a talk they may not see
        return t(actor.lang, "questions.moderate.not_allowed", title=mrkdwn_escape(talk.title))

    def _closed(self, lang: str, talk: Talk | None) -> str:
        if talk is None:
            return t(lang, "notice.talk_missing")
        return t(
            lang,
            "questions.error.closed",
            title=mrkdwn_escape(talk.title),
            status=t(lang, f"status.{talk.status.value}"),
        )

    def check_text(self, text: str, lang: str) -> str:
        cleaned = (text or "").strip()
        if not cleaned:
            raise QuestionRejected(t(lang, "questions.error.empty"))
        if len(cleaned) > MAX_QUESTION:
            raise QuestionRejected(t(lang, "questions.error.too_long", max=MAX_QUESTION, length=len(cleaned)))
        return cleaned

    def ask(
        self,
        *,
        actor: Actor,
        talk_id: int,
        text: str,
        anonymous: bool,
        source: QuestionSource,
        source_key: str,
        now: datetime | None = None,
        speaker_id: str | None = None,
    ) -> Asked:
        """Validate and store a question (before the modal closes, so errors show inline). Raises QuestionRejected."""
        cleaned = self.check_text(text, actor.lang)
        now = now or utcnow()
        with self.db.session() as session:
            seen = repo.get_talk(session=session, talk_id=talk_id)
        if seen is not None and not self.talks.can_see(seen, actor.user_id):
            # A private talk this person may not see: as if it did not exist (checked outside the lock: Slack call).
            raise QuestionRejected(self._closed(actor.lang, None))
        with self._ask_lock, self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.status not in OPEN_STATUSES:
                raise QuestionRejected(self._closed(actor.lang, talk))
            recent = qrepo.asked_since(session=session, asker_id=actor.user_id, since=now - RATE_WINDOW)
            if len(recent) >= self.rate_limit:
                wait = math.ceil((recent[-self.rate_limit] + RATE_WINDOW - now).total_seconds())
                raise QuestionRejected(
                    t(actor.lang, "questions.error.rate_limited", limit=self.rate_limit, seconds=max(1, wait))
                )
            question_id, created = qrepo.insert_question(
                session=session,
                talk_id=talk_id,
                text=cleaned,
                asker_id=actor.user_id,
                anonymous=anonymous,
                source=source,
                source_key=source_key,
                speaker_id=question_target(talk, speaker_id, now),
            )
            asked = Asked(question_id, created, talk_id, talk.title, talk.status is TalkStatus.LIVE)
        if created:
            logger.info("Question %s for talk %s received via %s", question_id, talk_id, source.value)
        return asked

    def publish(self, asked: Asked, *, actor: Actor, channel_id: str | None, confirm: bool = True) -> None:
        """After a question is stored: post it in the live thread, refresh the boards, confirm to the asker."""
        link = ""
        if asked.live:
            posted = self.post_question(asked.question_id)
            if posted is not None:
                link = self.slack.permalink(channel=posted[0], ts=posted[1]) or ""
        self.refresh_boards(asked.talk_id)
        if not confirm or not asked.created:
            return
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=asked.question_id)
            anonymous = bool(question and question.anonymous)
        if not asked.live:
            text = t(actor.lang, "questions.confirm_advance", title=mrkdwn_escape(asked.title))
        else:
            key = "questions.confirm_anonymous" if anonymous else "questions.confirm"
            text = t(actor.lang, key, title=mrkdwn_escape(asked.title), link=mrkdwn_escape(link)).strip()
        self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=text)

    # /lunchlearn ask ----------------------------------------------------------------------------------------------

    def ask_from_command(self, *, actor: Actor, channel_id: str, text: str, trigger_id: str, response_url: str) -> None:
        anonymous, text = parse_anonymous_prefix(text)
        try:
            cleaned = self.check_text(text, actor.lang)
        except QuestionRejected as exc:
            self.slack.respond(response_url, text=exc.message)
            return
        with self.db.session() as session:
            live = [(talk.id, talk.title) for talk in qrepo.live_talks_in_channel(session=session, channel=channel_id)]
        if not live:
            self.slack.respond(response_url, text=t(actor.lang, "questions.error.no_live_talk"))
            return
        if len(live) > 1:
            token = secrets.token_hex(8)
            with self.db.session() as session:
                qrepo.save_draft(session=session, token=token, user_id=actor.user_id, text=cleaned, anonymous=anonymous)
            blocks = build_talk_picker(actor.lang, token=token, talks=live)
            self.slack.respond(response_url, text=t(actor.lang, "questions.pick.text"), blocks=blocks)
            return
        self._ask_and_publish(
            actor=actor,
            talk_id=live[0][0],
            text=cleaned,
            anonymous=anonymous,
            source=QuestionSource.COMMAND,
            source_key=f"command:{trigger_id}",
            channel_id=channel_id,
            response_url=response_url,
        )

    def pick_talk(self, *, actor: Actor, value: str, channel_id: str | None, response_url: str | None) -> None:
        talk_part, _, token = value.partition(":")
        with self.db.session() as session:
            draft = qrepo.take_draft(session=session, token=token, user_id=actor.user_id)
            data = (draft.text, draft.anonymous) if draft is not None else None
        if data is None or not talk_part.isdigit():
            self.talks.tell_ephemeral(
                channel_id=channel_id, user_id=actor.user_id, text=t(actor.lang, "questions.error.draft_expired")
            )
            return
        self._ask_and_publish(
            actor=actor,
            talk_id=int(talk_part),
            text=data[0],
            anonymous=data[1],
            source=QuestionSource.COMMAND,
            source_key=f"command-draft:{token}",
            channel_id=channel_id,
            response_url=response_url,
        )

    def _ask_and_publish(
        self,
        *,
        actor: Actor,
        talk_id: int,
        text: str,
        anonymous: bool,
        source: QuestionSource,
        source_key: str,
        channel_id: str | None,
        response_url: str | None,
    ) -> None:
        try:
            asked = self.ask(
                actor=actor, talk_id=talk_id, text=text, anonymous=anonymous, source=source, source_key=source_key
            )
        except QuestionRejected as exc:
            if response_url:
                try:
                    self.slack.respond(response_url, text=exc.message)
                    return
                except SlackGatewayError:
                    pass
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=exc.message)
            return
        self.publish(asked, actor=actor, channel_id=channel_id)

    # Replies in the live thread -----------------------------------------------------------------------------------

    def on_message(self, event: dict[str, Any], *, bot_user_id: str | None) -> None:
        """A `message` event: an attendee's reply in a live post's thread becomes a question."""
        subtype = event.get("subtype")
        if subtype not in (None, "thread_broadcast"):
            return  # edits, deletions, joins, bot messages...
        user = event.get("user")
        thread_ts, ts, channel = event.get("thread_ts"), event.get("ts"), event.get("channel")
        if event.get("bot_id") or not user or user == bot_user_id or not thread_ts or not ts or not channel:
            return
        if thread_ts == ts:
            return  # a thread's parent, not a reply
        with self.db.session() as session:
            found = repo.find_talk_by_message(session=session, channel=channel, ts=thread_ts)
        if found is None:
            return
        talk = found[0]
        if talk.status is not TalkStatus.LIVE or thread_of(talk) != (channel, thread_ts):
            return
        if user in talk.speaker_ids:
            return  # speakers answer in the thread; those are not questions
        actor = self.talks.actor(user, event.get("team") or talk.team_id)
        try:
            asked = self.ask(
                actor=actor,
                talk_id=talk.id,
                text=str(event.get("text") or ""),
                anonymous=False,
                source=QuestionSource.THREAD,
                source_key=f"thread:{channel}:{ts}",
            )
        except QuestionRejected as exc:
            self.talks.tell_ephemeral(channel_id=channel, user_id=user, text=exc.message)
            return
        try:
            self.slack.add_reaction(channel=channel, ts=ts, name=PICKED_UP_EMOJI)
        except SlackGatewayError as exc:
            logger.warning("Marking question %s as picked up failed: %s", asked.question_id, exc.error)
        self.publish(asked, actor=actor, channel_id=channel, confirm=False)

    # YouTube chat ---------------------------------------------------------------------------------------------------

    def add_external(self, *, talk_id: int, text: str, youtube_message_id: str, author_name: str) -> tuple[int, bool]:
        """A question from the YouTube chat: stored once per YouTube message id, posted, boards refreshed."""
        cleaned = text.strip()[:MAX_QUESTION]
        if not cleaned:
            raise QuestionRejected("empty")
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.status is not TalkStatus.LIVE:
                raise QuestionRejected("closed")
            question_id, created = qrepo.insert_question(
                session=session,
                talk_id=talk_id,
                text=cleaned,
                asker_id=None,
                anonymous=False,
                source=QuestionSource.YOUTUBE,
                source_key=None,
                youtube_message_id=youtube_message_id,
                author_name=author_name,
            )
        if created:
            self.post_question(question_id)
            self.refresh_boards(talk_id)
        return question_id, created

    # Posting in the thread ----------------------------------------------------------------------------------------

    def post_question(self, question_id: int) -> tuple[str, str] | None:
        """Post a question in the live thread once (exactly once across retries); its (channel, ts)."""
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=question_id)
            talk = repo.get_talk(session=session, talk_id=question.talk_id) if question else None
            votes = qrepo.vote_count(session=session, question_id=question_id)
        if question is None or talk is None:
            return None
        if question.thread_channel and question.thread_ts:
            return question.thread_channel, question.thread_ts
        where = thread_of(talk)
        if where is None or question.status is QuestionStatus.HIDDEN:
            return None
        channel, thread_ts = where
        item = self._item(question, votes, talk.language)
        key = f"question_post:{question_id}"
        send_once(
            self.db,
            key=key,
            talk_id=talk.id,
            kind="question_post",
            recipient=channel,
            send=partial(
                self.slack.post_message,
                channel=channel,
                thread_ts=thread_ts,
                text=question_post_text(talk.language, item),
                blocks=build_question_post(talk.language, item),
                metadata=question_metadata(talk.id, question_id),
            ),
            recover=partial(
                self.slack.find_thread_post,
                channel=channel,
                thread_ts=thread_ts,
                match={"talk_id": talk.id, "question_id": question_id},
            ),
            crash="question.after_post",
        )
        posted = sent_message(self.db, key)
        if posted is None:
            return None
        with self.db.session() as session:
            stored = qrepo.get_question(session=session, question_id=question_id, lock=True)
            if stored is not None and not stored.thread_ts:
                stored.thread_channel, stored.thread_ts = posted
        return posted

    def refresh_question(self, question_id: int, *, now: bool = False) -> None:
        self.refresher.refresh(("question", question_id), partial(self._render_question, question_id), now=now)

    def _render_question(self, question_id: int) -> None:
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=question_id)
            talk = repo.get_talk(session=session, talk_id=question.talk_id) if question else None
            votes = qrepo.vote_count(session=session, question_id=question_id)
        if question is None or talk is None or not question.thread_channel or not question.thread_ts:
            return
        item = self._item(question, votes, talk.language)
        self.slack.update_message(
            channel=question.thread_channel,
            ts=question.thread_ts,
            text=question_post_text(talk.language, item),
            blocks=build_question_post(talk.language, item),
            metadata=question_metadata(talk.id, question_id),
        )

    # Votes ----------------------------------------------------------------------------------------------------------

    def vote(self, *, actor: Actor, question_id: int, channel_id: str | None) -> bool | None:
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=question_id)
            talk = repo.get_talk(session=session, talk_id=question.talk_id) if question else None
            if question is None or talk is None or not self.talks.can_see(talk, actor.user_id):
                message: str | None = t(actor.lang, "questions.error.missing")
            elif question.status is QuestionStatus.HIDDEN:
                message = t(actor.lang, "questions.vote.removed")
            elif question.asker_id is not None and question.asker_id == actor.user_id:
                message = t(actor.lang, "questions.vote.own")
            else:
                message = None
                talk_id = question.talk_id
                result = qrepo.toggle_vote(
                    session=session, question_id=question_id, user_id=actor.user_id, debounce=VOTE_DEBOUNCE
                )
        if message is not None:
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=message)
            return None
        if result is not None:
            self.refresh_question(question_id)
            self.refresh_boards(talk_id)
        return result

    # Boards ---------------------------------------------------------------------------------------------------------

    def board_recipients(self, talk: Talk) -> list[str]:
        return list(dict.fromkeys([*talk.speaker_ids, talk.organiser_id]))

    def open_boards(self, talk_id: int) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return
        for user_id in self.board_recipients(talk):
            key = f"question_board:{talk_id}:{user_id}"
            lang = self.slack.user(user_id).lang
            send_once(
                self.db,
                key=key,
                talk_id=talk_id,
                kind="question_board",
                recipient=user_id,
                send=partial(
                    self.slack.post_message,
                    channel=user_id,
                    text=t(lang, "questions.board.fallback", title=mrkdwn_escape(talk.title)),
                    blocks=self._board_blocks(talk, lang, user_id),
                ),
            )
            posted = sent_message(self.db, key)
            if posted is not None:
                with self.db.session() as session:
                    qrepo.save_board(session=session, talk_id=talk_id, user_id=user_id, channel=posted[0], ts=posted[1])

    def refresh_boards(self, talk_id: int) -> None:
        """Coalesced: at most one chat.update per board per MESSAGE_UPDATE_INTERVAL, whatever the burst."""
        with self.db.session() as session:
            boards = [(b.user_id, b.channel, b.ts) for b in qrepo.boards(session=session, talk_id=talk_id)]
        for user_id, channel, ts in boards:
            self.refresher.refresh(
                ("question_board", talk_id, user_id), partial(self._render_board, talk_id, user_id, channel, ts)
            )

    def _board_blocks(self, talk: Talk, lang: str, user_id: str | None = None) -> list[Block]:
        with self.db.session() as session:
            ranked = qrepo.ranked_questions(session=session, talk_id=talk.id)
        if user_id is not None and user_id in segment_speakers(talk):
            # With an agenda each speaker's board holds the questions for them (and those for nobody in particular).
            ranked = [(q, n) for q, n in ranked if q.speaker_id in (None, user_id)]
        items = [self._item(q, n, lang) for q, n in ranked if q.status is not QuestionStatus.HIDDEN]
        hidden = sum(1 for q, _ in ranked if q.status is QuestionStatus.HIDDEN)
        pulse: list[Block] = []
        if self.pulse is not None and talk.status is TalkStatus.LIVE:
            try:
                pulse = self.pulse(talk, lang)
            except Exception:
                logger.exception("The reactions pulse for talk %s failed; board shown without it", talk.id)
        if talk.status is TalkStatus.LIVE:
            pulse = now_blocks(talk, lang=lang, next_button=True) + pulse
        return build_board(lang, title=talk.title, items=items, hidden=hidden, pulse=pulse)

    def _render_board(self, talk_id: int, user_id: str, channel: str, ts: str, attempt: int = 1) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return
        lang = self.slack.user(user_id).lang
        try:
            self.slack.update_message(
                channel=channel,
                ts=ts,
                text=t(lang, "questions.board.fallback", title=mrkdwn_escape(talk.title)),
                blocks=self._board_blocks(talk, lang, user_id),
            )
        except SlackGatewayError as exc:
            # The last render of a burst must not be lost to a transient failure: try again (next interval).
            if attempt < RENDER_ATTEMPTS and exc.error not in ("message_not_found", "channel_not_found"):
                self.refresher.refresh(
                    ("question_board", talk_id, user_id),
                    partial(self._render_board, talk_id, user_id, channel, ts, attempt + 1),
                )
            raise

    # Moderation -----------------------------------------------------------------------------------------------------

    def moderate(self, *, actor: Actor, question_id: int, action: str, channel_id: str | None) -> None:
        """action: "answered" or "hide"; organiser, speakers (and workspace admins) only."""
        notify: tuple[str | None, str, str, str, int] | None = None
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=question_id, lock=True)
            talk = repo.get_talk(session=session, talk_id=question.talk_id) if question else None
            if question is None or talk is None:
                message = t(actor.lang, "questions.error.missing")
            elif not self.talks.can_manage(talk, actor):
                message = self._not_allowed(talk, actor)
            elif question.status is QuestionStatus.HIDDEN or (
                action == "answered" and question.status is QuestionStatus.ANSWERED
            ):
                status = t(actor.lang, f"questions.status.{question.status.value}")
                message = t(actor.lang, "questions.moderate.already", status=status)
            else:
                question.moderated_by = actor.user_id
                if action == "hide":
                    question.status = QuestionStatus.HIDDEN
                    message = t(actor.lang, "questions.moderate.hidden")
                else:
                    question.status = QuestionStatus.ANSWERED
                    question.answered_at = utcnow()
                    message = t(actor.lang, "questions.moderate.answered")
                notify = (question.asker_id, question.text, talk.title, talk.organiser_id, talk.id)
                logger.info("Question %s of talk %s marked %s by a moderator", question_id, talk.id, action)
        if notify is not None:
            # Moderation shows at once (no coalescing delay): a removed question must disappear now.
            try:
                self.refresh_question(question_id, now=True)
            except SlackGatewayError as exc:
                logger.warning("Updating question %s after moderation failed: %s", question_id, exc.error)
            asker, text, title, organiser, talk_id = notify
            if action == "hide" and asker:
                self._tell_hidden(question_id, asker, text=text, title=title, organiser=organiser, talk_id=talk_id)
            self.refresh_boards(talk_id)
        self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=message)

    def _tell_hidden(
        self, question_id: int, asker: str, *, text: str, title: str, organiser: str, talk_id: int
    ) -> None:
        lang = self.slack.user(asker).lang
        send_once(
            self.db,
            key=f"question_hidden_dm:{question_id}",
            talk_id=talk_id,
            kind="question_hidden_dm",
            recipient="asker",  # never the id: the outbox is readable by operators and exports
            send=partial(
                self.slack.post_message,
                channel=asker,
                text=t(
                    lang,
                    "questions.hidden_dm",
                    title=mrkdwn_escape(title),
                    text=mrkdwn_escape(text[:200]),
                    organiser=organiser,
                ),
            ),
        )

    # Talk flow steps (bot/flows/talk.py) ----------------------------------------------------------------------------

    def resume_posts(self) -> int:
        """Questions of live (or just ended) talks stored but never posted (a crash between storing and posting,
        or Slack failing): post them now. Each post is keyed, so one already in the thread is found, not repeated."""
        recent = utcnow() - timedelta(days=1)
        with self.db.session() as session:
            live = list(
                session.execute(
                    select(Talk.id).where(
                        Talk.live_ts.is_not(None),
                        (Talk.status == TalkStatus.LIVE)
                        | ((Talk.status == TalkStatus.ENDED) & (Talk.ended_at > recent)),
                    )
                ).scalars()
            )
        posted = 0
        for talk_id in live:
            with self.db.session() as session:
                pending = [q.id for q in qrepo.unposted_questions(session=session, talk_id=talk_id)]
            posted += sum(1 for question_id in pending if self.post_question(question_id) is not None)
        return posted

    def post_advance_questions(self, talk_id: int) -> None:
        """Live flow: the questions asked in advance go into the thread (each exactly once)."""
        with self.db.session() as session:
            pending = [q.id for q in qrepo.unposted_questions(session=session, talk_id=talk_id)]
        for question_id in pending:
            self.post_question(question_id)

    def on_talk_ended(self, talk_id: int) -> None:
        """Final board state; each speaker gets the unanswered questions with an Answer button."""
        self.post_advance_questions(talk_id)  # any question stored but not yet in the thread goes there first
        self.refresh_boards(talk_id)
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            ranked = qrepo.ranked_questions(session=session, talk_id=talk_id)
        if talk is None:
            return
        unanswered = [(q, n) for q, n in ranked if q.status is QuestionStatus.OPEN]
        if not unanswered:
            return
        for speaker in talk.speaker_ids:
            lang = self.slack.user(speaker).lang
            items = [self._item(q, n, lang) for q, n in unanswered]
            send_once(
                self.db,
                key=f"question_unanswered:{talk_id}:{speaker}",
                talk_id=talk_id,
                kind="question_unanswered",
                recipient=speaker,
                send=partial(
                    self.slack.post_message,
                    channel=speaker,
                    text=tn(lang, "questions.after.fallback", len(items), title=mrkdwn_escape(talk.title)),
                    blocks=build_after_talk(lang, title=talk.title, items=items),
                ),
            )
        logger.info("Talk %s ended with %d unanswered questions", talk_id, len(unanswered))

    # Answering after the talk ---------------------------------------------------------------------------------------

    def open_answer_modal(self, *, actor: Actor, question_id: int, trigger_id: str, channel_id: str | None) -> None:
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=question_id)
            talk = repo.get_talk(session=session, talk_id=question.talk_id) if question else None
        if question is None or talk is None:
            self.talks.tell_ephemeral(
                channel_id=channel_id, user_id=actor.user_id, text=t(actor.lang, "questions.error.missing")
            )
            return
        if not self.talks.can_manage(talk, actor):
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=self._not_allowed(talk, actor))
            return
        if question.status is not QuestionStatus.OPEN:
            self.talks.tell_ephemeral(
                channel_id=channel_id, user_id=actor.user_id, text=t(actor.lang, "questions.answer.already")
            )
            return
        self.slack.open_view(
            trigger_id=trigger_id, view=build_answer_modal(actor.lang, question_id=question_id, text=question.text)
        )

    def check_answer(self, *, actor: Actor, question_id: int) -> str | None:
        """Why this person cannot answer this question now (shown inline in the modal), or None."""
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=question_id)
            talk = repo.get_talk(session=session, talk_id=question.talk_id) if question else None
        if question is None or talk is None:
            return t(actor.lang, "questions.error.missing")
        if not self.talks.can_manage(talk, actor):
            return self._not_allowed(talk, actor)
        if question.status is not QuestionStatus.OPEN:
            return t(actor.lang, "questions.answer.already")
        return None

    def answer(self, *, actor: Actor, question_id: int, text: str) -> None:
        """Post the answer in the talk's thread, mark the question answered, tell the asker (anonymous too)."""
        answer_text = text.strip()[:3000]
        with self.db.session() as session:
            question = qrepo.get_question(session=session, question_id=question_id, lock=True)
            talk = repo.get_talk(session=session, talk_id=question.talk_id) if question else None
            if question is None or talk is None or question.status is not QuestionStatus.OPEN:
                return
            question.status = QuestionStatus.ANSWERED
            question.answer_text = answer_text
            question.answered_at = utcnow()
            question.moderated_by = actor.user_id
            asker, q_text = question.asker_id, question.text
        where = thread_of(talk)
        link = ""
        if where is not None:
            key = f"question_answer:{question_id}"
            send_once(
                self.db,
                key=key,
                talk_id=talk.id,
                kind="question_answer",
                recipient=where[0],
                send=partial(
                    self.slack.post_message,
                    channel=where[0],
                    thread_ts=where[1],
                    text=t(
                        talk.language,
                        "questions.answer.post",
                        speaker=actor.user_id,
                        question=mrkdwn_escape(q_text[:300]),
                        answer=mrkdwn_escape(answer_text),
                    ),
                ),
            )
            posted = sent_message(self.db, key)
            if posted is not None:
                link = self.slack.permalink(channel=posted[0], ts=posted[1]) or ""
        try:
            self.refresh_question(question_id, now=True)
        except SlackGatewayError as exc:
            logger.warning("Updating answered question %s failed: %s", question_id, exc.error)
        if asker:
            lang = self.slack.user(asker).lang
            send_once(
                self.db,
                key=f"question_answer_dm:{question_id}",
                talk_id=talk.id,
                kind="question_answer_dm",
                recipient="asker",
                send=partial(
                    self.slack.post_message,
                    channel=asker,
                    text=t(
                        lang,
                        "questions.answer.dm",
                        speaker=actor.user_id,
                        title=mrkdwn_escape(talk.title),
                        question=mrkdwn_escape(q_text[:300]),
                        link=mrkdwn_escape(link),
                    ),
                ),
            )
        self.talks.tell_ephemeral(
            channel_id=None,
            user_id=actor.user_id,
            text=t(actor.lang, "questions.answer.posted", link=mrkdwn_escape(link)),
        )
        logger.info("Question %s of talk %s answered after the talk", question_id, talk.id)

    # Export and retention -------------------------------------------------------------------------------------------

    def export(self, talk_id: int, *, lang: str = "en") -> list[dict[str, object]]:
        """The talk's questions for reports and exports: the asker rendered as on every surface (never an
        anonymous asker's id)."""
        with self.db.session() as session:
            ranked = qrepo.ranked_questions(session=session, talk_id=talk_id)
        return [
            {
                "id": q.id,
                "text": q.text,
                "asker": asker_label(q, lang),
                "source": q.source.value,
                "status": q.status.value,
                "votes": n,
                "asked_at": q.created_at.isoformat(),
                "answer": q.answer_text,
            }
            for q, n in ranked
        ]

    def erase_anonymous_askers(self, *, now: datetime | None = None) -> int:
        """Retention job: forget anonymous askers of talks ended QUESTION_ANONYMOUS_RETENTION_DAYS ago."""
        cutoff = (now or utcnow()) - timedelta(days=self.settings.QUESTION_ANONYMOUS_RETENTION_DAYS)
        with self.db.session() as session:
            erased = qrepo.erase_anonymous_askers(session=session, ended_before=cutoff)
        if erased:
            logger.info("Erased the askers of %d anonymous questions (retention)", erased)
        return erased


def question_target(talk: Talk, chosen: str | None, now: datetime) -> str | None:
    """Who a question is for in a talk with an agenda: the speaker the asker chose (one of the agenda's), else the
    speaker on now while live. None (every board) without an agenda, or asked in advance without a choice."""
    speakers = segment_speakers(talk)
    if not speakers:
        return None
    if chosen in speakers:
        return chosen
    if talk.status is TalkStatus.LIVE:
        segment = shown_segment(talk)
        return segment.speaker_id if segment else None
    return None


def parse_anonymous_prefix(text: str) -> tuple[bool, str]:
    """`/lunchlearn ask anon <question>` (or anonymous / 匿名) asks anonymously."""
    word, _, rest = (text or "").strip().partition(" ")
    if word.lower() in ("anon", "anonymous", "匿名", "-a", "--anon"):
        return True, rest.strip()
    return False, (text or "").strip()
