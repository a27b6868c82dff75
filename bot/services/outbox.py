"""Exactly-once side effects: a keyed outbox row is claimed, the effect runs, the row records the result."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import OutboxStatus
from bot.db.session import Database
from bot.integrations.slack_gateway import SlackGatewayError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def send_once(
    db: Database, *, key: str, talk_id: int | None, kind: str, recipient: str, send: Callable[[], tuple[str, str]]
) -> bool:
    """Run `send` (returning channel, ts) unless the side effect `key` already happened. True when sent now.

    The row stays locked while sending, so a second process racing on the same key waits and then skips.
    """
    with db.session() as session:
        entry = repo.outbox_entry(session=session, key=key, talk_id=talk_id, kind=kind, recipient=recipient)
        if entry.status is OutboxStatus.SENT or entry.attempts >= MAX_ATTEMPTS:
            return False
        entry.attempts += 1
        try:
            channel, ts = send()
        except SlackGatewayError as exc:
            entry.last_error = exc.error[:255]
            entry.status = OutboxStatus.FAILED
            logger.warning("Side effect %s failed (attempt %d): %s", kind, entry.attempts, exc.error)
            return False
        entry.status = OutboxStatus.SENT
        entry.channel, entry.ts, entry.sent_at = channel, ts, utcnow()
        entry.last_error = None
        return True
