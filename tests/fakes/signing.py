"""Sign inbound test requests the way Slack does (signing secret, scheme v0).

Usage::

    body = urllib.parse.urlencode({"command": "/lunch", "text": "list", ...})
    headers = signed_headers("test-secret", body)   # Content-Type + X-Slack-Request-Timestamp + X-Slack-Signature
    client.post("/slack/events", data=body, headers=headers)

See https://api.slack.com/authentication/verifying-requests-from-slack
"""

from __future__ import annotations

import hashlib
import hmac
import time

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def sign(secret: str, body: str | bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers that make `body` look as if Slack sent it at `timestamp` (default: now)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(ts).encode("ascii") + b":" + raw
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def signed_headers(
    secret: str, body: str | bytes, *, content_type: str = FORM_CONTENT_TYPE, timestamp: int | None = None
) -> dict[str, str]:
    """`sign(...)` plus a Content-Type (slash commands and interactivity are form-encoded; Events API is JSON)."""
    return {"Content-Type": content_type, **sign(secret, body, timestamp)}
