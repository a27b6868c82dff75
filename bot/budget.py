"""The 3-second ack budget of an interactive request, as one deadline shared by everything done before `ack()`.

Slack drops a response that arrives more than 3 s after it sent the request; Bolt then answers 404 and the user sees
an error, while the listener thread carries on. So the work done before the ack (Slack calls, database writes) is
bounded by one monotonic deadline, ACK_BUDGET (2.3 s) after the request reached the app, rather than by a timeout
per call: two calls of 1.6 s each fit a 2 s per-call timeout but not the 3 s window.

The window is opened for each listener run (Bolt's listener start handler, in the listener's own thread) and read
through a context variable, so a service deep down (the Slack gateway, the unit of work) can ask "how long may this
take?" without every signature carrying a deadline. Once the listener has acked, the window no longer constrains
anything, except that a trigger_id stays valid for 3 s only (views.open after an ack).
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Protocol

# Seconds from the request reaching the app until the work before the ack must be done: the ack itself then leaves
# by 2.5 s, and Slack (which allows 3 s including the network both ways) has it in time.
ACK_BUDGET = 2.3
# Slack's own limit, after which the ack (and a trigger_id) is worthless.
SLACK_LIMIT = 3.0
# A Slack call given less time than this is not started: it could not answer in time anyway.
MIN_CALL_TIME = 0.05


class AckBudgetExceeded(Exception):
    """The ack deadline passed before the work that must precede the ack was done; nothing was committed."""

    def __init__(self, what: str) -> None:
        super().__init__(f"ack budget exceeded during {what}")
        self.what = what


class _Acked(Protocol):
    @property
    def response(self) -> object: ...


class AckWindow:
    """The deadline of one interactive request. `ack` is Bolt's Ack: once it holds a response, the window is closed."""

    def __init__(self, started: float, ack: _Acked | None = None, *, budget: float = ACK_BUDGET) -> None:
        self.started = started
        self.deadline = started + budget
        self._ack = ack

    @property
    def acked(self) -> bool:
        return self._ack is not None and self._ack.response is not None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        """Seconds left before the ack must be sent (negative once passed)."""
        return self.deadline - time.monotonic()

    def trigger_remaining(self) -> float:
        """Seconds left of the request's trigger_id (for views.open after the ack)."""
        return self.started + SLACK_LIMIT - time.monotonic()

    def too_late_to_ack(self) -> bool:
        """Whether an ack sent now would arrive after Slack gave up (so the user must be told another way)."""
        return self.elapsed() >= SLACK_LIMIT - 0.2


_window: ContextVar[AckWindow | None] = ContextVar("ack_window", default=None)


def current() -> AckWindow | None:
    return _window.get()


def open_window(window: AckWindow | None) -> None:
    _window.set(window)


def check(what: str) -> None:
    """Raise AckBudgetExceeded if this runs before the ack and the deadline has passed (e.g. before a commit)."""
    window = _window.get()
    if window is not None and not window.acked and window.remaining() <= 0:
        raise AckBudgetExceeded(what)


def expired_before_ack() -> bool:
    """Whether a call that just failed did so because the ack deadline passed (not a Slack error)."""
    window = _window.get()
    return window is not None and not window.acked and window.remaining() <= MIN_CALL_TIME
