"""Slack retries events it thinks we missed (up to 3 times); the event_id makes a retry change nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.container import Container
from bot.db import repositories as repo

logger = logging.getLogger(__name__)

# Events whose listener de-duplicates by event_id itself, in the same transaction as its effect: reaction events
# are claimed in batches by the reactions writer (bot/services/reactions/service.py), which keeps a burst of applause
# from costing one database write per HTTP request before the ack (see docs/benchmarks.md).
SELF_DEDUPED_EVENTS = frozenset({"reaction_added", "reaction_removed"})


def make_dedupe_events(container: Container) -> Callable[..., Any]:
    def dedupe_events(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body or {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if (body.get("event") or {}).get("type") in SELF_DEDUPED_EVENTS:
            event_id = None
        if event_id:
            retry = req.headers.get("x-slack-retry-num", [None])[0]
            try:
                with container.db.session() as session:
                    fresh = repo.claim_delivery(session=session, key=f"event:{event_id}")
            except Exception:
                # The database is down: still answer 200 (Slack disables apps that fail), and say so.
                logger.exception("Could not record event %s; processing it anyway", event_id)
                fresh = True
            if not fresh:
                logger.info("Skipping event %s already processed (retry %s)", event_id, retry)
                return BoltResponse(status=200, body="")
        return next()

    return dedupe_events
