"""Fuzzing the HTTP edge with hypothesis: signed and unsigned requests for every slash subcommand, action id,
callback id and subscribed event type, with fields removed, wrong types, huge strings and wrong ids.

Whatever arrives: no 5xx, no ERROR log record (no traceback), and a refused request (400, 401, 413) writes nothing
to the database. SQLite only and modest example counts, so the module stays fast; the corpus (test_corpus.py) replays
Slack's documented shapes on both databases."""

from __future__ import annotations

import copy
import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from slack_bolt import App

from bot import ids
from bot.container import Container
from bot.listeners.commands.lunchlearn import SUBCOMMANDS
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, SECRET, SPEAKER
from tests.edge.conftest import db_fingerprint, errors_logged, settle
from tests.fakes.signing import sign
from tests.fakes.slack_api import FakeSlack
from tests.helpers import create_talk
from tests.slack_driver import SlackDriver

pytestmark = pytest.mark.parametrize("db_kind", ["sqlite"])

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    # No shrinking: a failing example is reported as generated, and the module stays within its time budget.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

MANIFEST = json.loads((Path(__file__).parents[2] / "manifest.json").read_text())
SUBSCRIBED = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
ACTION_IDS = sorted(
    {value for name, value in vars(ids).items() if name.startswith("ACTION_")}
    | {f"{ids.ACTION_SURVEY_RATE}_{n}" for n in range(1, 6)}
)
CALLBACK_IDS = sorted(value for name, value in vars(ids).items() if name.startswith("CALLBACK_"))
# What the edge refuses. (A 404 is Bolt finding no listener: an event type the app does not subscribe to may have had
# its event_id recorded by the de-dupe middleware first, which is harmless.)
REFUSED = {400, 401, 413}
USERS = [ORGANISER, SPEAKER, ATTENDEE, "UNOBODY", "W123", ""]

huge = st.sampled_from(["x" * 100_000, "<!channel> " * 5_000, "ペイロード" * 20_000])
id_like = st.one_of(
    st.sampled_from(["1", "2", "0", "-1", "999999999999", "1:5", "1:9", "edit:1", "cancel:1", "start:1", "end:1"]),
    st.sampled_from(["abc", "", " 1", "1 ", "١", "²", "1:²", "1e3", "0x1", "1|CGENERAL", "None", "null", "%", "_"]),
    st.sampled_from(["9" * 19, "9" * 30, "9" * 5000, "edit:" + "9" * 25, f"{2**63}:5", "-9223372036854775809"]),
    st.text(max_size=12),
)
# Values the bot itself renders (talk 1 exists), so that most requests reach a listener.
valid_value = st.sampled_from(["1", "2", "1:5", "1:1", "edit:1", "cancel:1", "start:1", "end:1", "1|CGENERAL", "1:x"])
junk: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    huge,
    id_like,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.just({"id": 5}),
    st.just([{}]),
)


# --- Templates: what Slack sends, before the mutations ---------------------------------------------------------------


def command(sub: str, rest: str, user: str) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "acme",
        "channel_id": GENERAL,
        "channel_name": "general",
        "user_id": user,
        "user_name": "someone",
        "command": ids.COMMAND,
        "text": f"{sub} {rest}".strip(),
        "api_app_id": "AFAKE",
        "response_url": "http://127.0.0.1:1/webhook/x",  # replaced by the fake's address
        "trigger_id": "trigger-fuzz",
    }


def block_actions(action_id: str, value: str, user: str, element: str) -> dict[str, Any]:
    action: dict[str, Any] = {"type": element, "action_id": action_id, "block_id": "b", "action_ts": "1.2"}
    if element == "button":
        action |= {"value": value, "text": {"type": "plain_text", "text": "x"}}
    elif element in ("overflow", "static_select", "radio_buttons"):
        action["selected_option"] = {"value": value, "text": {"type": "plain_text", "text": "x"}}
    elif element == "checkboxes":
        action["selected_options"] = [{"value": value}]
    elif element == "users_select":
        action["selected_user"] = value
    return {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "team_id": "T1", "name": "someone"},
        "api_app_id": "AFAKE",
        "trigger_id": "trigger-fuzz",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": GENERAL},
        "channel": {"id": GENERAL, "name": "general"},
        "message": {"type": "message", "ts": "1700000000.000100", "user": "UBOT"},
        "response_url": "http://127.0.0.1:1/webhook/x",
        "actions": [action],
    }


