"""Google access: credentials from GOOGLE_CREDENTIALS_FILE, API clients built from the shipped discovery documents,
retries, and one error type that says what went wrong in terms an organiser can act on.

Two credential types (see docs/google.md):
- ``authorized_user`` (from ``lunchlearn google login``): a YouTube channel owner or a calendar owner. google-auth's
  ``from_authorized_user_file`` replaces the file's ``token_uri`` with Google's; we build the credentials ourselves
  so a private token endpoint (or the tests' fake) is honoured.
- ``service_account`` with domain-wide delegation: Calendar only (YouTube channels cannot be owned by service
  accounts); GOOGLE_IMPERSONATE_USER is the subject whose calendar gets the events.
"""

from __future__ import annotations

import enum
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from bot.config import Settings

# The Google client libraries (googleapiclient, google-auth, httplib2: some 15 MB resident) are imported where they
# are used, so a bot without Google streams, or before its first Google call, never loads them.
if TYPE_CHECKING:
    from google.auth.credentials import Credentials as BaseCredentials
    from googleapiclient.errors import HttpError

logger = logging.getLogger(__name__)

SCOPE_YOUTUBE = "https://www.googleapis.com/auth/youtube"
SCOPE_CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
# Scopes that also cover what we need (a file may have been made with the broader ones).
YOUTUBE_SCOPES = frozenset({SCOPE_YOUTUBE, "https://www.googleapis.com/auth/youtube.force-ssl"})
CALENDAR_SCOPES = frozenset({SCOPE_CALENDAR_EVENTS, "https://www.googleapis.com/auth/calendar"})
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


class Problem(enum.StrEnum):
    """What went wrong, coarse enough to explain and fix (each has an i18n text under streams.problem.*)."""

    CONFIG = "config"  # no or unreadable credentials file
    AUTH = "auth"  # refresh refused: revoked, expired or wrong client
    SCOPES = "scopes"  # the token lacks a scope
    API_DISABLED = "api_disabled"  # API not enabled in the Cloud project
    QUOTA = "quota"  # daily quota exhausted
    LIVE_NOT_ENABLED = "live_not_enabled"  # YouTube channel cannot live stream yet
    UNSUPPORTED = "unsupported"  # e.g. YouTube with a service account
    PERMISSION = "permission"  # other 403: calendar not writable, delegation not granted...
    RATE_LIMITED = "rate_limited"  # 429 / rate-limit 403 that outlived the retries
    SERVER = "server"  # 5xx that outlived the retries
    NETWORK = "network"  # DNS, refused connection, timeout
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID = "invalid"  # 400: Google refused the request as built
    MEET_FAILED = "meet_failed"  # the conference request ended in "failure" or never completed


RETRYABLE = frozenset({Problem.RATE_LIMITED, Problem.SERVER, Problem.NETWORK})


class GoogleApiError(Exception):
    """A Google call that failed; `detail` is short and safe to log and show (never a token or a stream key)."""

    def __init__(self, problem: Problem, detail: str, *, status: int | None = None, reason: str | None = None) -> None:
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem
        self.detail = detail[:200]
        self.status = status
        self.reason = reason

    @property
    def retryable(self) -> bool:
        return self.problem in RETRYABLE


# Errors ------------------------------------------------------------------------------------------------------------

_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg", "RATE_LIMIT_EXCEEDED_QUOTA"}
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "userRequestsExceedRateLimit"}
_LIVE_REASONS = {"liveStreamingNotEnabled", "insufficientLivePermissions", "livePermissionBlocked"}


def _error_info(error: HttpError) -> tuple[str | None, str]:
    """(reason, message) from a Google JSON error body."""
    try:
        data = json.loads(error.content.decode("utf-8"))
        body = data.get("error", {}) if isinstance(data, dict) else {}
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None, ""
    if not isinstance(body, dict):
        return None, ""
    reason = None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        reason = errors[0].get("reason")
    for detail in body.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason") in ("SERVICE_DISABLED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
            reason = reason if reason == "accessNotConfigured" else str(detail["reason"])
    return (str(reason) if reason else None), str(body.get("message") or "")


