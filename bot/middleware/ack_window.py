"""The ack deadline of an interactive request (bot/budget.py): noted on arrival, opened in the listener's thread."""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener.listener_completion_handler import ListenerCompletionHandler
from slack_bolt.listener.listener_start_handler import ListenerStartHandler

from bot import budget

# Requests Slack waits on for an ack within 3 s and whose listeners do work before acking.
_INTERACTIVE = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action"})
_RECEIVED_AT = "lunchlearn_received_at"


def note_arrival(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
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


def install_ack_window(app: App) -> None:
    """The clock first (before the other middleware's work), and Bolt's documented hooks for per-thread state
    around a listener run (its Django adapter uses them the same way)."""
    app.use(note_arrival)
    app.listener_runner.listener_start_handler = _OpenAckWindow()
    app.listener_runner.listener_completion_handler = _CloseAckWindow()
