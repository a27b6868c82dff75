"""The survey DM fan-out: a worker that drains the survey_messages outbox at a paced, adaptive rate.

Per row: claim (a short transaction: pending/failed whose time has come -> sending), wait for the pacer,
one chat.postMessage to the user id (no conversations.open), record the outcome (another short transaction).
- 429: the row goes back to pending at now + Retry-After, the pacer halves its rate and pauses (AIMD).
- 5xx / network: failed, retried with exponential backoff up to SURVEY_MAX_ATTEMPTS.
- user_not_found, account_inactive, cannot_dm_bot, is_bot...: undeliverable, never retried.
- A row left in `sending` by a dead worker (claim older than SURVEY_CLAIM_TIMEOUT) is re-claimed; the DM
  history is searched for our message metadata first, so a DM posted just before the crash is not sent twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.crash import crash_point
from bot.db import repositories as repo
from bot.db import surveys_repo as srepo
from bot.db.base import utcnow
from bot.db.models import SurveyMessage, SurveyMessageStatus, Talk
from bot.db.session import Database
from bot.integrations.slack_gateway import DmOutcome, SlackGateway, SlackGatewayError
from bot.views.survey import build_survey_dm, survey_dm_text, survey_metadata

logger = logging.getLogger(__name__)

# Slack errors meaning this person can never get the DM: record, don't retry.
UNDELIVERABLE = frozenset(
    {"user_not_found", "account_inactive", "cannot_dm_bot", "is_bot", "user_disabled", "channel_not_found"}
)
# Errors that will not go away by retrying the same request.
PERMANENT = frozenset({"invalid_blocks", "invalid_arguments", "msg_too_long", "no_text", "invalid_metadata_format"})

MIN_RATE_PER_MINUTE = 6.0
ADDITIVE_STEP_PER_MINUTE = 4.0  # per successful send
DECREASE_FACTOR = 0.7  # on a 429


class Pacer:
    """AIMD pacing: sends are spaced 60/rate seconds apart; each success adds a little to the rate (up to the
    ceiling), a 429 multiplies it by DECREASE_FACTOR and pauses everything for Retry-After."""

    def __init__(
        self,
        *,
        start_per_minute: float,
        max_per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max = max_per_minute
        self.rate = min(start_per_minute, max_per_minute)
        self._clock = clock
        self._sleep = sleep
        self._next = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            at = max(now, self._next)
            self._next = at + 60.0 / self.rate
        if at > now:
            self._sleep(at - now)

    def success(self) -> None:
        with self._lock:
            self.rate = min(self.max, self.rate + ADDITIVE_STEP_PER_MINUTE)

    def rate_limited(self, retry_after: float) -> None:
        with self._lock:
            self.rate = max(MIN_RATE_PER_MINUTE, self.rate * DECREASE_FACTOR)
            self._next = max(self._next, self._clock() + retry_after)


@dataclass
class FanoutStats:
    sent: int = 0
    recovered: int = 0  # found already posted after a crash, not sent again
    rate_limited: int = 0
    retried: int = 0
    undeliverable: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class FanoutWorker:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        slack: SlackGateway,
        worker_id: str,
        pacer: Pacer | None = None,
        render: Callable[[Talk, SurveyMessage, str], tuple[str, list]] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.worker_id = worker_id
        self.pacer = pacer or Pacer(
            start_per_minute=settings.SURVEY_DM_START_PER_MINUTE, max_per_minute=settings.SURVEY_DM_MAX_PER_MINUTE
        )
        self._talks: dict[int, tuple[Talk, datetime | None]] = {}
        self.stats = FanoutStats()

    def run(
        self,
        *,
        stop: threading.Event | None = None,
        idle_exit: bool = True,
        max_seconds: float | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> FanoutStats:
        """Send until nothing is left (idle_exit) or `stop` is set. Waits for backoffs and stale claims."""
        stop = stop or threading.Event()
        deadline = time.monotonic() + max_seconds if max_seconds is not None else None
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            claimed = self._claim(now())
            if claimed is None:
                with self.db.session() as session:
                    wake = srepo.next_wake(session=session, stale_after=self.settings.SURVEY_CLAIM_TIMEOUT)
                if wake is None:
                    if idle_exit:
                        break
                    stop.wait(1.0)
                    continue
                stop.wait(min(max((wake - now()).total_seconds(), 0.01), 1.0))
                continue
            self._process(claimed, now)
        return self.stats

    # One row -----------------------------------------------------------------------

    def _claim(self, at: datetime) -> srepo.Claimed | None:
        stale_before = at - timedelta(seconds=self.settings.SURVEY_CLAIM_TIMEOUT)
        with self.db.session() as session:
            return srepo.claim_next(session=session, worker=self.worker_id, now=at, stale_before=stale_before)

    def _talk(self, talk_id: int) -> tuple[Talk | None, datetime | None]:
        cached = self._talks.get(talk_id)
        if cached is not None:
            return cached
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            config = srepo.get_config(session=session, talk_id=talk_id)
        if talk is None:
            return None, None
        self._talks[talk_id] = (talk, config.closes_at if config else None)
        return talk, (config.closes_at if config else None)

    def _process(self, claimed: srepo.Claimed, now: Callable[[], datetime]) -> None:
        talk, closes_at = self._talk(claimed.talk_id)
        if talk is None or (closes_at is not None and now() >= closes_at):
            # Talk deleted or survey closed: a late survey DM would only meet "closed". Record, don't send.
            self._finish(claimed, status=SurveyMessageStatus.UNDELIVERABLE, error="survey_closed")
            return
        if claimed.recovering and self._recover(claimed):
            return
        lang = self.slack.user(claimed.user_id).lang
        reminder = claimed.kind == srepo.REMINDER
        blocks = build_survey_dm(lang, talk, closes_at=closes_at, reminder=reminder)
        self.pacer.wait()
        outcome = self.slack.post_dm_attempt(
            user_id=claimed.user_id,
            text=survey_dm_text(lang, talk, reminder=reminder),
            blocks=blocks,
            metadata=survey_metadata(talk.id, claimed.kind),
        )
        if outcome.ts:
            crash_point("survey.after_dm")
        self._record(claimed, outcome, lang, now())

    def _recover(self, claimed: srepo.Claimed) -> bool:
        """A dead worker claimed this row: did its DM go out? (Looked up, not guessed: no duplicate, no gap.)"""
        try:
            channel = self.slack.dm_channel(claimed.user_id)
            ts = self.slack.find_own_message(
                channel=channel,
                event_type=survey_metadata(claimed.talk_id, claimed.kind).event_type,
                payload_match={"talk_id": claimed.talk_id, "kind": claimed.kind},
                # The newest 200 messages of the app's DM with this person: the survey DM, if it went out, is
                # among them (the app posts little else there); no time filter, clocks may disagree.
                oldest="0",
            )
        except SlackGatewayError as exc:
            logger.warning("Survey DM recovery lookup failed (%s); sending", exc.error)
            return False
        if ts is None:
            return False
        logger.info("Survey %s DM for talk %s was already posted; recorded it", claimed.kind, claimed.talk_id)
        self._finish(claimed, status=SurveyMessageStatus.SENT, channel=channel, ts=ts)
        self.stats.recovered += 1
        return True

    def _record(self, claimed: srepo.Claimed, outcome: DmOutcome, lang: str, at: datetime) -> None:
        if outcome.ok:
            self.pacer.success()
            self.stats.sent += 1
            self._finish(claimed, status=SurveyMessageStatus.SENT, channel=outcome.channel, ts=outcome.ts, lang=lang)
            return
        error = outcome.error or "unknown_error"
        if outcome.status == 429 or error == "ratelimited":
            wait = outcome.retry_after if outcome.retry_after is not None else 1.0
            self.pacer.rate_limited(wait)
            self.stats.rate_limited += 1
            # Not the row's fault: no attempt used up.
            self._finish(
                claimed,
                status=SurveyMessageStatus.PENDING,
                error=error,
                next_attempt_at=at + timedelta(seconds=wait),
                attempts=claimed.attempts - 1,
            )
            return
        if error in UNDELIVERABLE:
            self.stats.undeliverable += 1
            logger.info("Survey DM to a user is undeliverable: %s", error)
            self._finish(claimed, status=SurveyMessageStatus.UNDELIVERABLE, error=error)
            return
        if error in PERMANENT or claimed.attempts >= self.settings.SURVEY_MAX_ATTEMPTS:
            self.stats.failed += 1
            self.stats.errors.append(error)
            logger.error("Survey DM failed for good after %d attempts: %s", claimed.attempts, error)
            self._finish(claimed, status=SurveyMessageStatus.FAILED, error=error, next_attempt_at=None)
            return
        backoff = self.settings.SURVEY_RETRY_BASE_SECONDS * 2 ** (claimed.attempts - 1)
        self.stats.retried += 1
        logger.warning("Survey DM attempt %d failed (%s); retrying in %.1fs", claimed.attempts, error, backoff)
        self._finish(
            claimed, status=SurveyMessageStatus.FAILED, error=error, next_attempt_at=at + timedelta(seconds=backoff)
        )

    def _finish(
        self,
        claimed: srepo.Claimed,
        *,
        status: SurveyMessageStatus,
        error: str | None = None,
        channel: str | None = None,
        ts: str | None = None,
        lang: str | None = None,
        next_attempt_at: datetime | None = None,
        attempts: int | None = None,
    ) -> None:
        with self.db.session() as session:
            row = srepo.get_message(session=session, message_id=claimed.id)
            if row is None or row.claimed_by != self.worker_id[:64] or row.status is not SurveyMessageStatus.SENDING:
                # Our claim went stale and another worker took the row over; it decides now.
                logger.warning("Survey message %s was taken over by another worker", claimed.id)
                return
            row.status = status
            row.claimed_by = None
            row.last_error = error[:64] if error else None
            row.next_attempt_at = next_attempt_at
            if attempts is not None:
                row.attempts = attempts
            if lang:
                row.lang = lang
            if status is SurveyMessageStatus.SENT:
                row.dm_channel, row.dm_ts, row.sent_at = channel, ts, utcnow()
