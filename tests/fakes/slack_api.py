"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that answers like Slack and records every call.

Usage::

    from slack_sdk import WebClient
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack(bot_user_id="UBOT") as fake:               # or: fake = FakeSlack().start(); ...; fake.stop()
        fake.add_user("U1", name="alice", locale="ja-JP", tz="Asia/Tokyo")
        fake.add_channel("C1", name="general")
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        ...exercise the bot...
        [call] = fake.wait_for("chat.postMessage")            # polls; AssertionError listing recorded calls on timeout
        assert call.params["channel"] == "C1"
        assert fake.validation_errors == []                   # Block Kit problems found in any request
        fake.fail_next("users.info", "user_not_found")        # failure injection, consumed in order
        fake.rate_limit_next("chat.postMessage", retry_after=1)
        response_url = fake.webhook_url("cmd-1")              # POSTs there are recorded as method "webhook/cmd-1"

Behaviour worth knowing:

* Unknown API methods answer ``unknown_method`` so typos fail loudly.
* Tokens must start with ``xoxb-`` (Web API) or ``xapp-`` (only ``apps.connections.open``).
* Scopes are enforced like Slack (``missing_scope`` with ``needed``/``provided``); the defaults cover every
  implemented method. ``chat:write.public`` (not a default) lets the bot post in public channels it is not in.
* Posting to / reading a channel id that was never ``add_channel``-ed is allowed (treated as a channel the bot
  is in); ``conversations.info`` / ``conversations.join`` on such an id answer ``channel_not_found``.
* Every ``blocks`` (messages, attachments, response_url payloads) and ``view`` argument is validated with slack_sdk's
  models plus checks for rules slack_sdk does not enforce (unknown types and properties, empty texts, plain_text-only
  fields, duplicate block_ids...) and every limit Slack documents (tests/fakes/slack_limits.py). Problems land in
  ``validation_errors``; the call answers like Slack: ``invalid_blocks`` with ``errors`` for chat.* (a 400 for
  response_urls), ``invalid_arguments`` with ``response_metadata.messages`` for views.*, each with its json-pointer.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import logging
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fakes import slack_limits

logger = logging.getLogger(__name__)

__all__ = ["Call", "FakeSlack", "validate_message_blocks", "validate_view"]

DEFAULT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "im:write",
    "channels:join",
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "users:read",
    "users:read.email",
    "reactions:read",
    "reactions:write",
    "files:write",
)

