"""Exactly-once side effects through a keyed outbox row.

Two short transactions around the Slack call (no database lock is held while Slack answers):
1. claim: the row goes pending/failed -> sending (one process wins; the row lock decides);
2. record: sending -> sent with the channel and ts, or -> failed with the error.
A row left in `sending` longer than CLAIM_TIMEOUT means its process died mid-call; before sending again we
ask `recover` (e.g. a channel-history lookup of the message metadata) whether the post already exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from bot.crash import crash_point
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import OutboxStatus
from bot.db.session import Database
from bot.delivery.holders import is_dead, this_holder
from bot.integrations.slack_gateway import SlackGatewayError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(seconds=60)

Sent = tuple[str, str]  # (channel, ts)


def send_once(
    db: Database,
    *,
    key: str,
    talk_id: int | None,
    kind: str,
    recipient: str,
    send: Callable[[], Sent],
    recover: Callable[[], Sent | None] | None = None,
    crash: str | None = None,
    raise_errors: bool = False,
) -> bool:
    """Run `send` unless the side effect `key` already happened (or is happening elsewhere). True when sent now.

    `crash` names the crash point between the send and its record (bot/crash.py); with `raise_errors` a failed
    send is recorded and its SlackGatewayError raised, for callers that decide between retrying and giving up."""
    with db.session() as session:
        entry = repo.outbox_entry(session=session, key=key, talk_id=talk_id, kind=kind, recipient=recipient)
        if entry.status is OutboxStatus.SENT or entry.attempts >= MAX_ATTEMPTS:
            return False
        now = utcnow()
        crashed = entry.status is OutboxStatus.SENDING
        fresh_claim = entry.claimed_at is not None and now - entry.claimed_at < CLAIM_TIMEOUT
        if crashed and fresh_claim and not is_dead(entry.claimed_by):
            return False  # another process is sending it right now
        entry.status = OutboxStatus.SENDING
        entry.claimed_at = now
        entry.claimed_by = this_holder()
        entry.attempts += 1

    result: Sent | None = None
    if crashed and recover is not None:
        try:
            result = recover()
        except SlackGatewayError as exc:
            logger.warning("Recovery lookup for %s failed: %s; sending again", kind, exc.error)
        if result is not None:
            logger.info("Recovered %s for talk %s from Slack instead of posting it again", kind, talk_id)
    error: str | None = None
    failure: SlackGatewayError | None = None
    if result is None:
        try:
            result = send()
        except SlackGatewayError as exc:
            error, failure = exc.error, exc
        else:
            if crash:
                crash_point(crash)

    with db.session() as session:
        entry = repo.outbox_entry(session=session, key=key, talk_id=talk_id, kind=kind, recipient=recipient)
        if result is None:
            entry.status = OutboxStatus.FAILED
            entry.last_error = (error or "unknown")[:255]
            logger.warning("Side effect %s for talk %s failed (attempt %d): %s", kind, talk_id, entry.attempts, error)
        else:
            entry.status = OutboxStatus.SENT
            entry.channel, entry.ts = result
            entry.sent_at = utcnow()
            entry.last_error = None
    if result is None:
        if raise_errors and failure is not None:
            raise failure
        return False
    return True


def sent_message(db: Database, key: str) -> Sent | None:
    """(channel, ts) of a side effect already sent, e.g. the live post, for later updates."""
    with db.session() as session:
        entry = repo.get_outbox(session=session, key=key)
        if entry is None or entry.status is not OutboxStatus.SENT or not entry.channel or not entry.ts:
            return None
        return entry.channel, entry.ts
