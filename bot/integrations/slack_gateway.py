"""The one way the bot talks to Slack's Web API: retries, rate limits, error mapping, small caches."""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.models.blocks import Block
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot import budget
from bot.i18n import normalize_locale
from bot.observability.metrics import slack_rate_limited, slack_rate_limited_url

logger = logging.getLogger(__name__)

# Where Slack's response_url points (commercial Slack and GovSlack).
RESPONSE_URL_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})


# Slack errors that say nothing about the request itself: trying again later can succeed. Everything else (a
# channel that is gone, a missing scope, invalid blocks) fails the same way every time.
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
        "unknown_error",
    }
)


def is_transient(error: str) -> bool:
    """True for Slack errors worth retrying later, and for transport failures (error is the exception name)."""
    return error in TRANSIENT_ERRORS or error[:1].isupper() or error.startswith("http_5")


# Methods that take a trigger_id, which Slack accepts for 3 s after the click or command.
_TRIGGER_METHODS = frozenset({"views.open", "views.push"})


class SlackGatewayError(Exception):
    """A Slack call that failed after retries; `error` is Slack's error code (or a transport error name)."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error


class ChannelAccess(enum.Enum):
    OK = "ok"
    PRIVATE_NOT_MEMBER = "private"
    NOT_FOUND = "not_found"
    ARCHIVED = "archived"
    IM = "im"


@dataclass(frozen=True)
class SlackUser:
    id: str
    lang: str
    tz: str | None
    is_admin: bool
    team_id: str | None = None  # the user's home workspace (a Slack Connect guest's differs from ours)


class _CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """The SDK's 429 handler, counting each 429 it retries (the gateway never sees those; it counts the last one)."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        slack_rate_limited_url(request.url)
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)


