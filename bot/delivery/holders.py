"""Who holds a claim or lease: "<host>:<pid>:<nonce>", and whether that holder is certainly gone.

Claims (flow runs, outbox rows, survey DMs) and the scheduler lease expire by time, because a holder on another
host may only be partitioned, not dead. On the same host we can know: a holder whose process no longer exists
(or whose pid is now ours, reused by a restart in a fresh container) is dead, and its work is taken over at once
instead of after the lease. That is what makes a killed and restarted process resume within seconds.
"""

from __future__ import annotations

import os
import socket
import uuid

_NONCE = uuid.uuid4().hex[:8]


def this_holder() -> str:
    """This process's holder id (the pid is read each time: a forked gunicorn worker is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_NONCE}"


def is_dead(holder: str | None) -> bool:
    """True only when the holder ran on this host and its process is gone; False when unsure."""
    if not holder:
        return False
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname():
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if holder == this_holder():
        return False
    if pid == os.getpid():
        return True  # our pid, another nonce: an earlier process whose pid was reused by us
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False
