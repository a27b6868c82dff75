"""The Bolt app: global middleware and listener registration; no business logic here."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener.listener_completion_handler import ListenerCompletionHandler
from slack_bolt.listener.listener_start_handler import ListenerStartHandler

from bot import budget
from bot.container import Container
from bot.db import repositories as repo
from bot.listeners import register_listeners
from bot.observability.metrics import TimedApp

logger = logging.getLogger(__name__)

# Events whose listener de-duplicates by event_id itself, in the same transaction as its effect: reaction events
# are claimed in batches by the reactions writer (bot/services/reactions/service.py), which keeps a burst of applause
# from costing one database write per HTTP request before the ack (see docs/benchmarks.md).
SELF_DEDUPED_EVENTS = frozenset({"reaction_added", "reaction_removed"})


# Requests Slack waits on for an ack within 3 s and whose listeners do work before acking.
_INTERACTIVE = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action"})
_RECEIVED_AT = "lunchlearn_received_at"


def _note_arrival(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Start the ack clock as early as Bolt lets us: before any listener, its queueing and its work."""
    body = req.body or {}
    if body.get("type") in _INTERACTIVE or "command" in body:
        req.context[_RECEIVED_AT] = time.monotonic()
    return next()


class _OpenAckWindow(ListenerStartHandler):
    """Runs in the listener's thread just before it: the deadline becomes visible to everything the listener calls."""

    def handle(self, request: BoltRequest, response: BoltResponse | None) -> None:
        started = request.context.get(_RECEIVED_AT)
        budget.open_window(budget.AckWindow(started, request.context.ack) if started is not None else None)


class _CloseAckWindow(ListenerCompletionHandler):
    def handle(self, request: BoltRequest, response: BoltResponse | None) -> None:
        budget.open_window(None)  # listener threads are pooled: the next listener must not inherit this window


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
    app = TimedApp(  # Bolt's App, plus the ack latency metric
        client=container.client,
        signing_secret=settings.SLACK_SIGNING_SECRET or "socket-mode",
        token_verification_enabled=token_verification,
        listener_executor=ThreadPoolExecutor(max_workers=settings.LISTENER_THREADS, thread_name_prefix="listener"),
        logger=logging.getLogger("lunchlearn.bolt"),
    )
    app.use(_note_arrival)
    app.use(_dedupe_events(container))
    # Bolt's documented hook for per-thread state around a listener run (its Django adapter uses it the same way).
    app.listener_runner.listener_start_handler = _OpenAckWindow()
    app.listener_runner.listener_completion_handler = _CloseAckWindow()

    @app.error
    def handle_errors(error: Exception, body: dict[str, Any]) -> None:
        # Payload bodies can hold user text: log the type of request only.
        logger.error("Unhandled error in a %s listener", body.get("type", "unknown"), exc_info=error)

    register_listeners(app, container)
    return app
