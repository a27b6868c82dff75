"""Coalesced message updates: many requests for one message become at most one chat.update per interval."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

logger = logging.getLogger(__name__)


class Refresher:
    """refresh(key, fn) runs fn soon, never twice within `interval` seconds for the same key, and never two at
    once for the same key (so an older render cannot land after a newer one).

    fn must render from the database, so running it once after a burst shows the latest state.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._pending: dict[Hashable, Callable[[], None]] = {}
        self._scheduled: set[Hashable] = set()
        self._running: set[Hashable] = set()
        self._last: dict[Hashable, float] = {}
        self._idle = threading.Condition(self._lock)

    def refresh(self, key: Hashable, fn: Callable[[], None], *, now: bool = False) -> None:
        """Schedule fn for `key` (coalesced); `now` runs it in this thread at once (its errors propagate)."""
        if now:
            fn()
            return
        with self._lock:
            self._pending[key] = fn
            if key not in self._scheduled and key not in self._running:
                self._schedule(key)

    def _schedule(self, key: Hashable) -> None:
        # Called with the lock held.
        delay = max(0.0, self._last.get(key, float("-inf")) + self.interval - time.monotonic())
        self._scheduled.add(key)
        timer = threading.Timer(delay, self._run, args=(key,))
        timer.daemon = True
        timer.start()

    def _run(self, key: Hashable) -> None:
        with self._lock:
            self._scheduled.discard(key)
            fn = self._pending.pop(key, None)
            if fn is None:
                self._idle.notify_all()
                return
            self._running.add(key)
            self._last[key] = time.monotonic()
        try:
            fn()
        except Exception:
            logger.exception("Refreshing %s failed", key)
        finally:
            with self._lock:
                # Counted from the end of this render too, so a slow render cannot bring two edits closer.
                self._last[key] = time.monotonic()
                self._running.discard(key)
                if key in self._pending:
                    self._schedule(key)
                self._idle.notify_all()

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until nothing is scheduled or running (used at shutdown and in tests)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._scheduled or self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._idle.wait(remaining)