# Any one of these scopes allows the method (Slack's real rules depend on the conversation type).
_METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.join": ("channels:join",),
    "conversations.open": ("im:write", "mpim:write"),
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "users.info": ("users:read",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "reactions.get": ("reactions:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}

_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
_JSON_PARAM_KEYS = frozenset({"blocks", "attachments", "view", "metadata"})
_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
_FAKE_ONLY_KEYS = frozenset({"channel", "updated"})
_TS_START = 1_700_000_000 * 1_000_000  # microseconds; the first minted ts is "1700000000.000100"
_TS_STEP = 100
_POLL_INTERVAL = 0.02


@dataclass
class Call:
    """One recorded request. `headers` keys are lower-cased; `params` excludes the token."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    token: str | None
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when the answer was ready (after any injected delay)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class _Rule:
    kind: str  # "fail" | "ratelimit" | "delay"
    method: str
    remaining: int
    error: str = "internal_error"
    status: int = 200
    retry_after: int = 1
    seconds: float = 0.0


class _ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class _Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------------------------
# Block Kit validation
# ------------------------------------------------------------------------------------------------------------------

Problem = tuple[str, str]  # (json pointer, message)

_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
_PLAIN_OPTION_PARENTS = frozenset(
    {"static_select", "multi_static_select", "external_select", "multi_external_select", "overflow"}
)
_PLAIN_TEXT_ELEMENTS = frozenset({"button", "workflow_button", "header"})
_PLAIN_KEYS = ("placeholder", "label", "hint")
_MAX_INPUT_LENGTH = 3000


def _limit_problems(found: list[tuple[str, str, slack_limits.Limit]]) -> list[Problem]:
    """The documented per-field limits (tests/fakes/slack_limits.py) that were broken."""
    return [(pointer, message) for pointer, message, _ in found]


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _roundtrip_diff(raw: object, out: object, pointer: str) -> list[Problem]:
    """What slack_sdk dropped or rewrote while parsing `raw`: unknown types/properties, shorthand strings..."""
    if isinstance(raw, dict):
        if out is None and "type" in raw:
            return [(pointer, f"unknown type {raw['type']!r}")]
        if not isinstance(out, dict):
            return [(pointer, f"must be {_json_kind(out)}, not {_json_kind(raw)}")]
        problems: list[Problem] = []
        for key, value in raw.items():
            if key in out:
                problems += _roundtrip_diff(value, out[key], f"{pointer}/{key}")
            elif not _is_empty(value):
                problems.append((f"{pointer}/{key}", f"unsupported property {key!r}"))
        return problems
    if isinstance(raw, list):
        if not isinstance(out, list):
            return [(pointer, f"must be {_json_kind(out)}, not an array")]
        if len(out) != len(raw):
            return [(pointer, "array was not understood")]
        problems = []
        for index, (raw_item, out_item) in enumerate(zip(raw, out, strict=True)):
            problems += _roundtrip_diff(raw_item, out_item, f"{pointer}/{index}")
        return problems
    if isinstance(out, dict | list):
        return [(pointer, f"must be {_json_kind(out)}, not {_json_kind(raw)}")]
    if raw != out:
        return [(pointer, f"invalid value {raw!r}")]
    return []


def _require_plain(value: object, pointer: str) -> list[Problem]:
    if isinstance(value, dict) and value.get("type") != "plain_text":
        return [(f"{pointer}/type", f"must be 'plain_text', not {value.get('type')!r}")]
    return []


def _options_of(element: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    options = element.get("options")
    if isinstance(options, list):
        for index, option in enumerate(options):
            yield f"/options/{index}", option
    groups = element.get("option_groups")
    if isinstance(groups, list):
        for g_index, group in enumerate(groups):
            if isinstance(group, dict) and isinstance(group.get("options"), list):
                for index, option in enumerate(group["options"]):
                    yield f"/option_groups/{g_index}/options/{index}", option


def _node_rules(node: dict[str, Any], pointer: str) -> list[Problem]:
    """Slack rules slack_sdk does not check, for one object."""
    problems: list[Problem] = []
    kind = node.get("type")
    if kind in _TEXT_TYPES and "text" in node:
        text = node["text"]
        if not isinstance(text, str) or not text:
            problems.append((f"{pointer}/text", "must be more than 0 characters"))
    if kind in _PLAIN_TEXT_ELEMENTS:
        problems += _require_plain(node.get("text"), f"{pointer}/text")
    for key in _PLAIN_KEYS:
        problems += _require_plain(node.get(key), f"{pointer}/{key}")
    if kind in ("image", "video"):
        problems += _require_plain(node.get("title"), f"{pointer}/title")
    if kind == "image":
        # https://docs.slack.dev/reference/block-kit/blocks/image-block: image_url or slack_file, not both.
        sources = [key for key in ("image_url", "slack_file") if node.get(key) is not None]
        if len(sources) != 1:
            problems.append((pointer, "must provide exactly one of image_url or slack_file"))
        slack_file = node.get("slack_file")
        if isinstance(slack_file, dict) and (("id" in slack_file) == ("url" in slack_file)):
            problems.append((f"{pointer}/slack_file", "must provide exactly one of id or url"))
    confirm = node.get("confirm")
    if isinstance(confirm, dict) and confirm.get("type") not in _TEXT_TYPES:  # a confirmation dialog object
        for key in ("title", "confirm", "deny"):
            problems += _require_plain(confirm.get(key), f"{pointer}/confirm/{key}")
    for suffix, option in _options_of(node):
        if isinstance(option, dict) and kind in _PLAIN_OPTION_PARENTS:
            problems += _require_plain(option.get("text"), f"{pointer}{suffix}/text")
    if kind == "context" and isinstance(node.get("elements"), list):
        for index, element in enumerate(node["elements"]):
            if isinstance(element, dict) and element.get("type") not in (*_TEXT_TYPES, "image"):
                problems.append((f"{pointer}/elements/{index}", "context elements must be text objects or images"))
    if kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            length = node.get(key)
            if isinstance(length, int) and not 0 <= length <= _MAX_INPUT_LENGTH:
                problems.append((f"{pointer}/{key}", f"must be between 0 and {_MAX_INPUT_LENGTH}"))
        low, high = node.get("min_length"), node.get("max_length")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append((f"{pointer}/min_length", "must not be greater than max_length"))
    if kind == "number_input" and "is_decimal_allowed" not in node:
        problems.append((f"{pointer}/is_decimal_allowed", "missing required field"))
    return problems


def _raw_rules(node: object, pointer: str) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, dict):
        problems += _node_rules(node, pointer)
        for key, value in node.items():
            problems += _raw_rules(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems += _raw_rules(value, f"{pointer}/{index}")
    return problems


def _validate_block(raw: object, pointer: str) -> list[Problem]:
    if not isinstance(raw, dict):
        return [(pointer, f"block must be an object, not {_json_kind(raw)}")]
    try:
        parsed = Block.parse(copy.deepcopy(raw))
        if parsed is None:
            return [(pointer, f"unknown block type {raw.get('type')!r}")]
        out = parsed.to_dict()  # to_dict() validates the block and, recursively, everything inside it
    except SlackObjectFormationError as exc:
        return [(pointer, str(exc))]
    except Exception as exc:  # slack_sdk raises TypeError/KeyError/... on malformed input
        return [(pointer, f"malformed block ({type(exc).__name__}: {exc})")]
    return _roundtrip_diff(raw, out, pointer) + _raw_rules(raw, pointer)


def _validate_block_list(blocks: list[Any], pointer: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, block in enumerate(blocks):
        problems += _validate_block(block, f"{pointer}/{index}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in seen:
                problems.append(
                    (
                        f"{pointer}/{index}/block_id",
                        f"duplicate block_id {block_id!r} (also at {pointer}/{seen[block_id]})",
                    )
                )
            else:
                seen[block_id] = index
    return problems


def validate_message_blocks(blocks: object, pointer: str = "/blocks") -> list[Problem]:
    """Problems in a message's `blocks` argument, as (json pointer, message) pairs; [] when valid."""
    if not isinstance(blocks, list):
        return [(pointer, f"must be an array, not {_json_kind(blocks)}")]
    found = slack_limits.check_object({"blocks": blocks}, "message", pointer.removesuffix("/blocks"))
    return _limit_problems(found) + _validate_block_list(blocks, pointer) + _blocks_limits(blocks, pointer)


def _blocks_limits(blocks: list[Any], pointer: str) -> list[Problem]:
    return _limit_problems(slack_limits.check_blocks(blocks, pointer))


def validate_view(view: object, pointer: str = "/view") -> list[Problem]:
    """Problems in a `view` argument (modal or home tab), as (json pointer, message) pairs; [] when valid."""
    if not isinstance(view, dict):
        return [(pointer, f"must be an object, not {_json_kind(view)}")]
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [(f"{pointer}/blocks", f"must be an array, not {_json_kind(blocks)}")]
    problems: list[Problem] = []
    try:
        parsed = View(**copy.deepcopy(view))
        parsed.validate_json()  # view-level rules only; blocks are validated one by one below
        out: dict[str, Any] = {}
        for key in parsed.attributes - {"blocks"}:
            value = getattr(parsed, key, None)
            if value is not None:
                out[key] = value.to_dict() if isinstance(value, JsonObject) else value
        rest = {key: value for key, value in view.items() if key != "blocks"}
        problems += _roundtrip_diff(rest, out, pointer) + _raw_rules(rest, pointer)
    except SlackObjectFormationError as exc:
        problems.append((pointer, str(exc)))
    except Exception as exc:
        problems.append((pointer, f"malformed view ({type(exc).__name__}: {exc})"))
    for key in ("title", "submit", "close"):
        problems += _require_plain(view.get(key), f"{pointer}/{key}")
    if view.get("type") == "modal":
        if not view.get("title"):
            problems.append((f"{pointer}/title", "missing required field"))
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            problems.append((f"{pointer}/submit", "required when the view contains input blocks"))
    problems += _limit_problems(slack_limits.check_view(view, pointer))
    return problems + _validate_block_list(blocks, f"{pointer}/blocks")


def _validate_message(params: dict[str, Any]) -> list[Problem]:
    top = {key: params[key] for key in ("text", "metadata") if key in params}
    problems = _limit_problems(slack_limits.check_object(top, "message", ""))
    if "blocks" in params and params["blocks"] is not None:
        problems += validate_message_blocks(params["blocks"])
    attachments = params.get("attachments")
    if isinstance(attachments, list):
        for index, attachment in enumerate(attachments):
            if isinstance(attachment, dict) and attachment.get("blocks") is not None:
                problems += validate_message_blocks(attachment["blocks"], f"/attachments/{index}/blocks")
    return problems


# ------------------------------------------------------------------------------------------------------------------
# Request parsing helpers
# ------------------------------------------------------------------------------------------------------------------


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _maybe_json(key: str, value: str) -> Any:
    if key in _JSON_PARAM_KEYS and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_form(text: str) -> dict[str, Any]:
    parsed = urllib.parse.parse_qs(text, keep_blank_values=True)
    return {key: _maybe_json(key, values[0]) for key, values in parsed.items()}


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            params[name] = f"<file {part.get_filename()}: {len(data)} bytes>"
        else:
            params[name] = _maybe_json(name, data.decode("utf-8", "replace"))
    return params


def _ts_key(ts: object) -> Decimal:
    try:
        return Decimal(str(ts))
    except InvalidOperation:
        return Decimal(0)


def _public(message: dict[str, Any], *, include_metadata: bool = True) -> dict[str, Any]:
    out = {
        key: copy.deepcopy(value)
        for key, value in message.items()
        if key not in _FAKE_ONLY_KEYS and value is not None and value is not False
    }
    if not include_metadata:
        out.pop("metadata", None)
    return out


# ------------------------------------------------------------------------------------------------------------------
# HTTP plumbing
# ------------------------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSlack/1.0"
    timeout = 30

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake slack: " + format, *args)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        body = self._read_body()
        headers = {key.lower(): value for key, value in self.headers.items()}
        fake = cast(_Server, self.server).fake
        status, response_headers, payload = fake._handle_http(self.path, headers, body)
        try:
            self.send_response(status)
            for key, value in response_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (its timeout): nothing to answer


# ------------------------------------------------------------------------------------------------------------------
# The fake
# ------------------------------------------------------------------------------------------------------------------


class FakeSlack:
    """Fake Slack Web API server. See the module docstring for usage."""

    def __init__(
        self, *, bot_user_id: str = "UBOT", team_id: str = "T1", scopes: Iterable[str] = DEFAULT_SCOPES
    ) -> None:
        self.bot_user_id = bot_user_id
        self.bot_id = "BBOT"
        self.app_id = "AFAKE"
        self.team_id = team_id
        self.scopes: tuple[str, ...] = tuple(scopes)
        self.base_url = ""
        self.calls: list[Call] = []
        self.validation_errors: list[str] = []
        self.messages: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self.ephemeral: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}  # view id -> current view (as returned by views.*)
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self._rules: list[_Rule] = []
        # Latency added to every call of a method ("*" = every method), like a slow Slack: method -> seconds
        self._latency: dict[str, float] = {}
        self._lock = threading.RLock()
        self._ts = _TS_START
        self._view_seq = 0
        self._hash_seq = 0
        self._open_dms: set[str] = set()
        self._home_views: dict[str, str] = {}  # user id -> id of the published home view
        # files_upload_v2 (surveys): file id -> {"filename", "title", "length", "data", "channel", "thread_ts",
        # "user", "complete", "processing"}
        self.files: dict[str, dict[str, Any]] = {}
        self._file_seq = 0
        # Slack processes an upload asynchronously: a message naming a just-completed file in an image block is
        # refused (invalid_blocks, "invalid slack file") this many times before the file is usable.
        self.file_processing_uses = 0
        # Sustained rate limits per method (token buckets): method -> [per_second, capacity, tokens, last refill]
        self._rate_limits: dict[str, list[float]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "reactions.get": self._reactions_get,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    # -- lifecycle --------------------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def webhook_url(self, name: str = "response") -> str:
        """A URL to use as a response_url; POSTs to it are recorded as method ``webhook/<name>``."""
        return f"{self.base_url}webhook/{name}"

    # -- assertions -------------------------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def _matching(self, method: str, where: Callable[[Call], bool] | None) -> list[Call]:
        return [call for call in self.calls_to(method) if where is None or where(call)]

    def describe_calls(self) -> str:
        with self._lock:
            calls = list(self.calls)
        if not calls:
            return "  (no calls recorded)"
        lines = []
        for index, call in enumerate(calls, 1):
            outcome = "ok" if call.ok else f"error={call.error}"
            lines.append(f"  {index}. {call.method} -> {call.status} {outcome}")
        return "\n".join(lines)

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, where: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        """Poll until at least `count` matching calls were recorded; return all matching calls."""
        deadline = time.monotonic() + timeout
        while True:
            matches = self._matching(method, where)
            if len(matches) >= count:
                return matches
            if time.monotonic() >= deadline:
                condition = " matching the `where` predicate" if where is not None else ""
                raise AssertionError(
                    f"expected at least {count} call(s) to {method}{condition} within {timeout}s, "
                    f"found {len(matches)}. Recorded calls:\n{self.describe_calls()}"
                )
            time.sleep(_POLL_INTERVAL)

    def assert_no_call(self, method: str, within: float = 0.3, where: Callable[[Call], bool] | None = None) -> None:
        """Wait `within` seconds and fail if any matching call was recorded (fails as soon as one shows up)."""
        deadline = time.monotonic() + within
        while True:
            matches = self._matching(method, where)
            if matches:
                params = [call.params for call in matches]
                raise AssertionError(
                    f"expected no call to {method}, found {len(matches)}: {params!r}. "
                    f"Recorded calls:\n{self.describe_calls()}"
                )
            if time.monotonic() >= deadline:
                return
            time.sleep(_POLL_INTERVAL)

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- directory --------------------------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        locale: str = "en-US",
        tz: str = "America/New_York",
        tz_offset: int | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        email: str | None = None,
        team_id: str | None = None,
    ) -> None:
        """`team_id`: the user's home workspace; another team's id makes a Slack Connect (external) user."""
        with self._lock:
            self.users[user_id] = {
                "team_id": team_id or self.team_id,
                "id": user_id,
                "name": name or user_id.lower(),
                "locale": locale,
                "tz": tz,
                "tz_offset": tz_offset,
                "is_admin": is_admin,
                "is_owner": is_owner,
                "is_bot": is_bot,
                "email": email,
            }

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: Iterable[str] | None = None,
    ) -> None:
        """`members`: the people in the channel (the bot is added when it is a member), for conversations.members."""
        with self._lock:
            people = list(dict.fromkeys(members or []))
            if is_member and self.bot_user_id not in people:
                people.append(self.bot_user_id)
            self.channels[channel_id] = {
                "members": people,
                "id": channel_id,
                "name": name or channel_id.lower(),
                "is_private": is_private,
                "is_member": is_member,
                "is_archived": is_archived,
            }

    def add_message(
        self,
        channel: str,
        text: str = "",
        *,
        user: str = "U1",
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Seed a message (e.g. from a human) for history/replies/reactions; returns the stored dict."""
        with self._lock:
            message = self._new_message(
                channel,
                ts=ts or self._next_ts(),
                text=text,
                blocks=blocks,
                user=user,
                thread_ts=thread_ts,
                metadata=metadata,
                from_bot=False,
            )
            return message

    # -- failure injection ------------------------------------------------------------------------------------------

    def fail_next(self, method: str, error: str = "internal_error", *, times: int = 1, status: int = 200) -> None:
        """The next `times` calls to `method` ("*" = any) answer {"ok": false, "error": error} with `status`."""
        with self._lock:
            self._rules.append(_Rule("fail", method, times, error=error, status=status))

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        with self._lock:
            self._rules.append(
                _Rule("ratelimit", method, times, error="ratelimited", status=429, retry_after=retry_after)
            )

    def set_rate_limit(self, method: str, per_minute: float | None, *, burst: int = 1) -> None:
        """Answer `method` with 429 + Retry-After beyond `per_minute` sustained (a token bucket holding `burst`
        calls), like Slack's per-method tiers; None removes the limit."""
        with self._lock:
            if per_minute is None:
                self._rate_limits.pop(method, None)
            else:
                self._rate_limits[method] = [per_minute / 60.0, float(burst), float(burst), time.monotonic()]

    def _over_rate_limit(self, method: str) -> int | None:
        """Seconds to wait (Slack's integer Retry-After) if this call exceeds the method's limit, else None."""
        with self._lock:
            bucket = self._rate_limits.get(method)
            if bucket is None:
                return None
            rate, capacity, tokens, last = bucket
            now = time.monotonic()
            tokens = min(capacity, tokens + (now - last) * rate)
            bucket[3] = now
            if tokens >= 1:
                bucket[2] = tokens - 1
                return None
            bucket[2] = tokens
            return max(1, int(-(-(1 - tokens) // rate)))

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls to `method` are answered normally, `seconds` late."""
        with self._lock:
            self._rules.append(_Rule("delay", method, times, seconds=seconds))

    def set_latency(self, method: str, seconds: float | None) -> None:
        """Answer every call to `method` ("*" = any Web API method) `seconds` late, until changed; None removes it.
        A method's own latency replaces the "*" one. delay_next() comes on top."""
        with self._lock:
            if seconds is None:
                self._latency.pop(method, None)
            else:
                self._latency[method] = seconds

    def _take_rule(self, method: str, kinds: tuple[str, ...]) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.method in (method, "*"):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                    return rule
        return None

    # -- message store ----------------------------------------------------------------------------------------------

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """A copy of the current state of one stored message (KeyError if there is none)."""
        with self._lock:
            found = self._find_message(channel, ts)
            if found is None:
                known = [m["ts"] for m in self.messages.get(channel, [])]
                raise KeyError(f"no message {ts} in {channel} (stored ts: {known})")
            return copy.deepcopy(found)

    def _find_message(self, channel: str, ts: object) -> dict[str, Any] | None:
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _next_ts(self) -> str:
        with self._lock:
            # Like Slack: the ts is the posting time (unique and increasing), so `oldest`/`latest` filters work.
            self._ts = max(self._ts + _TS_STEP, time.time_ns() // 1000)
            return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _new_message(
        self,
        channel: str,
        *,
        ts: str,
        text: str,
        blocks: Any,
        user: str,
        thread_ts: str | None,
        metadata: Any,
        from_bot: bool,
        reply_broadcast: bool = False,
        attachments: Any = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "channel": channel,
            "text": text,
            "blocks": blocks,
            "attachments": attachments,
            "user": user,
            "bot_id": self.bot_id if from_bot else None,
            "app_id": self.app_id if from_bot else None,
            "team": self.team_id,
            "thread_ts": thread_ts,
            "reply_broadcast": reply_broadcast,
            "metadata": metadata,
            "updated": 0,
        }
        self.messages[channel].append(message)
        self.messages[channel].sort(key=lambda m: _ts_key(m["ts"]))
        return message

    # -- request handling -------------------------------------------------------------------------------------------

    def _handle_http(self, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        split = urllib.parse.urlsplit(raw_path)
        method = urllib.parse.unquote(split.path).strip("/")
        content_type = headers.get("content-type", "")
        params: dict[str, Any] = _parse_form(split.query) if split.query else {}
        bad_json = False
        try:
            if "application/json" in content_type.lower():
                decoded = json.loads(body.decode("utf-8")) if body.strip() else {}
                if isinstance(decoded, dict):
                    params.update(decoded)
                else:
                    bad_json = True
            elif "multipart/form-data" in content_type.lower():
                params.update(_parse_multipart(content_type, body))
            elif body:
                params.update(_parse_form(body.decode("utf-8", "replace")))
        except ValueError:
            bad_json = True

        token: str | None = None
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        token_param = params.pop("token", None)
        if token is None and isinstance(token_param, str):
            token = token_param

        if method.startswith("webhook/"):
            return self._handle_webhook(method, params, headers, token, bad_json)
        if method.startswith("upload/"):
            return self._handle_upload(method.removeprefix("upload/"), body)

        injected = self._injected(method)  # may sleep, so never under the lock
        with self._lock:  # answer and record atomically: `calls` order == order state changes were applied
            reply = injected or self._reply_for(method, params, token, bad_json)
            self.calls.append(Call(method, params, headers, token, reply.status, reply.body))
        out_headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
        return reply.status, out_headers, json.dumps(reply.body).encode("utf-8")

    def _injected(self, method: str) -> _Reply | None:
        with self._lock:
            latency = self._latency.get(method, self._latency.get("*", 0.0))
        delay = self._take_rule(method, ("delay",))
        if delay is not None:
            latency += delay.seconds
        if latency > 0:
            time.sleep(latency)
        rule = self._take_rule(method, ("fail", "ratelimit"))
        if rule is None:
            wait = self._over_rate_limit(method)
            if wait is not None:
                return _Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})
            return None
        headers = {"Retry-After": str(rule.retry_after)} if rule.kind == "ratelimit" else {}
        return _Reply(rule.status, {"ok": False, "error": rule.error}, headers)

    def _reply_for(self, method: str, params: dict[str, Any], token: str | None, bad_json: bool) -> _Reply:
        """The answer to one API call (called with the lock held)."""
        handler = self._handlers.get(method)
        if handler is None:
            return _Reply(200, {"ok": False, "error": "unknown_method", "req_method": method})
        if token is None:
            return _Reply(200, {"ok": False, "error": "not_authed"})
        if not token.startswith(("xoxb-", "xapp-")):
            return _Reply(200, {"ok": False, "error": "invalid_auth"})
        if token.startswith("xapp-") != (method in _APP_TOKEN_METHODS):
            return _Reply(200, {"ok": False, "error": "not_allowed_token_type"})
        scope_headers = {"x-oauth-scopes": ",".join(self.scopes)} if token.startswith("xoxb-") else {}
        if bad_json:
            return _Reply(200, {"ok": False, "error": "invalid_json"}, scope_headers)
        needed = _METHOD_SCOPES.get(method)
        if token.startswith("xoxb-") and needed and not set(needed) & set(self.scopes):
            body = {"ok": False, "error": "missing_scope", "needed": needed[0], "provided": ",".join(self.scopes)}
            return _Reply(200, body, scope_headers)

        problems = self._validate(method, params)
        if problems:
            return _Reply(200, self._rejection_body(method, problems), scope_headers)
        processing = self._files_still_processing(params)
        if processing:
            # Not the bot's mistake (Slack's timing), so not a validation error: the same answer Slack gives.
            errors = [f"invalid slack file [json-pointer:{pointer}]" for pointer in processing]
            body = {"ok": False, "error": "invalid_blocks", "errors": errors}
            return _Reply(200, {**body, "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]}})
        try:
            result = handler(params)
        except _ApiError as exc:
            return _Reply(200, {"ok": False, "error": exc.error, **exc.extra}, scope_headers)
        return _Reply(200, {"ok": True, **result}, scope_headers)

    def _validate(self, method: str, params: dict[str, Any]) -> list[Problem]:
        if method.startswith("views.") and "view" in params:
            view = params["view"]
            blocks = view.get("blocks") if isinstance(view, dict) else None
            return validate_view(view) + self._slack_file_problems(blocks, "/view/blocks")
        if method in _MESSAGE_METHODS or method.startswith("webhook/") or "blocks" in params:
            return _validate_message(params) + self._slack_file_problems(params.get("blocks"), "/blocks")
        return []

    def _slack_files(self, blocks: object, pointer: str) -> Iterator[tuple[str, str | None]]:
        """(pointer, file id) of every `slack_file` in image blocks and image elements."""
        for node, kind, where in slack_limits.walk_objects(blocks, pointer):
            if kind == "image" and isinstance(node.get("slack_file"), dict):
                file_id = node["slack_file"].get("id")
                yield f"{where}/slack_file", file_id if isinstance(file_id, str) else None

    def _slack_file_problems(self, blocks: object, pointer: str) -> list[Problem]:
        """A `slack_file` must name an image the poster may use: here, one the bot uploaded and completed
        (https://docs.slack.dev/reference/block-kit/composition-objects/slack-file-object: "the user posting these
        blocks must have access to this file"; only png, jpg, jpeg and gif)."""
        problems: list[Problem] = []
        for where, file_id in self._slack_files(blocks, pointer):
            entry = self.files.get(file_id or "")
            if file_id is None:
                problems.append((where, "slack_file needs an id (the bot never uses a url)"))
            elif entry is None or not entry.get("complete") or entry.get("user") != self.bot_user_id:
                problems.append((where, "invalid slack file"))
            elif not str(entry["filename"]).lower().endswith((".png", ".jpg", ".jpeg", ".gif")):
                problems.append((where, "invalid slack file: not a png, jpg, jpeg or gif image"))
        return problems

    def _files_still_processing(self, params: dict[str, Any]) -> list[str]:
        blocks = params.get("blocks")
        if blocks is None and isinstance(params.get("view"), dict):
            blocks = params["view"].get("blocks")
        waiting = []
        for where, file_id in self._slack_files(blocks, "/blocks"):
            entry = self.files.get(file_id or "")
            if entry is not None and entry.get("processing", 0) > 0:
                entry["processing"] -= 1
                waiting.append(where)
        return waiting

    def _rejection_body(self, method: str, problems: list[Problem]) -> dict[str, Any]:
        """Slack's answer to bad Block Kit: views.* say invalid_arguments, chat.* and response_urls invalid_blocks."""
        with self._lock:
            self.validation_errors.extend(f"{method}: {pointer}: {message}" for pointer, message in problems)
        errors = [f"{message} [json-pointer:{pointer}]" for pointer, message in problems]
        messages = [f"[ERROR] {error}" for error in errors]
        if method.startswith("views."):
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": messages}}
        return {"ok": False, "error": "invalid_blocks", "errors": errors, "response_metadata": {"messages": messages}}

    def _handle_webhook(
        self, method: str, params: dict[str, Any], headers: dict[str, str], token: str | None, bad_json: bool
    ) -> tuple[int, dict[str, str], bytes]:
        if isinstance(params.get("payload"), str):  # legacy form-encoded `payload=<json>`
            try:
                params = json.loads(params["payload"])
            except ValueError:
                bad_json = True
        injected = self._injected(method)
        with self._lock:
            if injected is not None:
                status, text, response = injected.status, str(injected.body["error"]), injected.body
                extra = injected.headers
            elif bad_json or not isinstance(params, dict):
                status, text, response, extra = 400, "invalid_payload", {"ok": False, "error": "invalid_payload"}, {}
            else:
                problems = self._validate(method, params)
                if problems:
                    response = self._rejection_body(method, problems)
                    status, text, extra = 400, "invalid_blocks", {}
                elif not params.get("text") and not params.get("blocks") and not params.get("delete_original"):
                    status, text, response, extra = 400, "no_text", {"ok": False, "error": "no_text"}, {}
                else:
                    status, text, response, extra = 200, "ok", {"ok": True}, {}
            self.calls.append(Call(method, params, headers, token, status, response))
        return status, {"Content-Type": "text/html; charset=utf-8", **extra}, text.encode("utf-8")

    # -- helpers for handlers ---------------------------------------------------------------------------------------

    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        missing = [name for name in names if _is_empty(params.get(name))]
        if missing:
            messages = [f"[ERROR] missing required field: {name}" for name in missing]
            raise _ApiError("invalid_arguments", response_metadata={"messages": messages})

    @staticmethod
    def _dm_id(user_id: str) -> str:
        return f"D{user_id}"

    def _resolve_post_channel(self, params: dict[str, Any]) -> str:
        """The conversation a chat.* call goes to, applying Slack's membership rules."""
        channel = params.get("channel")
        if not isinstance(channel, str) or not channel:
            raise _ApiError("channel_not_found")
        if channel.startswith(("U", "W")):
            return self._dm_id(channel)
        info = self.channels.get(channel)
        if info is not None:
            if info["is_private"] and not info["is_member"]:
                raise _ApiError("channel_not_found")
            if info["is_archived"]:
                raise _ApiError("is_archived")
            if not info["is_member"] and "chat:write.public" not in self.scopes:
                raise _ApiError("not_in_channel")
        return channel

    def _readable_channel(self, params: dict[str, Any]) -> str:
        self._require(params, "channel")
        channel = str(params["channel"])
        info = self.channels.get(channel)
        if info is not None and not info["is_member"]:
            raise _ApiError("channel_not_found" if info["is_private"] else "not_in_channel")
        return channel

    @staticmethod
    def _check_message_args(params: dict[str, Any]) -> None:
        if _is_empty(params.get("text")) and _is_empty(params.get("blocks")) and _is_empty(params.get("attachments")):
            raise _ApiError("no_text")

    @staticmethod
    def _check_metadata(metadata: Any) -> None:
        if metadata is None:
            return
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise _ApiError("invalid_metadata_format")

    def _message_or_error(self, channel: str, ts: object) -> dict[str, Any]:
        message = self._find_message(channel, ts)
        if message is None:
            raise _ApiError("message_not_found")
        return message

    def _thread_view(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        """Public copy of a message with Slack's thread summary fields on parents."""
        out = _public(message)
        replies = [
            m for m in self.messages.get(channel, []) if m["thread_ts"] == message["ts"] and m["ts"] != message["ts"]
        ]
        if replies:
            out["thread_ts"] = message["ts"]
            out["reply_count"] = len(replies)
            out["reply_users"] = sorted({m["user"] for m in replies})
            out["reply_users_count"] = len(out["reply_users"])
            out["latest_reply"] = replies[-1]["ts"]
        return out

    # -- method handlers (called with the lock held) ----------------------------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "lunchlearn",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "ws://127.0.0.1:1/"}

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_post_channel(params)
        self._check_message_args(params)
        self._check_metadata(params.get("metadata"))
        thread_ts = params.get("thread_ts") or None
        message = self._new_message(
            channel,
            ts=self._next_ts(),
            text=str(params.get("text") or ""),
            blocks=copy.deepcopy(params.get("blocks")),
            attachments=copy.deepcopy(params.get("attachments")),
            user=self.bot_user_id,
            thread_ts=str(thread_ts) if thread_ts else None,
            metadata=copy.deepcopy(params.get("metadata")),
            reply_broadcast=bool(thread_ts) and _truthy(params.get("reply_broadcast")),
            from_bot=True,
        )
        return {"channel": channel, "ts": message["ts"], "message": _public(message)}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_post_channel(params)
        message = self._message_or_error(channel, params.get("ts"))
        if message["bot_id"] != self.bot_id:
            raise _ApiError("cant_update_message")
        self._check_metadata(params.get("metadata"))
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = copy.deepcopy(params[key])
        message["updated"] += 1
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {"channel": channel, "ts": message["ts"], "text": message["text"], "message": _public(message)}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_post_channel(params)
        user = params.get("user")
        if not isinstance(user, str) or not user:
            raise _ApiError("user_not_found")
        self._check_message_args(params)
        ts = self._next_ts()
        self.ephemeral.append(
            {
                "channel": channel,
                "user": user,
                "ts": ts,
                "text": params.get("text"),
                "blocks": copy.deepcopy(params.get("blocks")),
                "thread_ts": params.get("thread_ts"),
            }
        )
        return {"message_ts": ts}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_post_channel(params)
        message = self._message_or_error(channel, params.get("ts"))
        if message["bot_id"] != self.bot_id:
            raise _ApiError("cant_delete_message")
        self.messages[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "message_ts")
        channel, ts = str(params["channel"]), str(params["message_ts"])
        if channel.startswith(("U", "W")):
            channel = self._dm_id(channel)
        self._message_or_error(channel, ts)
        return {"channel": channel, "permalink": f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def _conversation(self, channel_id: str) -> dict[str, Any]:
        if channel_id.startswith("D"):
            user = channel_id[1:] if channel_id[1:2] in ("U", "W") else None
            return {"id": channel_id, "is_im": True, "is_channel": False, "is_mpim": False, "user": user}
        info = self.channels.get(channel_id)
        if info is None or (info["is_private"] and not info["is_member"]):
            raise _ApiError("channel_not_found")
        return {
            "id": channel_id,
            "name": info["name"],
            "name_normalized": info["name"],
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": info["is_private"],
            "is_member": info["is_member"],
            "is_archived": info["is_archived"],
            "is_general": False,
            "is_ext_shared": False,
            "context_team_id": self.team_id,
        }

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        return {"channel": self._conversation(str(params["channel"]))}

    def set_members(self, channel_id: str, members: Iterable[str]) -> None:
        """Replace a channel's members (someone joined or left)."""
        with self._lock:
            info = self.channels[channel_id]
            people = list(dict.fromkeys(members))
            if info["is_member"] and self.bot_user_id not in people:
                people.append(self.bot_user_id)
            info["members"] = people

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """Like Slack: `limit` (default 100, at most 1,000) per page, an opaque `cursor` (bad one: invalid_cursor)."""
        self._require(params, "channel")
        channel_id = str(params["channel"])
        if channel_id.startswith("D"):
            user = channel_id[1:]
            people = [user, self.bot_user_id]
        else:
            self._conversation(channel_id)  # channel_not_found for a private channel the bot is not in
            people = list(self.channels[channel_id]["members"]) if channel_id in self.channels else []
        try:
            limit = int(params.get("limit") or 100)
        except (TypeError, ValueError):
            raise _ApiError("invalid_limit") from None
        limit = max(1, min(limit, 1000))
        raw_cursor = str(params.get("cursor") or "")
        offset = 0
        if raw_cursor:
            if not raw_cursor.startswith("dXNlcj") or not raw_cursor[6:].isdigit():
                raise _ApiError("invalid_cursor")
            offset = int(raw_cursor[6:])
        page = people[offset : offset + limit]
        more = offset + limit < len(people)
        return {"members": page, "response_metadata": {"next_cursor": f"dXNlcj{offset + limit}" if more else ""}}

    def _conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel_id = str(params["channel"])
        info = self.channels.get(channel_id)
        if channel_id.startswith("D"):
            raise _ApiError("method_not_supported_for_channel_type")
        if info is None or (info["is_private"] and not info["is_member"]):
            raise _ApiError("channel_not_found")
        if info["is_private"]:
            raise _ApiError("method_not_supported_for_channel_type")
        if info["is_archived"]:
            raise _ApiError("is_archived")
        extra: dict[str, Any] = {"warning": "already_in_channel"} if info["is_member"] else {}
        info["is_member"] = True
        if self.bot_user_id not in info["members"]:
            info["members"].append(self.bot_user_id)
        return {"channel": self._conversation(channel_id), **extra}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not _is_empty(params.get("channel")):
            return {"channel": {"id": str(params["channel"])}, "no_op": True, "already_open": True}
        raw = params.get("users")
        users = [u.strip() for u in (raw if isinstance(raw, list) else str(raw or "").split(",")) if u.strip()]
        if not users:
            raise _ApiError("users_list_not_supplied")
        if any(not u.startswith(("U", "W")) for u in users):
            raise _ApiError("user_not_found")
        channel_id = self._dm_id(users[0]) if len(users) == 1 else "G" + "".join(sorted(users))
        already = channel_id in self._open_dms
        self._open_dms.add(channel_id)
        return {"channel": {"id": channel_id}, "no_op": already, "already_open": already}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(params)
        inclusive = _truthy(params.get("inclusive"))
        oldest = _ts_key(params.get("oldest") or "0")
        latest = _ts_key(params["latest"]) if params.get("latest") else None
        limit = max(1, min(int(params.get("limit") or 100), 999))
        offset = int(params.get("cursor") or 0) if str(params.get("cursor") or "0").isdigit() else 0

        def in_range(ts: Decimal) -> bool:
            above = ts >= oldest if inclusive else ts > oldest
            below = latest is None or (ts <= latest if inclusive else ts < latest)
            return above and below

        top_level = [
            m
            for m in self.messages.get(channel, [])
            if (m["thread_ts"] in (None, m["ts"]) or m["reply_broadcast"]) and in_range(_ts_key(m["ts"]))
        ]
        top_level.reverse()  # newest first
        page = top_level[offset : offset + limit]
        include_metadata = _truthy(params.get("include_all_metadata"))
        out = []
        for message in page:
            shown = self._thread_view(channel, message)
            if not include_metadata:
                shown.pop("metadata", None)
            out.append(shown)
        has_more = offset + limit < len(top_level)
        return {
            "messages": out,
            "has_more": has_more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": str(offset + limit) if has_more else ""},
        }

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(params)
        self._require(params, "ts")
        message = self._find_message(channel, str(params["ts"]))
        if message is None:
            raise _ApiError("thread_not_found")
        root_ts = message["thread_ts"] or message["ts"]
        root = self._find_message(channel, root_ts)
        if root is None:
            raise _ApiError("thread_not_found")
        replies = [m for m in self.messages.get(channel, []) if m["thread_ts"] == root_ts and m["ts"] != root_ts]
        limit = max(1, min(int(params.get("limit") or 1000), 1000))
        include_metadata = _truthy(params.get("include_all_metadata"))
        thread = [self._thread_view(channel, root)] + [_public(m) for m in replies]
        for shown in thread:
            if not include_metadata:
                shown.pop("metadata", None)
        return {"messages": thread[:limit], "has_more": len(thread) > limit}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "user")
        user = self.users.get(str(params["user"]))
        if user is None:
            raise _ApiError("user_not_found")
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        tz_offset = user["tz_offset"] if user["tz_offset"] is not None else int(offset.total_seconds() if offset else 0)
        profile: dict[str, Any] = {
            "real_name": user["name"],
            "real_name_normalized": user["name"],
            "display_name": user["name"],
            "display_name_normalized": user["name"],
            "team": user["team_id"],
        }
        if user["email"] and "users:read.email" in self.scopes:
            profile["email"] = user["email"]
        info: dict[str, Any] = {
            "id": user["id"],
            "team_id": user["team_id"],
            "name": user["name"],
            "real_name": user["name"],
            "deleted": False,
            "tz": user["tz"],
            "tz_label": now.tzname() or user["tz"],
            "tz_offset": tz_offset,
            "is_admin": user["is_admin"],
            "is_owner": user["is_owner"],
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user["is_bot"],
            "is_app_user": False,
            "profile": profile,
        }
        if _truthy(params.get("include_locale")):
            info["locale"] = user["locale"]
        return {"user": info}

    # views

    def _store_view(
        self, view: dict[str, Any], *, view_id: str | None = None, root: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        if view_id is None:
            self._view_seq += 1
            view_id = f"V{self._view_seq}"
        self._hash_seq += 1
        stored = {
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "callback_id": "",
            "external_id": "",
            "private_metadata": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": previous,
            "root_view_id": root or view_id,
            **copy.deepcopy(view),
            "id": view_id,
            "hash": f"1700000000.{self._hash_seq:08d}",
        }
        self.views[view_id] = stored
        return copy.deepcopy(stored)

    def _check_external_id(self, view: dict[str, Any], own_id: str | None = None) -> None:
        external_id = view.get("external_id")
        if external_id and any(v["external_id"] == external_id and v["id"] != own_id for v in self.views.values()):
            raise _ApiError("duplicate_external_id")

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "trigger_id", "view")
        view = params["view"]
        self._check_external_id(view)
        return {"view": self._store_view(view)}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "trigger_id", "view")
        view = params["view"]
        self._check_external_id(view)
        return {"view": self._store_view(view)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "view")
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if _is_empty(view_id) and _is_empty(external_id):
            raise _ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] view_id or external_id is required"]}
            )
        existing = next(
            (v for v in self.views.values() if v["id"] == view_id or (external_id and v["external_id"] == external_id)),
            None,
        )
        if existing is None:
            raise _ApiError("not_found")
        if params.get("hash") and params["hash"] != existing["hash"]:
            raise _ApiError("hash_conflict")
        view = dict(params["view"])
        view.setdefault("external_id", existing["external_id"])  # an update keeps the view's external_id
        self._check_external_id(view, existing["id"])
        stored = self._store_view(
            view, view_id=existing["id"], root=existing["root_view_id"], previous=existing["previous_view_id"]
        )
        return {"view": stored}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "user_id", "view")
        view, user_id = params["view"], str(params["user_id"])
        if view.get("type") != "home":
            raise _ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] view type must be home"]})
        existing = self._home_views.get(user_id)
        if existing is not None and params.get("hash") and params["hash"] != self.views[existing]["hash"]:
            raise _ApiError("hash_conflict")
        stored = self._store_view(view, view_id=existing)
        self._home_views[user_id] = stored["id"]
        return {"view": stored}

    # reactions

    def _reaction_target(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "timestamp")
        channel = str(params["channel"])
        return self._message_or_error(
            self._dm_id(channel) if channel.startswith(("U", "W")) else channel, params["timestamp"]
        )

    @staticmethod
    def _reaction_name(params: dict[str, Any]) -> str:
        name = params.get("name")
        if not isinstance(name, str) or not name or ":" in name or " " in name:
            raise _ApiError("invalid_name")
        return name

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._reaction_target(params)
        name = self._reaction_name(params)
        reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise _ApiError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] = len(reaction["users"])
        return {}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._reaction_target(params)
        name = self._reaction_name(params)
        reactions: list[dict[str, Any]] = message.get("reactions") or []
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None or self.bot_user_id not in reaction["users"]:
            raise _ApiError("no_reaction")
        reaction["users"].remove(self.bot_user_id)
        reaction["count"] = len(reaction["users"])
        if not reaction["users"]:
            reactions.remove(reaction)
        if not reactions:
            message.pop("reactions", None)
        return {}

    def _reactions_get(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._reaction_target(params)
        return {"type": "message", "channel": message["channel"], "message": _public(message)}

    # files (files_upload_v2: getUploadURLExternal, POST the bytes, completeUploadExternal)

    def _files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "filename", "length")
        self._file_seq += 1
        file_id = f"F{self._file_seq:06d}"
        self.files[file_id] = {
            "filename": str(params["filename"]),
            "title": None,
            "length": int(params["length"]),
            "data": None,
            "channel": None,
            "thread_ts": None,
            "user": self.bot_user_id,
            "complete": False,
            "processing": 0,
        }
        return {"upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}

    def _handle_upload(self, file_id: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            entry = self.files.get(file_id)
            status = 200 if entry is not None and entry["data"] is None else 404
            if entry is not None and status == 200:
                entry["data"] = body
            self.calls.append(Call("upload", {"file_id": file_id, "bytes": len(body)}, {}, None, status, {}))
        text = f"OK - {len(body)}" if status == 200 else "not_found"
        return status, {"Content-Type": "text/plain"}, text.encode()

    def _files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "files")
        raw = params["files"]
        items = json.loads(raw) if isinstance(raw, str) else raw
        out = []
        for item in items:
            entry = self.files.get(str(item.get("id")))
            if entry is None or entry["data"] is None:
                raise _ApiError("file_not_found")
            if len(entry["data"]) != entry["length"]:
                raise _ApiError("file_upload_size_mismatch")
            entry["title"] = item.get("title") or entry["filename"]
            entry["complete"] = True
            entry["processing"] = self.file_processing_uses
            channel = params.get("channel_id") or None
            if channel:
                channel = self._dm_id(str(channel)) if str(channel).startswith(("U", "W")) else str(channel)
            entry["channel"] = channel
            entry["thread_ts"] = params.get("thread_ts") or None
            out.append({"id": item["id"], "name": entry["filename"], "title": entry["title"]})
        if channel and out:
            # Like Slack: sharing files posts a file_share message from the app (in the thread, if one is given).
            with self._lock:
                message = self._new_message(
                    channel,
                    ts=self._next_ts(),
                    text=str(params.get("initial_comment") or ""),
                    blocks=None,
                    user=self.bot_user_id,
                    thread_ts=params.get("thread_ts") or None,
                    metadata=None,
                    from_bot=True,
                )
                message["subtype"] = "file_share"
                message["files"] = copy.deepcopy(out)
        return {"files": out}
