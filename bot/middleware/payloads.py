"""The shapes Slack documents for what it sends us, checked before Bolt or a listener reads a field.

Bolt's own helpers (context extraction, matchers) and our listeners index into the body freely: a signed body with
`"event": 5` or `"actions": []` would raise deep inside them and answer 500 with an ERROR traceback. Checking the
documented shape first turns that into a 400. The models are lenient about fields nobody reads (extra fields are
kept, optional fields may be left out, as Slack does) and strict about the types of the fields that are read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from slack_bolt import BoltRequest, BoltResponse

logger = logging.getLogger(__name__)


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


_LONG_NUMBER = re.compile(r"[0-9]{19}")


def _as_the_bot_wrote_it(value: str) -> str:
    # Button values, option values and private_metadata come back as the bot rendered them: printable ASCII
    # (ids, "edit:12", "12:5", "12|C123"), numbers that fit in 64 bits. Anything else was not written by us, and
    # would otherwise reach int() ("²".isdigit() is True) or the database (an id past 2**63) in a listener.
    if not (value.isascii() and value.isprintable()) or _LONG_NUMBER.search(value):
        raise ValueError("not a value the bot renders")
    return value


BotValue = Annotated[str, Field(max_length=3000), AfterValidator(_as_the_bot_wrote_it)]
# A Slack message timestamp ("1700000000.000100"); services turn it into a datetime.
SlackTs = Annotated[str, Field(pattern=r"^[0-9]{1,10}(\.[0-9]{1,6})?$")]


class _IdRef(_Shape):
    id: str | None = None


class _Node(_Shape):
    """The fields Bolt's context extraction walks (bolt request/internals.py), at any level of the body."""

    type: str | None = None
    user: str | _IdRef | None = None
    user_id: str | None = None
    team: str | _IdRef | None = None
    team_id: str | None = None
    user_team: str | None = None
    enterprise: str | _IdRef | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | str | None = None
    is_ext_shared_channel: bool | None = None
    channel: str | _IdRef | None = None
    channel_id: str | None = None
    thread_ts: SlackTs | None = None
    response_url: str | None = None
    event: _Node | None = None
    message: _Node | None = None
    previous_message: _Node | None = None
    item: _Node | None = None
    assistant_thread: _Node | None = None
    authorizations: list[_Node] | None = None
    function_data: dict[str, Any] | None = None
    view: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    response_urls: list[_Node] | None = None


class _User(_Shape):
    id: str
    team_id: str | None = None


class _Team(_Shape):
    id: str


class _Option(_Shape):
    value: BotValue


class _Interactive(_Node):
    user: _User  # type: ignore[assignment]
    team: _Team | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _has_team(self) -> _Interactive:
        # Listeners take the actor's team from user.team_id or team.id (org-wide installs may send team: null).
        if not self.user.team_id and self.team is None:
            raise ValueError("no team for the user")
        return self


class _ElementState(_Shape):
    """One input's value in view.state.values; which field is set depends on the element type."""

    type: str
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None
    selected_user: str | None = None
    selected_users: list[str] | None = None
    selected_conversation: str | None = None
    selected_conversations: list[str] | None = None
    selected_channel: str | None = None
    selected_channels: list[str] | None = None
    selected_date: str | None = None
    selected_time: str | None = None
    selected_date_time: int | None = Field(default=None, ge=0, le=10**11)
    timezone: str | None = None


class _ViewState(_Shape):
    values: dict[str, dict[str, _ElementState]] | None = None  # missing: see bot/middleware/view_state.py


class _View(_Shape):
    id: str
    type: str
    callback_id: str = ""
    private_metadata: BotValue = ""
    state: _ViewState | None = None
    blocks: list[dict[str, Any]] = []
    hash: str | None = None


class _Action(_Shape):
    action_id: str
    type: str
    block_id: str | None = None
    value: BotValue | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None
    selected_user: str | None = None
    selected_users: list[str] | None = None
    selected_conversation: str | None = None
    selected_conversations: list[str] | None = None
    selected_channel: str | None = None
    selected_channels: list[str] | None = None
    selected_date: str | None = None
    selected_time: str | None = None
    selected_date_time: int | None = None
    action_ts: SlackTs | None = None


class _MessageRef(_Node):
    ts: SlackTs | None = None


class _ActionContainer(_Shape):
    type: str
    message_ts: SlackTs | None = None
    channel_id: str | None = None
    view_id: str | None = None


