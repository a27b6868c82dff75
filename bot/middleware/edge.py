"""The HTTP edge: each request to /slack/events is checked on its raw bytes before anything parses it.

In order: body size (413), signature and timestamp (401), UTF-8 and parsing by content type and field (400), the
documented shape (400, bot/middleware/payloads.py). Only then does Bolt see the request, with the body already
parsed. A refusal is one WARNING line naming the reason, never the body, and carries `X-Slack-No-Retry: 1`.

Why not Bolt's Flask adapter alone: Bolt parses the body before its signature middleware runs, so unsigned junk
reached `json.loads` (500 and an ERROR traceback), and its form parser tests `"payload" in body` on the raw string,
so a slash command whose text contains the word "payload" was parsed as `{}` and dropped with 404.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from flask import Request, Response
from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_bolt.request.internals import build_context

from bot.middleware.payloads import kind_of, shape_problem

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Slack's own payloads are far smaller; a view with 100 blocks is ~250 kB
MAX_SKEW_SECONDS = 300  # Slack's documented replay window
MAX_FORM_FIELDS = 100  # a slash command has about 15

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class Malformed(ValueError):
    """A signed body that is not something Slack sends; the message is a short reason without the body."""


def signature_problem(
    secret: bytes, raw: bytes, timestamp: str | None, signature: str | None, now: float
) -> str | None:
    """Why this request is not signed by Slack (v0 scheme, on the raw bytes), or None when it is.

    Hand-written rather than slack_sdk's SignatureVerifier: that one int()s the timestamp and decodes the body as
    UTF-8 before hashing, so a garbage timestamp or non-UTF-8 body raises instead of being refused.
    """
    if not timestamp or not signature:
        return "unsigned"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "bad_timestamp"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return "stale_timestamp"
    base = b"v0:" + timestamp.encode("ascii") + b":" + raw
    expected = b"v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest().encode("ascii")
    if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        return "bad_signature"
    return None


def parse_body(text: str, mimetype: str) -> dict[str, Any]:
    """The body as Slack means it: JSON (Events API) or form fields (slash commands; `payload` for interactivity)."""
    if mimetype == JSON:
        return _json_object(text, "body")
    if mimetype != FORM:
        raise Malformed("unsupported content type")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise Malformed("bad form encoding") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Malformed("repeated form field")
    # Interactivity is one field named payload; a slash command never has a field by that name (its *text* may
    # contain the word, which is what Bolt's own parser trips on).
    if "payload" in fields:
        if len(fields) != 1:
            raise Malformed("payload beside other fields")
        return _json_object(fields["payload"], "payload")
    return fields


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    return value


class ParsedBoltRequest(BoltRequest):
    """A BoltRequest whose body we parsed (Bolt's parse_body is bypassed); raw_body stays for Bolt's own check."""

    def __init__(
        self,
        *,
        raw_body: str,
        body: dict[str, Any],
        query: str | Mapping[str, Sequence[str]] | None,
        headers: Mapping[str, Any],
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(body="", query=query, headers=dict(headers))  # type: ignore[arg-type]
        self.raw_body = raw_body
        self.body = body
        self.context = build_context(BoltContext(context or {}), body)

    def to_copyable(self) -> BoltRequest:
        return ParsedBoltRequest(
            raw_body=self.raw_body,
            body=self.body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
        )


class SlackEdge:
    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_secret:
            raise ValueError("the HTTP edge needs SLACK_SIGNING_SECRET")  # an empty key would let anyone sign
        self.app = app
        self.secret = signing_secret.encode("utf-8")
        self.max_body_bytes = max_body_bytes
        self.clock = clock

    def handle(self, request: Request) -> Response:
        length = request.content_length
        if length is not None and length > self.max_body_bytes:
            return self._refuse(413, "body_too_large")
        # Read at most one byte past the limit, whatever Content-Length said (or chunked encoding hid).
        raw = request.stream.read(self.max_body_bytes + 1)
        if len(raw) > self.max_body_bytes:
            return self._refuse(413, "body_too_large")
        problem = signature_problem(
            self.secret,
            raw,
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
            self.clock(),
        )
        if problem:
            return self._refuse(401, problem)
        try:
            text = raw.decode("utf-8")
            body = parse_body(text, request.mimetype)
        except UnicodeDecodeError:
            return self._refuse(400, "body is not UTF-8")
        except Malformed as exc:
            return self._refuse(400, str(exc))
        if problem := shape_problem(body):
            return self._refuse(400, problem)
        bolt_request = ParsedBoltRequest(
            raw_body=text,
            body=body,
            query=request.query_string.decode("latin-1"),
            headers=dict(request.headers.items()),
        )
        response: Response = to_flask_response(self.app.dispatch(bolt_request))
        if response.status_code >= 500:
            logger.warning("Answered a %s request with %s", kind_of(body), response.status_code)
        return response

    @staticmethod
    def _refuse(status: int, reason: str) -> Response:
        logger.warning("Refused a request to /slack/events with %s: %s", status, reason)
        return Response(
            json.dumps({"error": reason}),
            status=status,
            mimetype=JSON,
            headers={"X-Slack-No-Retry": "1"},
        )
