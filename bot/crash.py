"""Named crash points: the places between a side effect and its record, for crash testing.

`CRASH_POINT` (a setting, unset in production) names one point; when the process reaches it, it exits hard
with `os._exit`, as a `kill -9` would, so a test can restart it and check that nothing was lost or repeated.
Read once at start-up: with no point set, `crash_point()` is a single comparison against None.
"""

from __future__ import annotations

import logging
import os
import signal

logger = logging.getLogger(__name__)

# Every named point, in the order a talk meets them. A test runs the whole story once per point.
POINTS = (
    "announce.after_post",  # the announcement is in the channel, its ts not stored
    "provision.after_insert",  # YouTube answered liveBroadcasts.insert, the id not stored
    "reminder.after_dm",  # a reminder DM went out, not recorded
    "live.after_post",  # the live post is in the thread, its ts not stored
    "question.after_post",  # a question is in the thread, not recorded
    "survey.after_dm",  # a survey DM went out, not recorded
    "report.after_upload",  # the report DM is out (charts uploaded, shown in it by image blocks), not recorded
)

_armed: str | None = None
_kill_parent = False


def configure(point: str | None, *, kill_parent: bool = False) -> None:
    """Arm one point (from Settings.CRASH_POINT at start-up); None disarms. `kill_parent` (under gunicorn):
    take the master down too, as `kill -9` of the whole server would, instead of letting it fork a new worker."""
    global _armed, _kill_parent
    _kill_parent = kill_parent
    if point and point not in POINTS:
        raise ValueError(f"CRASH_POINT {point!r} is not one of: {', '.join(POINTS)}")
    _armed = point or None
    if _armed:
        logger.warning("CRASH_POINT=%s: this process exits hard when it gets there (testing only)", _armed)


def crash_point(name: str) -> None:
    if _armed is not None and name == _armed:
        logger.warning("Crash point %s reached: exiting hard", name)
        logging.shutdown()
        if _kill_parent:
            os.kill(os.getppid(), signal.SIGKILL)
        os._exit(137)
