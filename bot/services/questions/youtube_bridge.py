"""YouTube live chat -> questions: while a YouTube talk is live, read its chat with liveChatMessages.list
(honouring pollingIntervalMillis and page tokens) and bring messages that look like questions into the Slack thread
and the speakers' boards, labelled "<name> via YouTube". Never twice (unique YouTube message id), stops at the end.

Budget: liveChatMessages.list costs 5 units, so QUESTION_YOUTUBE_UNITS_PER_HOUR (1,000) allows one call every
18 s at most; the pace is max(pollingIntervalMillis, that floor) and a hard cap stops polling at the talk's budget.
The position (page token, units spent) lives in question_chat_polls, claimed per poll with a conditional UPDATE, so a
restart resumes and two replicas never poll the same chat at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.config import Settings
from bot.db import questions_repo as qrepo
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import StreamKind, TalkStatus, TalkStream
from bot.db.session import Database
from bot.integrations.google_auth import GoogleAccess, GoogleApiError, Problem
from bot.observability.metrics import google_quota_spent
from bot.services.questions.service import QuestionRejected, QuestionService

logger = logging.getLogger(__name__)

LIST_UNITS = 5  # liveChatMessages.list
LOOKUP_UNITS = 1  # liveBroadcasts.list, once per talk for the liveChatId
LEASE = timedelta(seconds=60)  # a poll claimed by a process that died is retried after this
ERROR_BACKOFF = timedelta(seconds=60)
ENDED_REASONS = frozenset({"liveChatEnded", "liveChatDisabled", "liveChatNotFound", "forbidden"})


def is_question(text: str) -> bool:
    """Ends with ? or ？, or starts with Q: / Q： / 質問."""
    stripped = text.strip()
    if not stripped:
        return False
    upper = stripped.upper()
    return stripped.endswith(("?", "？")) or upper.startswith(("Q:", "Q：")) or stripped.startswith("質問")


class ChatSource(Protocol):
    def live_chat_id(self, broadcast_id: str) -> str | None: ...

    def messages(self, live_chat_id: str, page_token: str | None) -> dict[str, Any]: ...


class YouTubeChatSource:
    """liveBroadcasts.list / liveChatMessages.list through the project's Google access (one client per poll)."""

    def __init__(self, access: GoogleAccess) -> None:
        self.service = access.build("youtube", "v3")
        self.run = access.executor()

    def live_chat_id(self, broadcast_id: str) -> str | None:
        response = self.run.run(self.service.liveBroadcasts().list(part="snippet", id=broadcast_id))
        items = response.get("items") or []
        chat = (items[0].get("snippet") or {}).get("liveChatId") if items else None
        return str(chat) if chat else None

    def messages(self, live_chat_id: str, page_token: str | None) -> dict[str, Any]:
        args: dict[str, Any] = {"liveChatId": live_chat_id, "part": "snippet,authorDetails", "maxResults": 2000}
        if page_token:
            args["pageToken"] = page_token
        return dict(self.run.run(self.service.liveChatMessages().list(**args)))


