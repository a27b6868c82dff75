"""A fake Google: OAuth token endpoint, YouTube Live (liveBroadcasts, liveStreams) and Calendar events, served over
real HTTP on 127.0.0.1, so the bot's real googleapiclient and google-auth code runs against it.

Usage::

    with FakeGoogle() as google:
        creds_file = google.write_authorized_user(tmp_path / "google.json")   # token_uri -> this fake
        settings = Settings(GOOGLE_CREDENTIALS_FILE=creds_file, GOOGLE_API_ROOT_URL=google.base_url, ...)
        ...exercise the bot...
        [insert] = google.calls("liveBroadcasts.insert")          # every request recorded with its JSON body
        assert insert.body["status"]["privacyStatus"] == "unlisted"
        google.fail_next("liveBroadcasts.insert", "quota")          # failure injection, consumed in order
        google.fail_next("events.insert", "server", after=True)     # do it, then answer 500 (a lost response)
        google.reject_refresh = "invalid_grant"                     # the token endpoint refuses refreshes

Failure kinds: quota (403 quotaExceeded), disabled (403 accessNotConfigured / SERVICE_DISABLED), unauthorized
(401 authError), forbidden (403 forbidden), live_disabled (403 liveStreamingNotEnabled), server (500),
unavailable (503), rate (429 rateLimitExceeded), hostile (400 with markup in the message), network (connection
closed without an answer).

Behaviour worth knowing:
* API calls need ``Authorization: Bearer <a token this fake issued>``; ``expire_tokens()`` invalidates them all.
* Meet conferences start ``pending`` and turn ``success`` after ``meet_pending_gets`` events.get calls; a reused
  requestId returns the same conference. An events.insert with an existing event id answers 409 duplicate.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast

CLIENT_ID = "fake-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-client-secret"
REFRESH_TOKEN = "1//fake-refresh-token"
PRIVACY = {"public", "unlisted", "private"}


@dataclass
class GoogleCall:
    op: str  # e.g. "liveBroadcasts.insert", "events.patch", "token"
    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON (or the form dict for the token endpoint)
    headers: dict[str, str]
    status: int = 0
    response: Any = None


@dataclass
class _Rule:
    op: str
    kind: str
    remaining: int
    after: bool


@dataclass
class _Conference:
    id: str
    request_id: str
    gets_left: int
    link: str


@dataclass
class _Event:
    calendar: str
    body: dict[str, Any]
    conference: _Conference | None = None
    deleted: bool = False


@dataclass
class _State:
    broadcasts: dict[str, dict[str, Any]] = field(default_factory=dict)
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[tuple[str, str], _Event] = field(default_factory=dict)
    conferences: dict[str, _Conference] = field(default_factory=dict)


def _error(status: int, reason: str, message: str, *, domain: str = "global", grpc: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": grpc,
        }
    }
    return body


FAILURES: dict[str, tuple[int, dict[str, Any]]] = {
    "quota": (
        403,
        _error(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota.",
            domain="youtube.quota",
            grpc="PERMISSION_DENIED",
        ),
    ),
    "disabled": (
        403,
        {
            "error": {
                "code": 403,
                "message": "API has not been used in project 123456 before or it is disabled. Enable it by visiting "
                "https://console.developers.google.com/apis/api/youtube.googleapis.com/overview?project=123456",
                "errors": [{"message": "disabled", "domain": "usageLimits", "reason": "accessNotConfigured"}],
                "status": "PERMISSION_DENIED",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}],
            }
        },
    ),
    "unauthorized": (
        401,
        _error(401, "authError", "Request had invalid authentication credentials.", grpc="UNAUTHENTICATED"),
    ),
    "forbidden": (403, _error(403, "forbidden", "The caller does not have permission", grpc="PERMISSION_DENIED")),
    "live_disabled": (
        403,
        _error(
            403,
            "liveStreamingNotEnabled",
            "The user is not enabled for live streaming.",
            domain="youtube.liveBroadcast",
        ),
    ),
    "server": (500, _error(500, "backendError", "Backend Error", grpc="INTERNAL")),
    "unavailable": (503, _error(503, "backendError", "The service is currently unavailable.", grpc="UNAVAILABLE")),
    "rate": (429, _error(429, "rateLimitExceeded", "Rate Limit Exceeded", grpc="RESOURCE_EXHAUSTED")),
    # Google's error text is external input too: markup in it must not ping or link when the bot quotes it.
    "hostile": (
        400,
        _error(400, "invalidValue", "<!channel> Invalid title <https://evil.example|fix it here> &lt;!here&gt;"),
    ),
}


def _rfc3339(raw: object) -> datetime:
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", raw):
        raise ValueError(f"not an RFC 3339 date-time: {raw!r}")
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


class _BadRequest(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _bad(message: str, reason: str = "invalid") -> _BadRequest:
    return _BadRequest(400, _error(400, reason, message, grpc="INVALID_ARGUMENT"))


class FakeGoogle:
    def __init__(self) -> None:
        self.base_url = ""
        self.token_url = ""
        self._calls: list[GoogleCall] = []
        self._rules: list[_Rule] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.state = _State()
        self.tokens: set[str] = set()
        self.reject_refresh: str | None = None  # e.g. "invalid_grant": the token endpoint answers 400
        self.meet_pending_gets = 1
        self.meet_final_status = "success"
        self.jwt_claims: list[dict[str, Any]] = []  # service-account assertions received
        self.auth_codes: dict[str, str] = {}  # authorization code -> refresh token (login flow)
        self.login_scope = "https://www.googleapis.com/auth/youtube"  # scope granted by the code exchange
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Live chat (questions bridge): live chat id -> pages of messages, served in order by page token.
        self.chat_pages: dict[str, list[list[dict[str, Any]]]] = {}
        self.chat_polling_ms = 2000
        self.chat_ended: set[str] = set()

    # lifecycle -----------------------------------------------------------------------------------------------------

    def start(self) -> FakeGoogle:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        self.token_url = self.base_url + "token"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # credentials files ---------------------------------------------------------------------------------------------

    def write_authorized_user(self, path: Path, *, scopes: list[str] | None = None) -> Path:
        info = {
            "type": "authorized_user",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
            "token_uri": self.token_url,
            "scopes": scopes
            or ["https://www.googleapis.com/auth/youtube", "https://www.googleapis.com/auth/calendar.events"],
        }
        path.write_text(json.dumps(info), encoding="utf-8")
        return path

    def write_service_account(self, path: Path) -> Path:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        info = {
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "lunchlearn@fake-project.iam.gserviceaccount.com",
            "client_id": "1234567890",
            "token_uri": self.token_url,
        }
        path.write_text(json.dumps(info), encoding="utf-8")
        return path

    # failure injection and inspection ------------------------------------------------------------------------------

    def fail_next(self, op: str, kind: str, *, times: int = 1, after: bool = False) -> None:
        """The next `times` requests of `op` ("*" = any API op) fail with `kind` (see module docstring);
        `after`: the request is carried out first (its answer is lost)."""
        assert kind in FAILURES or kind == "network", kind
        with self._lock:
            self._rules.append(_Rule(op, kind, times, after))

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def calls(self, op: str | None = None) -> list[GoogleCall]:
        with self._lock:
            return [c for c in self._calls if op is None or c.op == op]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, op: str, count: int = 1, timeout: float = 10.0) -> list[GoogleCall]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(op)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                ops = [f"{c.op} -> {c.status}" for c in self.calls()]
                raise AssertionError(f"expected {count} {op} call(s), got {len(found)}; calls: {ops}")
            time.sleep(0.02)

    def live_broadcasts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(b) for b in self.state.broadcasts.values()]

    def live_streams(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(s) for s in self.state.streams.values()]

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e.body) for e in self.state.events.values() if not e.deleted]

    def set_broadcast_state(self, broadcast_id: str, state: str) -> None:
        with self._lock:
            self.state.broadcasts[broadcast_id]["status"]["lifeCycleStatus"] = state

    # dispatch ------------------------------------------------------------------------------------------------------

    def _take_rule(self, op: str) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.op == op or (rule.op == "*" and op != "token"):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                    return rule
        return None

    def _handle(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any] | None:
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        op, route = self._route(method, path)
        if op == "token":
            body: Any = {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
        call = GoogleCall(op, method, path, query, body, headers)
        with self._lock:
            self._calls.append(call)
        rule = self._take_rule(op)
        if rule is not None and rule.kind == "network":
            call.status = -1
            return None  # the handler closes the connection without answering
        if rule is not None and not rule.after:
            call.status, call.response = FAILURES[rule.kind]
            return call.status, call.response
        if op == "token":
            status, response = self._token(body)
        elif op == "unknown":
            status, response = 404, _error(404, "notFound", f"no such path {method} {path}")
        elif not self._authorized(headers):
            status, response = FAILURES["unauthorized"]
        else:
            try:
                with self._lock:
                    status, response = route(query, body)
            except _BadRequest as exc:
                status, response = exc.status, exc.body
        if rule is not None:  # after=True: done, but the caller sees an error
            status, response = FAILURES[rule.kind]
        call.status, call.response = status, response
        return status, response

    def _authorized(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        with self._lock:
            return auth.startswith("Bearer ") and auth[7:] in self.tokens

    def _route(self, method: str, path: str) -> tuple[str, Any]:
        if path == "/token":
            return "token", None
        if path == "/youtube/v3/liveChat/messages" and method == "GET":
            return "liveChatMessages.list", self._chat_list
        yt = re.fullmatch(r"/youtube/v3/(liveBroadcasts|liveStreams)(?:/(bind|transition))?", path)
        if yt:
            resource, verb = yt.group(1), yt.group(2)
            if verb:
                return f"{resource}.{verb}", getattr(self, f"_yt_{verb}")
            name = {"GET": "list", "POST": "insert", "PUT": "update", "DELETE": "delete"}.get(method)
            if name:
                return f"{resource}.{name}", partial_method(self, f"_yt_{name}", resource)
        cal = re.fullmatch(r"/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?", path)
        if cal:
            calendar = urllib.parse.unquote(cal.group(1))
            event_id = urllib.parse.unquote(cal.group(2)) if cal.group(2) else None
            if event_id is None:
                name = {"GET": "list", "POST": "insert"}.get(method)
            else:
                name = {"GET": "get", "PATCH": "patch", "PUT": "update", "DELETE": "delete"}.get(method)
            if name:
                return f"events.{name}", partial_method(self, f"_ev_{name}", calendar, event_id)
        return "unknown", None

    # OAuth ---------------------------------------------------------------------------------------------------------

    def _issue(self) -> dict[str, Any]:
        token = f"ya29.fake-{next(self._ids)}"
        with self._lock:
            self.tokens.add(token)
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _token(self, form: dict[str, str]) -> tuple[int, Any]:
        grant = form.get("grant_type")
        if self.reject_refresh:
            return 400, {"error": self.reject_refresh, "error_description": "Token has been expired or revoked."}
        if grant == "refresh_token":
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
            if form.get("refresh_token") not in ({REFRESH_TOKEN} | set(self.auth_codes.values())):
                return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
            return 200, self._issue()
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            payload = form.get("assertion", "").split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            with self._lock:
                self.jwt_claims.append(claims)
            return 200, self._issue()
        if grant == "authorization_code":
            code = form.get("code", "")
            if code not in self.auth_codes:
                return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
            return 200, {**self._issue(), "refresh_token": self.auth_codes[code], "scope": self.login_scope}
        return 400, {"error": "unsupported_grant_type"}

    # YouTube -------------------------------------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def _yt_insert(self, resource: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if not query.get("part"):
            raise _bad("part is required", "required")
        if not isinstance(body, dict):
            raise _bad("body required", "required")
        snippet = body.get("snippet") or {}
        if not snippet.get("title"):
            raise _bad("title is required", "titleRequired")
        if resource == "liveBroadcasts":
            _rfc3339(snippet.get("scheduledStartTime"))
            if snippet.get("scheduledEndTime"):
                _rfc3339(snippet["scheduledEndTime"])
            privacy = (body.get("status") or {}).get("privacyStatus")
            if privacy not in PRIVACY:
                raise _bad(f"invalid privacyStatus {privacy!r}", "invalidPrivacyStatus")
            item = {
                "kind": "youtube#liveBroadcast",
                "id": self._new_id("bc"),
                "snippet": dict(snippet),
                "status": {"privacyStatus": privacy, "lifeCycleStatus": "created"},
                "contentDetails": dict(body.get("contentDetails") or {}),
            }
            self.state.broadcasts[item["id"]] = item
            return 200, item
        cdn = body.get("cdn") or {}
        if cdn.get("ingestionType") != "rtmp":
            raise _bad("only rtmp in this fake", "invalidIngestionType")
        stream_id = self._new_id("st")
        item = {
            "kind": "youtube#liveStream",
            "id": stream_id,
            "snippet": dict(snippet),
            "cdn": {
                **cdn,
                "ingestionInfo": {
                    "streamName": f"sk-{stream_id}-SECRET",
                    "ingestionAddress": "rtmp://a.rtmp.youtube.com/live2",
                    "backupIngestionAddress": "rtmp://b.rtmp.youtube.com/live2?backup=1",
                },
            },
            "status": {"streamStatus": "ready"},
        }
        self.state.streams[stream_id] = item
        return 200, item

    def _yt_list(self, resource: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        store = self.state.broadcasts if resource == "liveBroadcasts" else self.state.streams
        items = list(store.values())
        if query.get("id"):
            wanted = set(query["id"].split(","))
            items = [i for i in items if i["id"] in wanted]
        elif query.get("broadcastStatus") == "upcoming":
            items = [i for i in items if i["status"]["lifeCycleStatus"] in ("created", "ready")]
        elif query.get("mine") != "true" and not query.get("broadcastStatus"):
            raise _bad("one filter (id, mine, broadcastStatus) is required", "incompatibleParameters")
        return 200, {"kind": f"youtube#{resource[:-1]}ListResponse", "items": items[: int(query.get("maxResults", 5))]}

    def _yt_update(self, resource: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        item = self.state.broadcasts.get((body or {}).get("id", ""))
        if item is None:
            return 404, _error(404, "liveBroadcastNotFound", "Broadcast not found")
        snippet = body.get("snippet") or {}
        _rfc3339(snippet.get("scheduledStartTime"))
        item["snippet"] = dict(snippet)
        return 200, item

    def _yt_delete(self, resource: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        store = self.state.broadcasts if resource == "liveBroadcasts" else self.state.streams
        if store.pop(query.get("id", ""), None) is None:
            return 404, _error(404, f"{resource[:-1]}NotFound", "Not found")
        return 204, None

    def _yt_bind(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        broadcast = self.state.broadcasts.get(query.get("id", ""))
        if broadcast is None:
            return 404, _error(404, "liveBroadcastNotFound", "Broadcast not found")
        if query.get("streamId") not in self.state.streams:
            return 404, _error(404, "liveStreamNotFound", "Stream not found")
        broadcast["contentDetails"]["boundStreamId"] = query["streamId"]
        broadcast["status"]["lifeCycleStatus"] = "ready"
        return 200, broadcast

    def _yt_transition(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        broadcast = self.state.broadcasts.get(query.get("id", ""))
        if broadcast is None:
            return 404, _error(404, "liveBroadcastNotFound", "Broadcast not found")
        broadcast["status"]["lifeCycleStatus"] = query.get("broadcastStatus", "")
        return 200, broadcast

    # Calendar ------------------------------------------------------------------------------------------------------

    def _event_out(self, event: _Event) -> dict[str, Any]:
        out = dict(event.body)
        if event.conference is not None:
            conf = event.conference
            status = "pending" if conf.gets_left > 0 else self.meet_final_status
            data: dict[str, Any] = {
                "createRequest": {
                    "requestId": conf.request_id,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                    "status": {"statusCode": status},
                }
            }
            if status == "success":
                data["conferenceId"] = conf.id
                data["entryPoints"] = [{"entryPointType": "video", "uri": conf.link}]
                out["hangoutLink"] = conf.link
            out["conferenceData"] = data
        return out

    def _ev_insert(self, calendar: str, event_id: str | None, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            raise _bad("body required", "required")
        for key in ("start", "end"):
            _rfc3339((body.get(key) or {}).get("dateTime"))
        new_id = body.get("id") or self._new_id("ev")
        if not re.fullmatch(r"[a-v0-9]{5,1024}", new_id):
            raise _bad("Invalid resource id value.", "invalid")
        if (calendar, new_id) in self.state.events:
            return 409, _error(409, "duplicate", "The requested identifier already exists.")
        stored = {k: v for k, v in body.items() if k != "conferenceData"}
        stored["id"] = new_id
        event = _Event(calendar=calendar, body=stored)
        request = ((body.get("conferenceData") or {}).get("createRequest")) or {}
        if request and query.get("conferenceDataVersion") == "1":
            request_id = str(request.get("requestId"))
            conf = self.state.conferences.get(request_id)
            if conf is None:
                n = next(self._ids)
                conf = _Conference(
                    id=f"abc-{n:04d}-xyz",
                    request_id=request_id,
                    gets_left=self.meet_pending_gets,
                    link=f"https://meet.google.com/abc-{n:04d}-xyz",
                )
                self.state.conferences[request_id] = conf
            event.conference = conf
        self.state.events[(calendar, new_id)] = event
        return 200, self._event_out(event)

    def _event(self, calendar: str, event_id: str | None) -> _Event | None:
        event = self.state.events.get((calendar, event_id or ""))
        return None if event is None or event.deleted else event

    def _ev_get(self, calendar: str, event_id: str | None, query: dict[str, str], body: Any) -> tuple[int, Any]:
        event = self._event(calendar, event_id)
        if event is None:
            return 404, _error(404, "notFound", "Not Found")
        if event.conference is not None and event.conference.gets_left > 0:
            event.conference.gets_left -= 1
        return 200, self._event_out(event)

    def _ev_patch(self, calendar: str, event_id: str | None, query: dict[str, str], body: Any) -> tuple[int, Any]:
        event = self._event(calendar, event_id)
        if event is None:
            return 404, _error(404, "notFound", "Not Found")
        for key in ("start", "end"):
            if key in (body or {}):
                _rfc3339(body[key].get("dateTime"))
        event.body.update({k: v for k, v in (body or {}).items() if k != "conferenceData"})
        return 200, self._event_out(event)

    _ev_update = _ev_patch

    def _ev_delete(self, calendar: str, event_id: str | None, query: dict[str, str], body: Any) -> tuple[int, Any]:
        event = self.state.events.get((calendar, event_id or ""))
        if event is None:
            return 404, _error(404, "notFound", "Not Found")
        if event.deleted:
            return 410, _error(410, "deleted", "Resource has been deleted")
        event.deleted = True
        return 204, None

    def _ev_list(self, calendar: str, event_id: str | None, query: dict[str, str], body: Any) -> tuple[int, Any]:
        items = [self._event_out(e) for (cal, _), e in self.state.events.items() if cal == calendar and not e.deleted]
        return 200, {"kind": "calendar#events", "items": items[: int(query.get("maxResults", 250))]}

    # Live chat (questions bridge) ------------------------------------------------------------------------------------

    def add_live_broadcast(self, broadcast_id: str, live_chat_id: str) -> None:
        """A broadcast that is live, with its chat (what liveBroadcasts.list returns in snippet.liveChatId)."""
        with self._lock:
            self.state.broadcasts[broadcast_id] = {
                "kind": "youtube#liveBroadcast",
                "id": broadcast_id,
                "snippet": {"title": "live", "liveChatId": live_chat_id},
                "status": {"privacyStatus": "unlisted", "lifeCycleStatus": "live"},
                "contentDetails": {},
            }
            self.chat_pages.setdefault(live_chat_id, [])

    def add_chat_page(self, live_chat_id: str, messages: list[tuple[str, str, str]]) -> None:
        """Messages (id, author display name, text) that the next poll past the current page returns."""
        items = [
            {
                "kind": "youtube#liveChatMessage",
                "id": message_id,
                "snippet": {
                    "type": "textMessageEvent",
                    "liveChatId": live_chat_id,
                    "displayMessage": text,
                    "textMessageDetails": {"messageText": text},
                },
                "authorDetails": {"channelId": f"UC-{name}", "displayName": name},
            }
            for message_id, name, text in messages
        ]
        with self._lock:
            self.chat_pages.setdefault(live_chat_id, []).append(items)

    def _chat_list(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        chat_id = query.get("liveChatId", "")
        if not query.get("part"):
            raise _bad("part is required", "required")
        if chat_id in self.chat_ended:
            return 403, _error(403, "liveChatEnded", "The live chat is no longer live.")
        pages = self.chat_pages.get(chat_id)
        if pages is None:
            return 404, _error(
                404, "liveChatNotFound", "The live chat that you are trying to retrieve cannot be found."
            )
        token = query.get("pageToken") or "p0"
        index = int(token[1:]) if token[1:].isdigit() else 0
        items = pages[index] if index < len(pages) else []
        next_index = index + 1 if index < len(pages) else index
        return 200, {
            "kind": "youtube#liveChatMessageListResponse",
            "pollingIntervalMillis": self.chat_polling_ms,
            "nextPageToken": f"p{next_index}",
            "items": items,
        }


def partial_method(fake: FakeGoogle, name: str, *bound: Any) -> Any:
    method = getattr(fake, name)
    return lambda query, body: method(*bound, query, body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake = cast(FakeGoogle, self.server.fake)  # type: ignore[attr-defined]
        result = fake._handle(self.command, self.path, headers, raw)
        if result is None:
            self.close_connection = True
            return
        status, body = result
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
