"""Coalesced message updates: many requests for one message become at most one chat.update per interval."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

logger = logging.getLogger(__name__)


class Refresher:
    """refresh(key, fn) runs fn soon, but never twice within `interval` seconds for the same key.

    fn must render from the database, so running it once after a burst shows the latest state.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._pending: dict[Hashable, Callable[[], None]] = {}
        self._last: dict[Hashable, float] = {}
        self._timers: set[threading.Timer] = set()

    def refresh(self, key: Hashable, fn: Callable[[], None]) -> None:
        with self._lock:
            already_scheduled = key in self._pending
            self._pending[key] = fn
            if already_scheduled:
                return
            delay = max(0.0, self._last.get(key, float("-inf")) + self.interval - time.monotonic())
            timer = threading.Timer(delay, self._run, args=(key,))
            timer.daemon = True
            self._timers.add(timer)
        timer.start()

    def _run(self, key: Hashable) -> None:
        with self._lock:
            fn = self._pending.pop(key, None)
            self._last[key] = time.monotonic()
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
        if fn is None:
            return
        try:
            fn()
        except Exception:
            logger.exception("Refreshing %s failed", key)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for scheduled refreshes (used at shutdown and in tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                timers = list(self._timers)
                if not self._pending and not any(t.is_alive() for t in timers):
                    return
            for timer in timers:
                timer.join(max(0.0, deadline - time.monotonic()))