def view_payload(kind: str, callback_id: str, metadata: str, user: str, value: str) -> dict[str, Any]:
    values = {
        block: {action: {"type": "plain_text_input", "value": value}}
        for block, action in (
            (ids.BLOCK_TITLE, ids.ACTION_TITLE),
            (ids.BLOCK_CANCEL_REASON, ids.ACTION_CANCEL_REASON),
            (ids.BLOCK_STREAM_LINK, ids.ACTION_STREAM_LINK),
            (ids.BLOCK_QUESTION_TEXT, ids.ACTION_QUESTION_TEXT),
            (ids.BLOCK_ANSWER_TEXT, ids.ACTION_ANSWER_TEXT),
            (ids.BLOCK_SURVEY_IMPROVE, ids.ACTION_SURVEY_IMPROVE),
        )
    }
    values[ids.BLOCK_SURVEY_OVERALL] = {ids.ACTION_SURVEY_OVERALL: {"type": "static_select", "selected_option": None}}
    values[ids.BLOCK_START] = {ids.ACTION_START: {"type": "datetimepicker", "selected_date_time": 1}}
    return {
        "type": kind,
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "AFAKE",
        "trigger_id": "trigger-fuzz",
        "view": {
            "id": "VFUZZ",
            "team_id": "T1",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "blocks": [{"type": "input", "block_id": ids.BLOCK_TITLE, "element": {"type": "plain_text_input"}}],
            "state": {"values": values},
            "hash": "h",
        },
        "is_cleared": False,
    }


def event(event_type: str, user: str, ts: str, text: str) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": event_type, "user": user, "event_ts": ts}
    if event_type.startswith("message"):
        channel_type = {"message.channels": "channel", "message.groups": "group"}.get(event_type, "channel")
        inner |= {"type": "message", "channel": GENERAL, "channel_type": channel_type, "ts": ts, "text": text}
        inner["thread_ts"] = "1700000000.000100"
    elif event_type.startswith("reaction_"):
        inner |= {"reaction": text, "item": {"type": "message", "channel": GENERAL, "ts": "1700000000.000100"}}
    elif event_type == "app_home_opened":
        inner |= {"channel": "DX", "tab": text}
    return {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "AFAKE",
        "event": inner,
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }


# --- Mutations -------------------------------------------------------------------------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def mutate(data: st.DataObject, body: dict[str, Any], *, strings_only: bool = False) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    for _ in range(data.draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]), label="mutations")):
        paths = _paths(body)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            value = copy.deepcopy(data.draw(junk, label="value"))  # st.just() hands out one shared object
            parent[path[-1]] = str(value) if strings_only else value
    return body


# --- Sending ---------------------------------------------------------------------------------------------------------


