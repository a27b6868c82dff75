"""Reactions as live feedback: count reactions on a talk's live post and announcement, seed the legend, show the
pulse on the speakers' private boards (never in the channel), nudge the speakers there on signals when the talk
opted in, keep a per-minute timeline, reconcile after app_rate_limited.

Every count is people's: the bot's own seeded legend reaction is never counted (events from the bot are skipped,
and reconciliation subtracts it from Slack's counts), so the board, nudge, report and charts agree with each other.

Counting is write-behind: a listener turns an event into a Delta and queues it (microseconds, no database); one
writer thread folds whatever is queued (up to BATCH_MAX events, at most BATCH_DELAY after the first) into one
transaction with one upsert per cell. A burst of applause thus costs a handful of transactions instead of one
per event, and listener threads never contend for the SQLite write lock. What an abrupt crash loses (at most one
batch in flight) is corrected in the totals by the next reconciliation with reactions.get.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cachetools import TTLCache
from sqlalchemy import select

from bot.config import Settings
from bot.db import reactions_repo as rrepo
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import Talk, TalkStatus
from bot.db.session import Database
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError
from bot.services.reactions.pulse import ReactionPulse, fold_emoji, minute_since
from bot.views.pulse import Pulse

logger = logging.getLogger(__name__)

BATCH_MAX = 2000
BATCH_DELAY = 0.05  # seconds the writer waits for more events after the first of a batch
WRITER_IDLE_EXIT = 30.0  # the writer thread ends after this long without events (restarted on demand)
TALK_CACHE_TTL = 10.0  # seconds a message -> talk lookup is reused (positive hits only)
RECONCILE_MARGIN = 5.0  # seconds after the limited minute ends before asking reactions.get
WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class TalkRef:
    """What counting needs from a talk, cached per message."""

    talk_id: int
    surface: str  # "live" | "announcement"
    started: datetime  # minute 0: when it went live, else its scheduled start


@dataclass(frozen=True)
class _Queued:
    delta: rrepo.Delta
    at: datetime
    key: str | None  # "event:<event_id>": claimed in the same transaction as the counts
    user: str | None = None  # who added a reaction on the live post (for the survey's recipients)


def _event_time(event: dict[str, Any], now: datetime | None) -> datetime:
    if now is not None:
        return now
    try:
        return datetime.fromtimestamp(float(event["event_ts"]), UTC)
    except (KeyError, TypeError, ValueError):
        return utcnow()


class ReactionService:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        slack: SlackGateway,
        pulse: ReactionPulse,
        boards: Callable[[int], None],
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.pulses = pulse
        self.legend = pulse.legend
        self.signals = pulse.signals
        self.highlights = pulse.highlights
        self.threshold = pulse.threshold
        self.quiet = timedelta(minutes=settings.REACTION_NUDGE_QUIET_MINUTES)
        # Re-renders the speakers' boards (questions, pulse, surges, nudge), coalesced: the only place counts show.
        self.boards = boards
        self.bot_user_id: str | None = None
        self._talks: TTLCache[tuple[str, str], TalkRef] = TTLCache(maxsize=4096, ttl=TALK_CACHE_TTL)
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Queued] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._inflight = 0  # queued or being written; flush() waits for 0
        self._drained = threading.Condition(self._lock)
        self._reconcile_timer: threading.Timer | None = None
        self._reconcile_due = 0.0
        self.dropped = 0  # events whose write failed for good (logged; reconciliation repairs the totals)
        atexit.register(self.flush, 10.0)

    # Counting ----------------------------------------------------------------------------------------------

    def record(
        self,
        *,
        event: dict[str, Any],
        added: bool,
        bot_user_id: str | None,
        event_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Queue one reaction_added/removed event; False when it changes nothing (ours, another message...).

        `event_id` de-duplicates Slack's retries: claimed in the writer's transaction, with the counts, so an
        event is counted exactly once even across replicas (bot/app.py leaves reaction events to us)."""
        if bot_user_id:
            self.bot_user_id = bot_user_id
        bot_user_id = bot_user_id or self.bot_user_id  # a context without it must not count our seeded legend
        item = event.get("item") or {}
        name = event.get("reaction")
        if item.get("type") != "message" or not isinstance(name, str) or not name:
            return False
        if bot_user_id and event.get("user") == bot_user_id:
            return False  # the legend we seeded, or any reaction of ours
        channel, ts = item.get("channel"), item.get("ts")
        if not isinstance(channel, str) or not isinstance(ts, str):
            return False
        ref = self._talk_for(channel, ts)
        if ref is None:
            # Maybe our live post, in the instant between posting it and storing its ts: keep the event.
            return self._park(event, added=added, channel=channel, ts=ts, event_id=event_id, bot_user_id=bot_user_id)
        at = _event_time(event, now)
        delta = rrepo.Delta(
            talk_id=ref.talk_id,
            surface=ref.surface,
            emoji=fold_emoji(name)[:100],
            minute=minute_since(ref.started, at),
            added=1 if added else 0,
            removed=0 if added else 1,
        )
        with self._lock:
            self._inflight += 1
            reactor = event.get("user") if added and ref.surface == "live" else None
            self._queue.put(
                _Queued(
                    delta, at, f"event:{event_id}" if event_id else None, reactor if isinstance(reactor, str) else None
                )
            )
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_loop, name="reactions-writer", daemon=True)
                self._writer.start()
        return True

    def _park(
        self,
        event: dict[str, Any],
        *,
        added: bool,
        channel: str,
        ts: str,
        event_id: str | None,
        bot_user_id: str | None,
    ) -> bool:
        try:
            posted_at = datetime.fromtimestamp(float(ts), UTC)
        except ValueError:
            return False
        body = {"event": event, "added": added, "bot_user_id": bot_user_id}
        with self.db.session() as session:
            if not rrepo.unrecorded_live_post(session=session, channel=channel, posted_at=posted_at):
                return False
            rrepo.park_event(session=session, channel=channel, ts=ts, event_id=event_id, body=json.dumps(body))
        logger.info("Kept a reaction on a message not recorded yet (a live post being posted)")
        return True

    def apply_parked(self, talk_id: int) -> int:
        """Live flow step: count the reactions that arrived before the live post's ts was stored."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or not talk.live_channel or not talk.live_ts:
                return 0
            parked = rrepo.take_parked(session=session, channel=talk.live_channel, ts=talk.live_ts)
        for event_id, raw in parked:
            body = json.loads(raw)
            self.record(
                event=body["event"], added=bool(body["added"]), bot_user_id=body.get("bot_user_id"), event_id=event_id
            )
        if parked:
            logger.info(
                "Talk %s: %d reactions from before the live post was recorded are counted", talk_id, len(parked)
            )
        return len(parked)

    def _talk_for(self, channel: str, ts: str) -> TalkRef | None:
        key = (channel, ts)
        with self._lock:
            cached = self._talks.get(key)
        if cached is not None:
            return cached
        with self.db.session() as session:
            found = repo.find_talk_by_message(session=session, channel=channel, ts=ts)
            if found is None:
                return None
            talk, surface = found
            ref = TalkRef(talk_id=talk.id, surface=surface, started=talk.went_live_at or talk.starts_at)
        with self._lock:
            self._talks[key] = ref
        return ref

    def _write_loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=WRITER_IDLE_EXIT)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._writer = None
                        return
                continue
            batch = [first]
            deadline = time.monotonic() + BATCH_DELAY
            while len(batch) < BATCH_MAX:
                remaining = deadline - time.monotonic()
                try:
                    batch.append(self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                with self._lock:
                    self._inflight -= len(batch)
                    self._drained.notify_all()

    def _write(self, batch: list[_Queued]) -> None:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.db.session() as session:
                    now = utcnow()
                    keys = [q.key for q in batch if q.key]
                    fresh = rrepo.claim_deliveries(session=session, keys=keys, now=now)
                    kept: list[_Queued] = []
                    for q in batch:
                        if q.key is None:
                            kept.append(q)
                        elif q.key in fresh:
                            fresh.discard(q.key)  # a second copy in the same batch is a duplicate too
                            kept.append(q)
                    rrepo.apply_deltas(session=session, deltas=[q.delta for q in kept], now=now)
                    rrepo.record_reactors(
                        session=session, pairs={(q.delta.talk_id, q.user) for q in kept if q.user}, now=now
                    )
                if len(kept) < len(batch):
                    logger.info("Skipped %d duplicate reaction deliveries", len(batch) - len(kept))
                batch = kept
                break
            except Exception:
                if attempt == WRITE_ATTEMPTS:
                    self.dropped += len(batch)
                    logger.exception("Dropping %d reaction events after %d failed writes", len(batch), attempt)
                    return
                logger.warning("Writing %d reaction events failed (attempt %d); retrying", len(batch), attempt)
                time.sleep(0.2 * attempt)
        live_talks = {q.delta.talk_id for q in batch if q.delta.surface == "live"}
        for talk_id in live_talks:
            self.refresh_boards(talk_id)
        # Signals: the latest event time per (talk, emoji) of signal reactions added in this batch.
        latest: dict[tuple[int, str], datetime] = {}
        for q in batch:
            d = q.delta
            if d.surface == "live" and d.added and d.emoji in self.signals:
                latest[(d.talk_id, d.emoji)] = max(q.at, latest.get((d.talk_id, d.emoji), q.at))
        # Checked here, in the writer: cheap (one query) unless a nudge goes out, at most once per quiet period.
        for (talk_id, emoji), at in latest.items():
            self._check_signal_safely(talk_id, emoji, at)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued event is written (tests, shutdown, the benchmark)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._inflight > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    logger.warning("%d reaction events still queued after %.1fs", self._inflight, timeout)
                    return
                self._drained.wait(remaining)

    # Pulse and legend ---------------------------------------------------------------------------------------

    def pulse(self, talk: Talk, *, now: datetime | None = None) -> Pulse:
        return self.pulses.pulse(talk, now=now)

    def seed_legend(self, talk_id: int) -> None:
        """Live flow step: the bot reacts with each legend emoji so one click is enough (idempotent)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None or not talk.live_channel or not talk.live_ts:
            return
        for item in self.legend:
            try:
                self.slack.add_reaction(channel=talk.live_channel, ts=talk.live_ts, name=item.emoji)
            except SlackGatewayError as exc:
                # An unknown custom emoji (invalid_name) must not stop the others.
                logger.warning("Seeding :%s: on talk %s failed: %s", item.emoji, talk_id, exc.error)

    def refresh_boards(self, talk_id: int) -> None:
        """Re-render the speakers' boards through the coalesced refresher (at most one chat.update per
        MESSAGE_UPDATE_INTERVAL per board, whatever the burst). The live post shows no counts, so it stays."""
        self.boards(talk_id)

    # Signals -------------------------------------------------------------------------------------------------

    def _check_signal_safely(self, talk_id: int, emoji: str, at: datetime) -> None:
        try:
            self.check_signal(talk_id, emoji, now=at)
        except Exception:
            logger.exception("Checking the %s signal of talk %s failed", emoji, talk_id)

    def check_signal(self, talk_id: int, emoji: str, *, now: datetime) -> bool:
        """Nudge the speakers once when `emoji` passed the threshold in the last minute and the talk opted in;
        True when nudged now. The nudge is a line on their private boards, never a DM that could pop up on a
        shared screen.

        One nudge per talk per quiet period, across threads and replicas (a conditional UPDATE claims it)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.status is not TalkStatus.LIVE or not talk.nudges:
                return False
        count = self.pulse(talk, now=now).last_minute.get(emoji, 0)
        if count < self.threshold:
            return False
        with self.db.session() as session:
            if not rrepo.claim_nudge(
                session=session, talk_id=talk_id, emoji=emoji, now=now, quiet=self.quiet, count=count
            ):
                return False
        logger.info("Talk %s: %s x%d in the last minute; nudging the speakers on their boards", talk_id, emoji, count)
        self.refresh_boards(talk_id)
        return True

    # Budget: app_rate_limited and reconciliation ------------------------------------------------------------

    def on_rate_limited(self, *, minute_rate_limited: int | None, now: float | None = None) -> float:
        """Slack dropped events (30,000/h per workspace): reconcile once the limit lifts. Returns the delay."""
        now = time.time() if now is None else now
        limited = minute_rate_limited or int(now // 60 * 60)
        delay = max(0.0, limited + 60 - now) + RECONCILE_MARGIN
        logger.warning(
            "Slack rate-limited our events for the minute starting %s; reconciling reaction counts in %.0fs",
            datetime.fromtimestamp(limited, UTC).isoformat(),
            delay,
        )
        self.schedule_reconcile(delay)
        return delay

    def schedule_reconcile(self, delay: float) -> None:
        """One pending reconciliation per process; a later limit pushes it later."""
        due = time.monotonic() + delay
        with self._lock:
            if self._reconcile_timer is not None and self._reconcile_timer.is_alive():
                if self._reconcile_due >= due:
                    return
                self._reconcile_timer.cancel()
            timer = threading.Timer(delay, self._reconcile_safely)
            timer.daemon = True
            self._reconcile_timer, self._reconcile_due = timer, due
        timer.start()

    def run_pending_reconcile(self) -> bool:
        """Run a scheduled reconciliation now (tests, shutdown); False when none was pending."""
        with self._lock:
            timer, self._reconcile_timer = self._reconcile_timer, None
        if timer is None or not timer.is_alive():
            return False
        timer.cancel()
        self._reconcile_safely()
        return True

    def _reconcile_safely(self) -> None:
        try:
            self.reconcile_live_talks()
        except Exception:
            logger.exception("Reconciling reaction counts failed")

    def reconcile_live_talks(self) -> int:
        """Reset the totals of every live talk from reactions.get; returns the number of talks reconciled."""
        with self.db.session() as session:
            talk_ids = list(
                session.execute(
                    select(Talk.id).where(Talk.status == TalkStatus.LIVE, Talk.live_ts.is_not(None))
                ).scalars()
            )
        done = 0
        for talk_id in talk_ids:
            try:
                self.apply_parked(talk_id)
                self.reconcile_talk(talk_id)
                done += 1
            except SlackGatewayError as exc:
                logger.warning("Reconciling talk %s failed: %s", talk_id, exc.error)
        return done

    def reconcile_talk(self, talk_id: int) -> None:
        self.flush()  # queued events are older than Slack's answer; write them first
        bot = self._bot_user()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return
        for surface, channel, ts in (
            ("live", talk.live_channel, talk.live_ts),
            ("announcement", talk.announcement_channel, talk.announcement_ts),
        ):
            if not channel or not ts:
                continue
            counts: dict[str, int] = {}
            for reaction in self.slack.reactions_of(channel=channel, ts=ts):
                n = int(reaction.get("count") or 0) - (1 if bot and bot in (reaction.get("users") or []) else 0)
                emoji = fold_emoji(str(reaction.get("name") or ""))[:100]
                if emoji and n > 0:
                    counts[emoji] = counts.get(emoji, 0) + n
            with self.db.session() as session:
                rrepo.set_totals(session=session, talk_id=talk_id, surface=surface, counts=counts, now=utcnow())
            logger.info("Talk %s %s reactions reconciled with Slack", talk_id, surface)
        self.refresh_boards(talk_id)

    def _bot_user(self) -> str | None:
        if self.bot_user_id is None:
            try:
                self.bot_user_id = str(self.slack.auth_test()[0].get("user_id") or "") or None
            except SlackGatewayError:
                return None
        return self.bot_user_id