def classify(exc: BaseException) -> GoogleApiError:
    """Turn whatever googleapiclient / google-auth / httplib2 raised into a GoogleApiError."""
    if isinstance(exc, GoogleApiError):
        return exc
    import httplib2
    from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        status = int(exc.resp.status)
        reason, message = _error_info(exc)
        detail = f"HTTP {status} {reason or ''}".strip()
        if message:
            detail += f": {message}"
        if reason in _QUOTA_REASONS:
            problem = Problem.QUOTA
        elif reason in ("accessNotConfigured", "SERVICE_DISABLED") or "has not been used in project" in message:
            problem = Problem.API_DISABLED
        elif reason in _LIVE_REASONS:
            problem = Problem.LIVE_NOT_ENABLED
        elif reason in ("insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
            problem = Problem.SCOPES
        elif status == 401:
            problem = Problem.AUTH
        elif status == 429 or reason in _RATE_REASONS:
            problem = Problem.RATE_LIMITED
        elif status == 403:
            problem = Problem.PERMISSION
        elif status in (404, 410):
            problem = Problem.NOT_FOUND
        elif status == 409:
            problem = Problem.CONFLICT
        elif status >= 500:
            problem = Problem.SERVER
        else:
            problem = Problem.INVALID
        return GoogleApiError(problem, detail, status=status, reason=reason)
    if isinstance(exc, RefreshError):
        # args[0] is "invalid_grant: Token has been expired or revoked." style text; args[1] the token response.
        text = str(exc.args[0]) if exc.args else type(exc).__name__
        if getattr(exc, "retryable", False):
            return GoogleApiError(Problem.SERVER, f"token refresh: {text}")
        return GoogleApiError(Problem.AUTH, f"token refresh: {text}")
    if isinstance(exc, TransportError | httplib2.HttpLib2Error | OSError | TimeoutError):
        return GoogleApiError(Problem.NETWORK, f"{type(exc).__name__}: {exc}"[:200])
    if isinstance(exc, GoogleAuthError | ValueError | KeyError):
        return GoogleApiError(Problem.CONFIG, f"{type(exc).__name__}: {exc}"[:200])
    return GoogleApiError(Problem.SERVER, type(exc).__name__)


# Credentials -------------------------------------------------------------------------------------------------------


def _scopes(raw: object) -> list[str]:
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list):
        return [str(s) for s in raw]
    return []


@dataclass(frozen=True)
class LoadedCredentials:
    credentials: BaseCredentials
    kind: str  # "authorized_user" | "service_account"
    scopes: frozenset[str]  # granted (authorized_user file) or requested (service account)
    token_uri: str

    @property
    def can_youtube(self) -> bool:
        # Service accounts cannot own a YouTube channel; an authorized_user file without scopes listed may work.
        return self.kind == "authorized_user" and (not self.scopes or bool(self.scopes & YOUTUBE_SCOPES))

    @property
    def can_calendar(self) -> bool:
        return not self.scopes or bool(self.scopes & CALENDAR_SCOPES)