class Fuzzer:
    def __init__(self, slack: SlackDriver, fake: FakeSlack, container: Container, app: App, caplog: Any) -> None:
        self.slack, self.fake, self.container, self.app, self.caplog = slack, fake, container, app, caplog
        self.statuses: dict[int, int] = {}

    def quiesce(self) -> None:
        """Let the work earlier requests started land (listeners, the batched reactions writer, message refreshes)."""
        settle(self.app)
        self.container.reactions.flush()
        self.container.refresher.flush()

    def send(self, body: bytes, content_type: str, *, signed: bool, ts_offset: int = 0) -> int:
        self.quiesce()
        before = db_fingerprint(self.container)
        headers = {"Content-Type": content_type}
        if signed:
            headers |= sign(SECRET, body, int(time.time()) + ts_offset)
        response = requests.post(self.slack.url, data=body, headers=headers, timeout=30)
        self.quiesce()
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        assert status < 500, response.text[:200]
        assert errors_logged(self.caplog) == []
        if not signed or abs(ts_offset) > 300:
            assert status in (401, 413)  # the size is checked first
        if status in REFUSED:
            assert db_fingerprint(self.container) == before, f"a refused request ({status}) changed the database"
        return status

    def form(self, fields: dict[str, Any], **kwargs: Any) -> int:
        fields = dict(fields)
        if fields.get("response_url") == "http://127.0.0.1:1/webhook/x":
            fields["response_url"] = self.fake.webhook_url("fuzz")
        return self.send(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> int:
        if payload.get("response_url") == "http://127.0.0.1:1/webhook/x":
            payload["response_url"] = self.fake.webhook_url("fuzz")
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    def json(self, body: dict[str, Any], **kwargs: Any) -> int:
        return self.send(json.dumps(body).encode(), "application/json", **kwargs)


@pytest.fixture
def fuzzer(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, bolt_app: App, caplog: pytest.LogCaptureFixture
) -> Fuzzer:
    caplog.set_level(logging.WARNING)
    create_talk(slack, fake_slack, container)  # talk 1 exists, so some ids hit a real row
    return Fuzzer(slack, fake_slack, container, bolt_app, caplog)


signed_flags = st.sampled_from([True, True, True, False])


@FUZZ
@given(
    data=st.data(),
    sub=st.sampled_from(sorted(SUBCOMMANDS) + ["payload", "bogus", "NEW", "ask payload"]),
    rest=st.one_of(id_like, huge, st.just("How big can a payload get?")),
    user=st.sampled_from(USERS),
    signed=signed_flags,
)
def test_fuzz_slash_commands(fuzzer: Fuzzer, data: st.DataObject, sub: str, rest: str, user: str, signed: bool) -> None:
    fuzzer.form(mutate(data, command(sub, rest, user), strings_only=True), signed=signed)


@FUZZ
@given(
    data=st.data(),
    action_id=st.one_of(st.sampled_from(ACTION_IDS), st.sampled_from(ACTION_IDS), st.text(max_size=10)),
    value=st.one_of(valid_value, valid_value, id_like, huge),
    user=st.sampled_from(USERS),
    element=st.sampled_from(["button", "overflow", "static_select", "radio_buttons", "checkboxes", "users_select"]),
    signed=signed_flags,
)
def test_fuzz_block_actions(
    fuzzer: Fuzzer, data: st.DataObject, action_id: str, value: str, user: str, element: str, signed: bool
) -> None:
    fuzzer.interactive(mutate(data, block_actions(action_id, value, user, element)), signed=signed)


@FUZZ
@given(
    data=st.data(),
    kind=st.sampled_from(["view_submission", "view_submission", "view_closed"]),
    callback_id=st.one_of(st.sampled_from(CALLBACK_IDS), st.sampled_from(CALLBACK_IDS), st.text(max_size=10)),
    metadata=st.one_of(valid_value, valid_value, id_like),
    value=st.one_of(id_like, huge, st.just("https://example.com/x")),
    user=st.sampled_from(USERS),
    signed=signed_flags,
)
def test_fuzz_views(
    fuzzer: Fuzzer,
    data: st.DataObject,
    kind: str,
    callback_id: str,
    metadata: str,
    value: str,
    user: str,
    signed: bool,
) -> None:
    fuzzer.interactive(mutate(data, view_payload(kind, callback_id, metadata, user, value)), signed=signed)


@FUZZ
@given(
    data=st.data(),
    event_type=st.one_of(st.sampled_from(SUBSCRIBED), st.sampled_from(["app_mention", "team_join", "x"])),
    user=st.sampled_from(USERS),
    ts=st.one_of(st.just("1700000000.000200"), id_like),
    text=st.one_of(id_like, huge, st.sampled_from(["clap", "tada", "+1::skin-tone-2", "home", "messages"])),
    signed=signed_flags,
)
def test_fuzz_events(
    fuzzer: Fuzzer, data: st.DataObject, event_type: str, user: str, ts: str, text: str, signed: bool
) -> None:
    fuzzer.json(mutate(data, event(event_type, user, ts, text)), signed=signed)


@FUZZ
@given(
    data=st.data(),
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.recursive(
            st.none() | st.integers() | st.text(max_size=5),
            lambda c: st.lists(c) | st.dictionaries(st.text(max_size=5), c),
        ).map(lambda v: json.dumps(v).encode()),
    ),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data", ""]
    ),
    signed=signed_flags,
    ts_offset=st.sampled_from([0, 0, 0, -400, 400, -(10**10)]),
)
def test_fuzz_raw_bodies(
    fuzzer: Fuzzer, data: st.DataObject, body: bytes, content_type: str, signed: bool, ts_offset: int
) -> None:
    status = fuzzer.send(body, content_type, signed=signed, ts_offset=ts_offset)
    assert status in (200, 400, 401, 404)