def make_web_client(token: str | None, base_url: str, *, retries: bool = True, timeout: int = 10) -> WebClient:
    """Every WebClient the bot makes: SLACK_API_URL as base, retries on 429, 5xx and dropped connections.
    retries=False: no retry handler at all, for callers that pace and retry themselves (the survey fan-out,
    whose worker must see each 429 and its Retry-After instead of sleeping inside the SDK)."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            _CountingRateLimitHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else [],
    )


@dataclass(frozen=True)
class DmOutcome:
    """One chat.postMessage attempt without SDK retries (survey fan-out): sent, rate limited, or an error."""

    channel: str | None = None
    ts: str | None = None
    error: str | None = None  # Slack's error code, or a transport error name
    status: int = 200  # HTTP status (429, 5xx...); 0 for a transport error
    retry_after: float | None = None  # seconds, from the Retry-After header of a 429

    @property
    def ok(self) -> bool:
        return self.ts is not None


def _blocks(blocks: Sequence[Block] | None) -> list[dict[str, Any]] | None:
    return [b.to_dict() for b in blocks] if blocks is not None else None


class SlackGateway:
    def __init__(
        self,
        client: WebClient,
        *,
        fanout_client: WebClient | None = None,
        quick_client: WebClient | None = None,
        user_cache_ttl: float = 3600,
        membership_ttl: float = 60,
    ) -> None:
        self.client = client
        self.fanout_client = fanout_client or client
        # For calls made before a listener acknowledges (Slack allows 3 s): no sleeping on a 429, a short timeout;
        # a failure becomes an inline error the user can retry, instead of a timed-out form.
        self.quick_client = quick_client or client
        self._users: TTLCache[str, SlackUser] = TTLCache(maxsize=10_000, ttl=user_cache_ttl)
        self._profiles: TTLCache[str, tuple[str | None, str | None]] = TTLCache(maxsize=10_000, ttl=user_cache_ttl)
        # Who may see a talk in a private channel: short-lived, so someone who leaves stops seeing it within a minute.
        self._members: TTLCache[str, frozenset[str]] = TTLCache(maxsize=2_000, ttl=membership_ttl)
        self._private: TTLCache[str, bool] = TTLCache(maxsize=2_000, ttl=membership_ttl)
        self._team_id: str | None = None
        self._lock = threading.Lock()

    def _client_for_call(self, method: str, quick: bool) -> WebClient:
        """The client for one call. Before the ack: one bounded by what is left of the request's deadline (one
        deadline for everything before the ack, not a timeout per call). views.open/push after the ack: bounded by
        the trigger_id's 3 s. Anything else: the usual clients."""
        window = budget.current()
        if window is not None and not window.acked:
            left = window.remaining()
            if left < budget.MIN_CALL_TIME:
                raise budget.AckBudgetExceeded(method)
        elif window is not None and method in _TRIGGER_METHODS:
            left = window.trigger_remaining()
            if left < budget.MIN_CALL_TIME:
                raise SlackGatewayError(method, "expired_trigger_id")
        else:
            return self.quick_client if quick else self.client
        base = self.quick_client
        # urllib takes float seconds; slack_sdk annotates the timeout as int.
        timeout = cast(int, min(float(base.timeout), left))
        return WebClient(token=base.token, base_url=base.base_url, timeout=timeout, retry_handlers=[])

    def _call(self, method: str, *, quick: bool = False, **kwargs: Any) -> dict[str, Any]:
        client = self._client_for_call(method, quick)
        try:
            if _uses_json(method):
                response = client.api_call(method, json=kwargs)
            else:
                response = client.api_call(method, data=kwargs)
            return dict(response.data) if isinstance(response.data, dict) else {}
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if exc.response.status_code == 429:
                slack_rate_limited(method)
            logger.warning("Slack %s failed: %s", method, error)
            raise SlackGatewayError(method, error) from None
        except (SlackClientError, OSError) as exc:
            if budget.expired_before_ack():
                logger.warning("Slack %s did not answer before the ack deadline", method)
                raise budget.AckBudgetExceeded(method) from None
            logger.warning("Slack %s failed: %s", method, type(exc).__name__)
            raise SlackGatewayError(method, type(exc).__name__) from None

    # Messages -------------------------------------------------------------------------------------

    def post_message(
        self,
        *,
        channel: str,
        text: str,
        blocks: Sequence[Block] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool | None = None,
        metadata: Metadata | None = None,
    ) -> tuple[str, str]:
        """Post; returns (channel, ts). A user id as channel posts into the app's DM with that user."""
        args: dict[str, Any] = {"channel": channel, "text": text, "unfurl_links": False, "unfurl_media": False}
        if blocks is not None:
            args["blocks"] = _blocks(blocks)
        if thread_ts:
            args["thread_ts"] = thread_ts
        if reply_broadcast:
            args["reply_broadcast"] = True
        if metadata is not None:
            args["metadata"] = metadata.to_dict()
        data = self._call("chat.postMessage", **args)
        return str(data["channel"]), str(data["ts"])

    def post_dm_attempt(
        self, *, user_id: str, text: str, blocks: Sequence[Block] | None = None, metadata: Metadata | None = None
    ) -> DmOutcome:
        """One chat.postMessage to a user id (Slack posts into the app's DM; no conversations.open), through the
        client without retry handlers: the caller paces, honours Retry-After and retries."""
        args: dict[str, Any] = {"channel": user_id, "text": text, "unfurl_links": False, "unfurl_media": False}
        if blocks is not None:
            args["blocks"] = _blocks(blocks)
        if metadata is not None:
            args["metadata"] = metadata.to_dict()
        try:
            data = self.fanout_client.api_call("chat.postMessage", json=args).data
        except SlackApiError as exc:
            response = exc.response
            headers = {k.lower(): v for k, v in (response.headers or {}).items()}
            raw = headers.get("retry-after")
            if isinstance(raw, list):
                raw = raw[0] if raw else None
            try:
                retry_after = float(raw) if raw is not None else None
            except ValueError:
                retry_after = None
            error = str(response.get("error", "unknown_error"))
            if response.status_code == 429:
                slack_rate_limited("chat.postMessage")
            return DmOutcome(error=error, status=int(response.status_code), retry_after=retry_after)
        except (SlackClientError, OSError) as exc:
            return DmOutcome(error=type(exc).__name__, status=0)
        body = dict(data) if isinstance(data, dict) else {}
        return DmOutcome(channel=str(body.get("channel")), ts=str(body.get("ts")))

    def dm_channel(self, user_id: str) -> str:
        """The D-id of the app's DM with a user (conversations.open: Tier 3, so only for rare lookups)."""
        return str(self._call("conversations.open", users=user_id)["channel"]["id"])

    def upload_files(
        self,
        *,
        channel: str | None,
        files: Sequence[tuple[str, bytes, str]],
        thread_ts: str | None = None,
        initial_comment: str | None = None,
    ) -> list[str]:
        """files_upload_v2 with (filename, content, title) items: files.getUploadURLExternal and the upload POST
        per file, then one files.completeUploadExternal. `channel` must be a conversation id (a D-id for a DM,
        e.g. the channel of a message we posted there); None shares the files nowhere (the bot's own, for image
        blocks with `slack_file`). Returns the file ids."""
        try:
            response = self.client.files_upload_v2(
                channel=channel,
                file_uploads=[{"filename": name, "content": data, "title": title} for name, data, title in files],
                thread_ts=thread_ts,
                initial_comment=initial_comment,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            logger.warning("Slack files_upload_v2 failed: %s", error)
            raise SlackGatewayError("files_upload_v2", error) from None
        except (SlackClientError, OSError) as exc:
            logger.warning("Slack files_upload_v2 failed: %s", type(exc).__name__)
            raise SlackGatewayError("files_upload_v2", type(exc).__name__) from None
        return [str(f.get("id", "")) for f in (response.get("files") or [])]

    def update_message(
        self, *, channel: str, ts: str, text: str, blocks: Sequence[Block], metadata: Metadata | None = None
    ) -> None:
        args: dict[str, Any] = {"channel": channel, "ts": ts, "text": text, "blocks": _blocks(blocks)}
        if metadata is not None:
            args["metadata"] = metadata.to_dict()
        self._call("chat.update", **args)

    def post_ephemeral(self, *, channel: str, user: str, text: str, blocks: Sequence[Block] | None = None) -> None:
        args: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if blocks is not None:
            args["blocks"] = _blocks(blocks)
        self._call("chat.postEphemeral", **args)

    def permalink(self, *, channel: str, ts: str) -> str | None:
        try:
            return str(self._call("chat.getPermalink", channel=channel, message_ts=ts)["permalink"])
        except SlackGatewayError:
            return None  # a missing link never blocks a confirmation

    def respond(self, response_url: str, *, text: str, blocks: Sequence[Block] | None = None) -> None:
        """Reply through a slash command's response_url (works in channels the bot is not in).

        Only to Slack's response URL hosts (or the configured SLACK_API_URL's, for tests): the URL comes from the
        request body, and posting wherever it points would make the bot a relay for anyone who can send one."""
        if not self.response_url_allowed(response_url):
            logger.warning("Refused to post to a response_url on %r", urlsplit(response_url).hostname)
            return
        try:
            result = WebhookClient(response_url, timeout=10).send(
                text=text, blocks=_blocks(blocks), response_type="ephemeral"
            )
        except (SlackClientError, OSError) as exc:
            raise SlackGatewayError("response_url", type(exc).__name__) from None
        if result.status_code >= 300:
            raise SlackGatewayError("response_url", f"http_{result.status_code}")

    def response_url_allowed(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme == "https" and parts.hostname in RESPONSE_URL_HOSTS and port in (None, 443):
            return True
        api = urlsplit(self.client.base_url)
        return (parts.scheme, parts.hostname, port) == (api.scheme, api.hostname, api.port) and bool(api.hostname)

    def find_own_message(
        self, *, channel: str, event_type: str, payload_match: dict[str, Any], oldest: str
    ) -> str | None:
        """The ts of a message we posted with this metadata (recovers a post whose ts we failed to record)."""
        data = self._call("conversations.history", channel=channel, oldest=oldest, limit=200, include_all_metadata=True)
        for message in data.get("messages", []):
            meta = message.get("metadata") or {}
            if meta.get("event_type") != event_type:
                continue
            payload = meta.get("event_payload") or {}
            if all(payload.get(k) == v for k, v in payload_match.items()):
                return str(message["ts"])
        return None

    def find_own_dm(
        self, *, user_id: str, event_type: str, payload_match: dict[str, Any], since: float | None = None
    ) -> tuple[str, str] | None:
        """(channel, ts) of a DM we sent this user with this metadata since `since` (epoch seconds; default: the
        last day), for crash recovery."""
        channel = self.dm_channel(user_id)
        oldest = f"{since if since is not None else time.time() - 86400:.6f}"
        ts = self.find_own_message(channel=channel, event_type=event_type, payload_match=payload_match, oldest=oldest)
        return (channel, ts) if ts else None

    # Reactions ---------------------------------------------------------------------------------------

    def add_reaction(self, *, channel: str, ts: str, name: str) -> bool:
        """React as the bot; False when the bot had already reacted with this emoji (idempotent)."""
        try:
            self._call("reactions.add", channel=channel, timestamp=ts, name=name)
        except SlackGatewayError as exc:
            if exc.error == "already_reacted":
                return False
            raise
        return True

    def reactions_of(self, *, channel: str, ts: str) -> list[dict[str, Any]]:
        """reactions.get for one message: [{"name", "count", "users"}...] (users may be truncated by Slack)."""
        data = self._call("reactions.get", channel=channel, timestamp=ts, full=True)
        message = data.get("message") or {}
        return list(message.get("reactions") or [])

    def find_thread_post(self, *, channel: str, thread_ts: str, match: dict[str, Any]) -> tuple[str, str] | None:
        """(channel, ts) of our reply in a thread whose metadata matches: the outbox's `recover` for thread posts."""
        ts = self.find_own_reply(channel=channel, thread_ts=thread_ts, match=match)
        return (channel, ts) if ts else None

    def find_own_files(self, *, channel: str, thread_ts: str) -> list[str]:
        """Ids of files the app shared in this thread (a chart upload whose record a crash lost)."""
        data = self._call("conversations.replies", channel=channel, ts=thread_ts, limit=200)
        return [
            str(f.get("id"))
            for message in data.get("messages", [])
            if message.get("bot_id") and message.get("ts") != thread_ts
            for f in (message.get("files") or [])
            if f.get("id")
        ]

    def find_own_reply(self, *, channel: str, thread_ts: str, match: dict[str, Any]) -> str | None:
        """The ts of our reply in a thread whose metadata payload matches (crash recovery before re-posting)."""
        cursor: str | None = None
        for _ in range(20):  # bounded: a lunch talk's thread is not thousands of pages long
            args: dict[str, Any] = {"channel": channel, "ts": thread_ts, "limit": 200, "include_all_metadata": True}
            if cursor:
                args["cursor"] = cursor
            data = self._call("conversations.replies", **args)
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") and all(payload.get(k) == v for k, v in match.items()):
                    return str(message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None

    # Views ------------------------------------------------------------------------------------------

    def publish_home(self, *, user_id: str, view: View) -> None:
        self._call("views.publish", user_id=user_id, view=view.to_dict())

    def open_view(self, *, trigger_id: str, view: View) -> str:
        return str(self._call("views.open", quick=True, trigger_id=trigger_id, view=view.to_dict())["view"]["id"])

    def update_view(self, *, view_id: str, view: View, view_hash: str | None) -> None:
        """Replace an open modal. With the hash Slack refuses (hash_conflict) if the modal changed since the
        payload that asked for this update, instead of overwriting a newer state with an older one."""
        args: dict[str, Any] = {"view_id": view_id, "view": view.to_dict()}
        if view_hash:
            args["hash"] = view_hash
        self._call("views.update", quick=True, **args)

    # Conversations and users ---------------------------------------------------------------------------

    def ensure_can_post(self, channel: str) -> ChannelAccess:
        """Join a public channel if needed; report why a channel cannot take our posts."""
        if channel.startswith(("D", "U", "W")):
            return ChannelAccess.IM
        try:
            info = self._call("conversations.info", quick=True, channel=channel)["channel"]
        except SlackGatewayError as exc:
            if exc.error == "channel_not_found":
                # Slack hides private channels the bot is not in; a G/C id we cannot see is most likely that.
                return ChannelAccess.PRIVATE_NOT_MEMBER
            raise
        if info.get("is_im") or info.get("is_mpim"):
            return ChannelAccess.IM
        if info.get("is_archived"):
            return ChannelAccess.ARCHIVED
        if info.get("is_member"):
            return ChannelAccess.OK
        if info.get("is_private"):
            return ChannelAccess.PRIVATE_NOT_MEMBER
        self._call("conversations.join", quick=True, channel=channel)
        return ChannelAccess.OK

    def user(self, user_id: str) -> SlackUser:
        """Language, time zone and admin flag of a user, cached; unknown users get English and no tz."""
        with self._lock:
            cached = self._users.get(user_id)
        if cached is not None:
            return cached
        try:
            info = self._call("users.info", quick=True, user=user_id, include_locale=True)["user"]
            user = SlackUser(
                id=user_id,
                lang=normalize_locale(info.get("locale")),
                tz=info.get("tz") or None,
                is_admin=bool(info.get("is_admin") or info.get("is_owner")),
                team_id=str(info.get("team_id") or "") or None,
            )
        except SlackGatewayError:
            # Not cached: the next call tries again.
            return SlackUser(id=user_id, lang=normalize_locale(None), tz=None, is_admin=False)
        with self._lock:
            self._users[user_id] = user
        return user

    def cached_lang(self, user_id: str) -> str | None:
        """The user's language if already known, without calling Slack (for messages about Slack being slow)."""
        with self._lock:
            cached = self._users.get(user_id)
        return cached.lang if cached is not None else None

    # Profiles (names in YouTube/Calendar descriptions, e-mails as Meet guests) --------------------------------

    def profile(self, user_id: str) -> tuple[str | None, str | None]:
        """(display name, e-mail) of a user, cached; the e-mail needs users:read.email. (None, None) on failure."""
        with self._lock:
            cached = self._profiles.get(user_id)
        if cached is not None:
            return cached
        try:
            info = self._call("users.info", user=user_id)["user"]
        except SlackGatewayError:
            return None, None
        profile = info.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or info.get("real_name") or info.get("name")
        found = (str(name) if name else None, str(profile["email"]) if profile.get("email") else None)
        with self._lock:
            self._profiles[user_id] = found
        return found

    def display_name(self, user_id: str) -> str | None:
        return self.profile(user_id)[0]

    def email_of(self, user_id: str) -> str | None:
        return self.profile(user_id)[1]

    def installed_team_id(self) -> str | None:
        """The workspace this bot is installed in (auth.test, once); None while Slack cannot tell us."""
        if self._team_id is None:
            try:
                team = str(self.auth_test()[0].get("team_id") or "")
            except SlackGatewayError:
                return None  # not cached: the next call asks again; meanwhile nobody counts as ours
            with self._lock:
                self._team_id = team or None
        return self._team_id

    def channel_is_private(self, channel: str) -> bool:
        """Whether a channel is private (cached briefly). A channel Slack will not describe counts as private."""
        with self._lock:
            cached = self._private.get(channel)
        if cached is not None:
            return cached
        try:
            info = self._call("conversations.info", channel=channel)["channel"]
            private = bool(info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
        except SlackGatewayError as exc:
            if exc.error != "channel_not_found":
                return True  # fail closed, uncached
            private = True
        with self._lock:
            self._private[channel] = private
        return private

    def channel_members(self, channel: str) -> frozenset[str] | None:
        """Members of a channel (conversations.members, every page), cached briefly; None when Slack fails."""
        with self._lock:
            cached = self._members.get(channel)
        if cached is not None:
            return cached
        members: set[str] = set()
        cursor: str | None = None
        try:
            for _ in range(500):  # bounded: 500 pages of 1,000 is far beyond any lunch-talk channel
                args: dict[str, Any] = {"channel": channel, "limit": 1000}
                if cursor:
                    args["cursor"] = cursor
                data = self._call("conversations.members", **args)
                members.update(str(m) for m in data.get("members") or [])
                cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except SlackGatewayError:
            return None  # uncached: the caller fails closed and the next call asks again
        found = frozenset(members)
        with self._lock:
            self._members[channel] = found
        return found

    def auth_test(self) -> tuple[dict[str, Any], list[str]]:
        """auth.test's body and the token's scopes (from the x-oauth-scopes header)."""
        try:
            response = self.client.auth_test()
        except SlackApiError as exc:
            raise SlackGatewayError("auth.test", str(exc.response.get("error", "unknown_error"))) from None
        except (SlackClientError, OSError) as exc:
            raise SlackGatewayError("auth.test", type(exc).__name__) from None
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        raw = headers.get("x-oauth-scopes", "")
        if isinstance(raw, list):
            raw = ",".join(raw)
        return dict(response.data) if isinstance(response.data, dict) else {}, [
            s.strip() for s in str(raw).split(",") if s.strip()
        ]


def _uses_json(method: str) -> bool:
    # Methods with structured arguments go as JSON; simple reads go form-encoded (GET-style params).
    return method.startswith(("chat.", "views.")) or method == "conversations.join"