class BlockActions(_Interactive):
    type: Literal["block_actions"]  # type: ignore[assignment]
    trigger_id: str
    actions: list[_Action] = Field(min_length=1)
    container: _ActionContainer | None = None  # type: ignore[assignment]
    message: _MessageRef | None = None
    view: _View | None = None  # type: ignore[assignment]


class ViewSubmission(_Interactive):
    type: Literal["view_submission"]  # type: ignore[assignment]
    view: _View  # type: ignore[assignment]
    trigger_id: str | None = None


class ViewClosed(_Interactive):
    type: Literal["view_closed"]  # type: ignore[assignment]
    view: _View  # type: ignore[assignment]
    is_cleared: bool | None = None


class Shortcut(_Interactive):
    type: Literal["shortcut", "message_action"]  # type: ignore[assignment]
    callback_id: str
    trigger_id: str


class BlockSuggestion(_Interactive):
    type: Literal["block_suggestion"]  # type: ignore[assignment]
    action_id: str
    block_id: str
    value: str


class SlashCommand(_Shape):
    """Form fields: all strings. Slack always sends these; enterprise fields and the names are optional."""

    command: str
    text: str
    user_id: str
    team_id: str
    channel_id: str
    trigger_id: str
    response_url: str


class _EventItem(_Node):
    channel: str | None = None  # type: ignore[assignment]
    ts: SlackTs | None = None


class _Event(_Node):
    type: str  # type: ignore[assignment]
    event_ts: SlackTs | None = None
    ts: SlackTs | None = None
    subtype: str | None = None
    text: str | None = None
    bot_id: str | None = None
    reaction: str | None = None
    item: _EventItem | None = None  # type: ignore[assignment]
    tab: str | None = None

    @model_validator(mode="after")
    def _fields_the_listeners_read(self) -> _Event:
        if self.type in ("reaction_added", "reaction_removed"):
            if not isinstance(self.user, str) or self.reaction is None or self.item is None:
                raise ValueError("a reaction event needs user, reaction and item")
        elif self.type == "app_home_opened":
            if not isinstance(self.user, str):
                raise ValueError("app_home_opened needs user")
        elif self.type == "message":
            if not isinstance(self.channel, str) or self.ts is None:
                raise ValueError("a message event needs channel and ts")
        return self


class EventCallback(_Node):
    type: Literal["event_callback"]  # type: ignore[assignment]
    team_id: str
    api_app_id: str
    event: _Event  # type: ignore[assignment]
    event_id: str
    event_time: int


class UrlVerification(_Shape):
    type: Literal["url_verification"]
    challenge: str


class AppRateLimited(_Shape):
    type: Literal["app_rate_limited"]
    team_id: str
    api_app_id: str
    minute_rate_limited: int


class SslCheck(_Shape):
    ssl_check: str


_BY_TYPE: dict[str, type[_Shape]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewClosed,
    "shortcut": Shortcut,
    "message_action": Shortcut,
    "block_suggestion": BlockSuggestion,
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
    "app_rate_limited": AppRateLimited,
}


def kind_of(body: dict[str, Any]) -> str:
    """A short name for the kind of request, for logs (never the body)."""
    if "command" in body:
        return "command"
    if "ssl_check" in body:
        return "ssl_check"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind in _BY_TYPE else "unknown"


def shape_problem(body: dict[str, Any]) -> str | None:
    """Why `body` is not something Slack sends (the first problem only, without values), or None."""
    kind = kind_of(body)
    if kind == "command":
        model: type[_Shape] = SlashCommand
    elif kind == "ssl_check":
        model = SslCheck
    elif kind == "unknown":
        return "unknown request type"
    else:
        model = _BY_TYPE[kind]
    try:
        model.model_validate(body)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"{kind}: {where}: {error['type']}"
    except RecursionError:
        return f"{kind}: nested too deep"
    return None


def make_socket_mode_shape_check() -> Callable[..., BoltResponse]:
    """The same shape check for Socket Mode, whose bodies do not pass through the HTTP edge."""

    def socket_mode_shape_check(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        if req.mode == "socket_mode" and (problem := shape_problem(req.body or {})):
            logger.warning("Ignored a Socket Mode request: %s", problem)
            return BoltResponse(status=400, body="")
        return next()

    return socket_mode_shape_check