def load_credentials(path: Path, *, impersonate: str | None = None) -> LoadedCredentials:
    """Read a google-auth credentials JSON; raises GoogleApiError(CONFIG) with a readable reason."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoogleApiError(Problem.CONFIG, f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    except ValueError:
        raise GoogleApiError(Problem.CONFIG, f"{path} is not JSON") from None
    if not isinstance(info, dict):
        raise GoogleApiError(Problem.CONFIG, f"{path} is not a credentials object")
    kind = info.get("type")
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    if kind == "authorized_user":
        missing = [k for k in ("client_id", "client_secret", "refresh_token") if not info.get(k)]
        if missing:
            raise GoogleApiError(
                Problem.CONFIG, f"{path} lacks {', '.join(missing)}: run `lunchlearn google login` again"
            )
        token_uri = str(info.get("token_uri") or GOOGLE_TOKEN_URI)
        granted = _scopes(info.get("scopes"))
        creds: BaseCredentials = user_credentials.Credentials(
            token=None,  # always refresh first: the stored access token's expiry is not trustworthy
            refresh_token=info["refresh_token"],
            client_id=info["client_id"],
            client_secret=info["client_secret"],
            token_uri=token_uri,  # honour the file's endpoint (from_authorized_user_file would not)
            scopes=granted or None,
            quota_project_id=info.get("quota_project_id"),
            universe_domain=info.get("universe_domain") or "googleapis.com",
        )
        return LoadedCredentials(creds, "authorized_user", frozenset(granted), token_uri)
    if kind == "service_account":
        scopes = [SCOPE_CALENDAR_EVENTS]
        try:
            sa = service_account.Credentials.from_service_account_info(info, scopes=scopes)
        except (ValueError, KeyError) as exc:
            raise GoogleApiError(Problem.CONFIG, f"{path} is not a usable service account key ({exc})") from None
        if impersonate:
            sa = sa.with_subject(impersonate)
        return LoadedCredentials(sa, "service_account", frozenset(scopes), str(info["token_uri"]))
    raise GoogleApiError(
        Problem.CONFIG, f"{path} has type {kind!r}; expected authorized_user or service_account (docs/google.md)"
    )


# HTTP and clients --------------------------------------------------------------------------------------------------


class QuotaMeter:
    """YouTube units spent by the requests of one client (counted per HTTP request, so retries count too)."""

    # https://developers.google.com/youtube/v3/determine_quota_cost : list 1; insert/update/delete/bind/transition 50.
    LIST = 1
    WRITE = 50

    def __init__(self) -> None:
        self._units = 0
        self._lock = threading.Lock()

    def cost(self, method: str, uri: str) -> int:
        path = urlparse(uri).path
        if "/youtube/v3/" not in path:
            return 0  # token endpoint, Calendar
        return self.LIST if method.upper() == "GET" else self.WRITE

    def add(self, units: int) -> None:
        with self._lock:
            self._units += units

    def take(self) -> int:
        with self._lock:
            units, self._units = self._units, 0
            return units


@cache
def _metered_http_class() -> type:
    import httplib2

    class _MeteredHttp(httplib2.Http):  # type: ignore[misc]
        """httplib2.Http that counts YouTube units for every request actually sent."""

        def __init__(self, meter: QuotaMeter | None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._meter = meter

        def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
            if self._meter is not None:
                self._meter.add(self._meter.cost(method, uri))
            return super().request(uri, method, *args, **kwargs)

    return _MeteredHttp


class GoogleAccess:
    """Loads the credentials once (lazily) and builds API clients; one client per unit of work, because
    httplib2 connections are not thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._loaded: LoadedCredentials | None = None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self.settings.GOOGLE_CREDENTIALS_FILE is not None

    def credentials(self) -> LoadedCredentials:
        path = self.settings.GOOGLE_CREDENTIALS_FILE
        if path is None:
            raise GoogleApiError(Problem.CONFIG, "GOOGLE_CREDENTIALS_FILE is not set")
        with self._lock:
            if self._loaded is None:
                self._loaded = load_credentials(path, impersonate=self.settings.GOOGLE_IMPERSONATE_USER)
            return self._loaded

    def reload(self) -> None:
        """Forget the loaded credentials (the file was replaced, e.g. after `lunchlearn google login`)."""
        with self._lock:
            self._loaded = None

    def build(self, api: str, version: str, *, meter: QuotaMeter | None = None) -> Any:
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.discovery import build
        from googleapiclient.discovery_cache import get_static_doc

        loaded = self.credentials()
        metered = _metered_http_class()(meter, timeout=self.settings.GOOGLE_HTTP_TIMEOUT)
        http = AuthorizedHttp(loaded.credentials, http=metered)
        options: dict[str, str] = {}
        if self.settings.GOOGLE_API_ROOT_URL:
            # The shipped discovery document's servicePath ("calendar/v3/"; "" for YouTube, whose method paths
            # start with "youtube/v3/") appended to our root, like Google's own rootUrl + servicePath.
            doc = json.loads(get_static_doc(api, version) or "{}")
            root = self.settings.GOOGLE_API_ROOT_URL.rstrip("/") + "/"
            options["api_endpoint"] = root + str(doc.get("servicePath", ""))
        return build(
            api,
            version,
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options=options or None,
        )

    def executor(self) -> Executor:
        return Executor(retries=self.settings.GOOGLE_API_RETRIES, backoff=self.settings.GOOGLE_RETRY_BACKOFF)


