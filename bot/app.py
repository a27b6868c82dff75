"""The Bolt app: global middleware and listener registration; no business logic here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.container import Container
from bot.db import repositories as repo
from bot.listeners import register_listeners

logger = logging.getLogger(__name__)

# Events whose listener de-duplicates by event_id itself, in the same transaction as its effect: reaction events
# are claimed in batches by the reactions writer (bot/services/reactions/service.py), which keeps a burst of applause
# from costing one database write per HTTP request before the ack (issue 6, see docs/benchmarks.md).
SELF_DEDUPED_EVENTS = frozenset({"reaction_added", "reaction_removed"})


def _dedupe_events(container: Container) -> Callable[..., Any]:
    """Slack retries events it thinks we missed; the event_id makes a retry change nothing."""

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
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

    return middleware


def create_app(container: Container, *, token_verification: bool = True) -> App:
    settings = container.settings
    app = App(
        client=container.client,
        signing_secret=settings.SLACK_SIGNING_SECRET or "socket-mode",
        token_verification_enabled=token_verification,
        listener_executor=ThreadPoolExecutor(max_workers=settings.LISTENER_THREADS, thread_name_prefix="listener"),
        logger=logging.getLogger("lunchlearn.bolt"),
    )
    app.use(_dedupe_events(container))
    # The workspace we are installed in (auth.test, once): management actions are bound to it.
    if container.slack.installed_team_id() is None:
        logger.warning("Could not learn the installed workspace from auth.test; nobody can manage talks until it can")

    @app.error
    def handle_errors(error: Exception, body: dict[str, Any]) -> None:
        # Payload bodies can hold user text: log the type of request only.
        logger.error("Unhandled error in a %s listener", body.get("type", "unknown"), exc_info=error)

    register_listeners(app, container)
    return app