class YouTubeChatBridge:
    def __init__(self, *, settings: Settings, db: Database, questions: QuestionService) -> None:
        self.settings = settings
        self.db = db
        self.questions = questions
        self.access = GoogleAccess(settings)
        self.min_interval = timedelta(seconds=3600 * LIST_UNITS / settings.QUESTION_YOUTUBE_UNITS_PER_HOUR)
        self.autostart = True  # run a paced polling thread per live talk (tests drive poll_once directly)
        self._threads: dict[int, threading.Thread] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def source(self) -> ChatSource:
        return YouTubeChatSource(self.access)

    # Starting and resuming -----------------------------------------------------------------------------------------

    def start(self, talk_id: int, *, now: datetime | None = None) -> bool:
        """Live flow step: record the bridge for a YouTube talk (if Google is configured) and start polling."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.stream_kind is not StreamKind.YOUTUBE or not self.access.configured:
                return False
            qrepo.ensure_chat_poll(session=session, talk_id=talk_id, now=now or utcnow())
        logger.info("YouTube chat bridge started for talk %s", talk_id)
        if self.autostart:
            self._spawn(talk_id)
        return True

    def resume(self) -> None:
        """After a restart: keep polling the chats of talks still live."""
        with self.db.session() as session:
            talk_ids = qrepo.unfinished_chat_polls(session=session)
        for talk_id in talk_ids:
            self._spawn(talk_id)

    def _spawn(self, talk_id: int) -> None:
        with self._lock:
            running = self._threads.get(talk_id)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(target=self._loop, args=(talk_id,), name=f"yt-chat-{talk_id}", daemon=True)
            self._threads[talk_id] = thread
        thread.start()

    def _loop(self, talk_id: int) -> None:
        while not self._stop.is_set():
            try:
                delay = self.poll_once(talk_id)
            except Exception:
                logger.exception("YouTube chat poll for talk %s failed", talk_id)
                delay = ERROR_BACKOFF.total_seconds()
            if delay is None:
                return
            self._stop.wait(delay)

    def stop(self) -> None:
        self._stop.set()

    # One poll -------------------------------------------------------------------------------------------------------

    def budget(self, starts_at: datetime, ends_at: datetime) -> int:
        """Units this talk may spend: QUESTION_YOUTUBE_UNITS_PER_HOUR per hour of talk."""
        hours = max((ends_at - starts_at).total_seconds(), 0) / 3600
        return int(self.settings.QUESTION_YOUTUBE_UNITS_PER_HOUR * hours)

    def poll_once(self, talk_id: int, *, now: datetime | None = None, source: ChatSource | None = None) -> float | None:
        """Poll the chat once if it is due. Returns seconds until the next poll, or None when the bridge is done."""
        now = now or utcnow()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            poll = qrepo.get_chat_poll(session=session, talk_id=talk_id)
            if poll is None or poll.finished:
                return None
            if talk is None or talk.status is not TalkStatus.LIVE:
                poll.finished = True
                logger.info("YouTube chat bridge for talk %s stopped: talk over; %d units spent", talk_id, poll.units)
                return None
            if not qrepo.claim_chat_poll(session=session, talk_id=talk_id, now=now, lease=LEASE):
                return max(1.0, (poll.next_poll_at - now).total_seconds())
            budget = self.budget(talk.starts_at, talk.ends_at)  # the scheduled duration
            chat_id, page_token, spent = poll.live_chat_id, poll.page_token, poll.units
            stream = session.get(TalkStream, talk_id)
            broadcast_id = stream.broadcast_id if stream is not None else None
        if spent + LIST_UNITS + (0 if chat_id else LOOKUP_UNITS) > budget:
            return self._finish(talk_id, f"budget of {budget} units reached ({spent} spent)")
        units = 0
        try:
            chat = source or self.source()
            if chat_id is None:
                if broadcast_id is None:
                    return self._finish(talk_id, "no YouTube broadcast recorded for the talk")
                units += LOOKUP_UNITS
                chat_id = chat.live_chat_id(broadcast_id)
                if chat_id is None:
                    self._record(talk_id, units=units, next_at=now + ERROR_BACKOFF)
                    return ERROR_BACKOFF.total_seconds()
            units += LIST_UNITS
            response = chat.messages(chat_id, page_token)
        except GoogleApiError as exc:
            self._record(talk_id, units=units, chat_id=chat_id, next_at=now + ERROR_BACKOFF)
            if exc.reason in ENDED_REASONS or exc.problem in (Problem.NOT_FOUND, Problem.QUOTA):
                return self._finish(talk_id, f"YouTube said {exc.reason or exc.problem.value}")
            logger.warning("YouTube chat poll for talk %s failed (%s); retrying later", talk_id, exc)
            return ERROR_BACKOFF.total_seconds()
        wait = max(timedelta(milliseconds=int(response.get("pollingIntervalMillis") or 0)), self.min_interval)
        brought = self._bring(talk_id, response.get("items") or [])
        total = self._record(
            talk_id,
            units=units,
            chat_id=chat_id,
            page_token=str(response.get("nextPageToken") or page_token or "") or None,
            next_at=now + wait,
            calls=1,
        )
        logger.info(
            "YouTube chat poll for talk %s: %d messages, %d new questions, %d units (%d of %d this talk)",
            talk_id,
            len(response.get("items") or []),
            brought,
            units,
            total,
            budget,
        )
        return wait.total_seconds()

    def _bring(self, talk_id: int, items: list[dict[str, Any]]) -> int:
        brought = 0
        for item in items:
            snippet = item.get("snippet") or {}
            text = str(
                snippet.get("displayMessage") or (snippet.get("textMessageDetails") or {}).get("messageText") or ""
            )
            message_id = str(item.get("id") or "")
            if not message_id or snippet.get("type", "textMessageEvent") != "textMessageEvent" or not is_question(text):
                continue
            name = str((item.get("authorDetails") or {}).get("displayName") or "YouTube")[:100]
            try:
                question_id, created = self.questions.add_external(
                    talk_id=talk_id, text=text, youtube_message_id=message_id, author_name=name
                )
            except QuestionRejected:
                continue
            if created:
                brought += 1
        return brought

    def _record(
        self,
        talk_id: int,
        *,
        units: int,
        next_at: datetime,
        chat_id: str | None = None,
        page_token: str | None = None,
        calls: int = 0,
    ) -> int:
        google_quota_spent(units, api="youtube")
        with self.db.session() as session:
            poll = qrepo.get_chat_poll(session=session, talk_id=talk_id)
            if poll is None:
                return 0
            poll.units += units
            poll.calls += calls
            poll.next_poll_at = next_at
            if chat_id:
                poll.live_chat_id = chat_id
            if page_token:
                poll.page_token = page_token
            return poll.units

    def _finish(self, talk_id: int, why: str) -> float | None:
        with self.db.session() as session:
            poll = qrepo.get_chat_poll(session=session, talk_id=talk_id)
            if poll is not None:
                poll.finished = True
                logger.info("YouTube chat bridge for talk %s stopped: %s; %d units spent", talk_id, why, poll.units)
        return None