class Executor:
    """Runs googleapiclient requests: idempotent ones with execute(num_retries), creations with a recovery check
    between attempts (a lost response must not become a second broadcast)."""

    def __init__(self, *, retries: int, backoff: float) -> None:
        self.retries = retries
        self.backoff = backoff

    def _sleep(self, seconds: float) -> None:
        if self.backoff > 0:
            time.sleep(seconds * self.backoff)

    def run(self, request: Any, *, retry: bool = True) -> Any:
        # googleapiclient sleeps rand() * 2**n between retries; scale it (tests run with 0).
        request._sleep = self._sleep
        try:
            return request.execute(num_retries=self.retries if retry else 0)
        except Exception as exc:
            raise classify(exc) from None

    def create(self, make_request: Callable[[], Any], *, recover: Callable[[], Any | None], what: str) -> Any:
        """Send a non-idempotent creation; after a retryable failure, look for what it may have created first."""
        for attempt in range(self.retries + 1):
            try:
                return self.run(make_request(), retry=False)
            except GoogleApiError as exc:
                if not exc.retryable or attempt == self.retries:
                    raise
                logger.warning("Google %s failed (%s), attempt %d; checking before retrying", what, exc, attempt + 1)
            try:
                found = recover()
            except GoogleApiError as lookup:
                if not lookup.retryable:
                    raise
                found = None
            if found is not None:
                logger.info("Google %s had succeeded despite the error; reusing it", what)
                return found
            self._sleep(2**attempt)
        raise AssertionError("unreachable")


# `lunchlearn google login` -----------------------------------------------------------------------------------------

LOGIN_SCOPES = {
    "youtube": [SCOPE_YOUTUBE],
    "meet": [SCOPE_CALENDAR_EVENTS],
    "both": [SCOPE_YOUTUBE, SCOPE_CALENDAR_EVENTS],
}


def run_login(
    *, client_secrets: Path, output: Path, kind: str, host: str, port: int, open_browser: bool
) -> dict[str, Any]:
    """The installed-app OAuth flow (a browser consent, then a redirect to a local port); writes an
    authorized_user file (mode 600) that load_credentials reads, token_uri included. Returns what was written
    without the secrets."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=LOGIN_SCOPES[kind])
    creds = flow.run_local_server(
        host=host,
        port=port,
        open_browser=open_browser,
        authorization_prompt_message="Open this URL in a browser signed in as the YouTube channel / calendar "
        "owner:\n{url}",
        success_message="lunchlearn: signed in. You can close this tab.",
        # A refresh token every time, even if this client was approved before.
        access_type="offline",
        prompt="consent",
    )
    if not creds.refresh_token:
        raise GoogleApiError(Problem.AUTH, "Google returned no refresh token; remove the app's access and retry")
    info = {
        "type": "authorized_user",
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "refresh_token": creds.refresh_token,
        "token_uri": creds.token_uri,
        "scopes": list(creds.granted_scopes or creds.scopes or LOGIN_SCOPES[kind]),
        "universe_domain": getattr(creds, "universe_domain", "googleapis.com"),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.touch(mode=0o600, exist_ok=True)
    tmp.chmod(0o600)
    tmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    tmp.replace(output)
    return {"token_uri": info["token_uri"], "scopes": info["scopes"]}
