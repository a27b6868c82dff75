"""The HTTP edge through the real endpoint: what is refused before parsing (401, 413), what is refused after
(400), and the three Slack payloads that broke paths (the word "payload", URL buttons, missing state.values)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from slack_bolt import App

from bot import ids
from bot.container import Container
from bot.integrations.slack_gateway import SlackGateway
from tests.conftest import ORGANISER, SECRET, SPEAKER
from tests.edge.conftest import db_fingerprint, errors_logged, settle
from tests.fakes.signing import sign
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, open_new_modal, talks_in_db
from tests.questions.helpers import live_talk, questions_in_db, wait_until
from tests.slack_driver import SlackDriver

MARKER = "EDGE-MARKER-7f3a"  # put in bodies: it must never reach a log line
MIB = 1024 * 1024


def _event_body(**extra: Any) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "AFAKE",
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": ORGANISER, "channel": "DORG", "tab": "home"},
            **extra,
        }
    )


def _raw_post(
    slack: SlackDriver, body: bytes, *, content_type: str | None, headers: dict[str, str] | None = None
) -> requests.Response:
    sent = {"Content-Type": content_type} if content_type else {}
    return requests.post(slack.url, data=body, headers={**sent, **(headers or {})}, timeout=30)


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture, bolt_app: App) -> Iterator[pytest.LogCaptureFixture]:
    """Every test here: no ERROR record, and no body in any log line, once the listeners are done."""
    caplog.set_level(logging.INFO)
    yield caplog
    settle(bolt_app)
    assert errors_logged(caplog) == []
    assert not [r for r in caplog.records if MARKER in r.getMessage()], "a request body reached an INFO+ log line"


# --- 401: before any parsing --------------------------------------------------------------------------------------

UNSIGNED_BODIES = [
    pytest.param(b"null", "application/json", id="json-null"),
    pytest.param(b"[1, 2]", "application/json", id="json-array"),
    pytest.param(b'{"type": "event_callback", "event": {"type": "', "application/json", id="truncated-json"),
    pytest.param(b"payload=%7Bbad", "application/x-www-form-urlencoded", id="payload-bad-json"),
    pytest.param(_event_body(marker=MARKER).encode(), "application/json", id="valid-event"),
    pytest.param(b"\xff\xfe\x00garbage", "text/plain", id="binary"),
]


@pytest.mark.parametrize(("body", "content_type"), UNSIGNED_BODIES)
def test_unsigned_requests_get_401_before_parsing(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    container: Container,
    quiet: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
) -> None:
    before = db_fingerprint(container)
    response = _raw_post(slack, body, content_type=content_type)
    assert response.status_code == 401
    assert response.headers["X-Slack-No-Retry"] == "1"
    assert db_fingerprint(container) == before
    fake_slack.assert_no_call("views.publish", within=0.2)
    refusals = [r for r in quiet.records if r.name == "bot.middleware.edge" and r.levelno == logging.WARNING]
    assert len(refusals) == 1 and "401" in refusals[0].getMessage()


def _signed(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    return sign(secret, body, timestamp)


BAD_SIGNATURES = [
    pytest.param(lambda b: {**_signed(b), "X-Slack-Request-Timestamp": "soon"}, "bad_timestamp", id="ts-not-numeric"),
    pytest.param(lambda b: {**_signed(b), "X-Slack-Request-Timestamp": "-5"}, "bad_timestamp", id="ts-negative"),
    pytest.param(lambda b: {**_signed(b), "X-Slack-Request-Timestamp": "1" * 40}, "bad_timestamp", id="ts-huge"),
    pytest.param(lambda b: _signed(b, timestamp=int(time.time()) - 400), "stale_timestamp", id="ts-stale"),
    pytest.param(lambda b: _signed(b, timestamp=int(time.time()) + 400), "stale_timestamp", id="ts-future"),
    pytest.param(lambda b: _signed(b, secret="other-secret"), "bad_signature", id="wrong-secret"),
    pytest.param(lambda b: {**_signed(b), "X-Slack-Signature": "v0=zz"}, "bad_signature", id="sig-garbage"),
    pytest.param(lambda b: {**_signed(b), "X-Slack-Signature": "v0=é"}, "bad_signature", id="sig-non-ascii"),
    pytest.param(lambda b: {"X-Slack-Request-Timestamp": str(int(time.time()))}, "unsigned", id="sig-missing"),
    pytest.param(lambda b: _signed(b + b" "), "bad_signature", id="body-altered"),
]


@pytest.mark.parametrize(("make_headers", "reason"), BAD_SIGNATURES)
def test_bad_signature_or_timestamp_gets_401(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    container: Container,
    quiet: pytest.LogCaptureFixture,
    make_headers: Any,
    reason: str,
) -> None:
    body = _event_body().encode()
    headers = make_headers(body)
    before = db_fingerprint(container)
    response = _raw_post(slack, body, content_type="application/json", headers=headers)
    assert response.status_code == 401 and response.json() == {"error": reason}
    assert db_fingerprint(container) == before
    fake_slack.assert_no_call("views.publish", within=0.2)


def test_the_same_event_signed_is_processed(slack: SlackDriver, fake_slack: FakeSlack, quiet: Any) -> None:
    """The counterpart of the 401 cases: a correctly signed event goes through (the edge does not refuse all)."""
    body = _event_body().encode()
    response = _raw_post(slack, body, content_type="application/json", headers=_signed(body))
    assert response.status_code == 200
    fake_slack.wait_for("views.publish")


# --- 413: size, before the signature ------------------------------------------------------------------------------


def test_body_over_one_mib_gets_413_by_content_length(slack: SlackDriver, container: Container, quiet: Any) -> None:
    body = _event_body(padding="x" * MIB).encode()
    before = db_fingerprint(container)
    response = _raw_post(slack, body, content_type="application/json", headers=_signed(body))
    assert response.status_code == 413
    assert db_fingerprint(container) == before


def test_body_over_one_mib_gets_413_when_chunked(slack: SlackDriver, quiet: Any) -> None:
    """No Content-Length to trust: the read itself is capped (an unsigned body, so a 413 also shows that the size
    is checked before anything else)."""

    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b"x" * (MIB // 2)

    response = requests.post(slack.url, data=chunks(), headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413


def test_body_just_under_the_limit_is_read_and_handled(slack: SlackDriver, quiet: Any) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x", "padding": ""}).encode()
    body = body.replace(b'"padding": ""', b'"padding": "' + b"x" * (MIB - len(body) - 1) + b'"')
    assert MIB - 10 < len(body) <= MIB
    response = _raw_post(slack, body, content_type="application/json", headers=_signed(body))
    assert response.status_code == 200 and "c-123" in response.text


# --- 400: signed but not something Slack sends --------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
SIGNED_MALFORMED = [
    pytest.param(b"null", "application/json", id="json-null"),
    pytest.param(b"[]", "application/json", id="json-array"),
    pytest.param(b'"just a string"', "application/json", id="json-string"),
    pytest.param(b'{"type": "event_callback", "event": {', "application/json", id="truncated-json"),
    pytest.param(b"[" * 100_000, "application/json", id="deeply-nested"),
    pytest.param(b"payload=%7Bbad", FORM, id="payload-bad-json"),
    pytest.param(b"payload=null", FORM, id="payload-null"),
    pytest.param(b"payload=%5B%5D", FORM, id="payload-array"),
    pytest.param(b"payload=%7B%7D&payload=%7B%7D", FORM, id="payload-twice"),
    pytest.param(b"command=%2Flunchlearn&command=%2Fother", FORM, id="field-twice"),
    pytest.param(b"a&&b", FORM, id="bad-form"),
    pytest.param(b"", FORM, id="empty-form"),
    pytest.param(b"", "application/json", id="empty-json"),
    pytest.param(b"\xff\xfe{}", "application/json", id="not-utf8"),
    pytest.param(_event_body(marker=MARKER).encode(), "text/plain", id="event-as-text-plain"),
    pytest.param(_event_body(marker=MARKER).encode(), "multipart/form-data", id="event-as-multipart"),
    pytest.param(_event_body(marker=MARKER).encode(), "application/xml", id="event-as-xml"),
    pytest.param(_event_body(marker=MARKER).encode(), None, id="event-without-content-type"),
    pytest.param(_event_body(marker=MARKER).encode(), FORM, id="event-as-form"),
    pytest.param(b"command=%2Flunchlearn&text=help", "application/json", id="form-as-json"),
    pytest.param(json.dumps({"type": "event_callback", "event": 5}).encode(), "application/json", id="event-int"),
    pytest.param(_event_body(event={"type": "reaction_added"}).encode(), "application/json", id="reaction-no-fields"),
    pytest.param(_event_body(event={"type": "message", "channel": 5}).encode(), "application/json", id="message-int"),
    pytest.param(json.dumps({"type": "nonsense", "x": MARKER}).encode(), "application/json", id="unknown-type"),
    pytest.param(b"command=%2Flunchlearn&text=new&user_id=UORG", FORM, id="command-missing-fields"),
    pytest.param(
        b"payload=" + json.dumps({"type": "block_actions", "user": {"id": "U"}, "actions": []}).encode(),
        FORM,
        id="actions-empty",
    ),
    pytest.param(
        b"payload="
        + json.dumps(
            {
                "type": "view_submission",
                "user": {"id": "UORG", "team_id": "T1"},
                "view": {"id": "V1", "type": "modal", "callback_id": 7, "private_metadata": MARKER},
            }
        ).encode(),
        FORM,
        id="view-callback-int",
    ),
]


@pytest.mark.parametrize(("body", "content_type"), SIGNED_MALFORMED)
def test_signed_but_malformed_bodies_get_400(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    container: Container,
    quiet: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str | None,
) -> None:
    before = db_fingerprint(container)
    response = _raw_post(slack, body, content_type=content_type, headers=_signed(body))
    assert response.status_code == 400, response.text
    assert db_fingerprint(container) == before
    refusals = [r for r in quiet.records if r.name == "bot.middleware.edge"]
    assert [r.levelno for r in refusals] == [logging.WARNING]
    assert fake_slack.calls_to("views.publish") == []


CONTENT_TYPE_VARIANTS = [
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON;charset=UTF-8",
]


@pytest.mark.parametrize("content_type", CONTENT_TYPE_VARIANTS)
def test_json_content_type_variants_are_accepted(
    slack: SlackDriver, fake_slack: FakeSlack, quiet: Any, content_type: str
) -> None:
    body = _event_body().encode()
    assert _raw_post(slack, body, content_type=content_type, headers=_signed(body)).status_code == 200
    fake_slack.wait_for("views.publish")


def test_form_with_charset_is_accepted(slack: SlackDriver, fake_slack: FakeSlack, quiet: Any) -> None:
    response = slack.command("help", user=ORGANISER)  # the driver's usual form
    assert response.status_code == 200
    body = response.request.body
    assert isinstance(body, bytes)
    again = _raw_post(slack, body, content_type=f"{FORM}; charset=utf-8", headers=_signed(body))
    assert again.status_code == 200


# --- Parsing by field: the word "payload" -------------------------------------------------------------------------


def test_slash_text_with_the_word_payload_is_handled(slack: SlackDriver, fake_slack: FakeSlack, quiet: Any) -> None:
    response = slack.command("payload", user=ORGANISER)
    assert response.status_code == 200
    [reply] = fake_slack.wait_for(slack.last_webhook)
    assert "I don't know `payload`" in json.dumps(reply.params)


def test_a_question_about_payloads_arrives(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, quiet: Any
) -> None:
    talk_id, _, _ = live_talk(slack, fake_slack, container)
    response = slack.command("ask How big can a payload get?", user=SPEAKER)
    assert response.status_code == 200
    wait_until(lambda: len(questions_in_db(container, talk_id)) == 1)
    assert questions_in_db(container, talk_id)[0].text == "How big can a payload get?"


# --- URL buttons ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action_id", [ids.ACTION_JOIN_STREAM, ids.ACTION_ADD_TO_CALENDAR])
def test_url_buttons_are_acknowledged(slack: SlackDriver, quiet: Any, action_id: str) -> None:
    response = slack.click(
        {"type": "button", "action_id": action_id, "value": "1", "url": "https://example.com/x"},
        user=ORGANISER,
        channel="CGENERAL",
        message_ts="1.0",
    )
    assert response.status_code == 200


# --- Missing state.values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "message"), [(ORGANISER, "incomplete"), (SPEAKER, "正しく届きませんでした")])
def test_view_submission_without_state_values_gets_an_inline_error(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, quiet: Any, user: str, message: str
) -> None:
    view = open_new_modal(slack, fake_slack, user=user)
    payload = {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "AFAKE",
        "trigger_id": "t-1",
        "view": {**view, "id": "V1", "team_id": "T1", "hash": "h"},  # no "state" at all
    }
    response = slack.interactive(payload)
    assert response.status_code == 200
    body = ack_json(response)
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [ids.BLOCK_TITLE] and message in body["errors"][ids.BLOCK_TITLE]
    payload["view"]["state"] = {}  # state without values
    assert ack_json(slack.interactive(payload))["response_action"] == "errors"
    assert talks_in_db(container) == []


def test_view_submission_without_state_or_inputs_gets_400(slack: SlackDriver, container: Container, quiet: Any) -> None:
    payload = {
        "type": "view_submission",
        "user": {"id": ORGANISER, "team_id": "T1"},
        "view": {"id": "V1", "type": "modal", "callback_id": ids.CALLBACK_TALK_CANCEL, "blocks": []},
    }
    before = db_fingerprint(container)
    assert slack.interactive(payload).status_code == 400
    assert db_fingerprint(container) == before


# --- respond: only Slack's hosts ------------------------------------------------------------------------------------


def test_response_url_elsewhere_is_refused_and_logged(
    slack: SlackDriver, fake_slack: FakeSlack, quiet: pytest.LogCaptureFixture
) -> None:
    with FakeSlack() as elsewhere:  # another host:port than SLACK_API_URL
        fields = {
            "token": "legacy",
            "team_id": "T1",
            "channel_id": "CGENERAL",
            "user_id": ORGANISER,
            "command": "/lunchlearn",
            "text": "help",
            "response_url": elsewhere.webhook_url("evil"),
            "trigger_id": "t-9",
        }
        assert slack.form(fields).status_code == 200
        wait_until(lambda: any("Refused to post to a response_url" in r.getMessage() for r in quiet.records))
        elsewhere.assert_no_call("webhook/evil", within=0.3)
        # The same command with Slack's own response_url (the fake, at SLACK_API_URL) is answered.
        assert slack.form({**fields, "response_url": fake_slack.webhook_url("good")}).status_code == 200
        fake_slack.wait_for("webhook/good")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/1/abc", True),
        ("https://hooks.slack.com:443/actions/T1/1/abc", True),
        ("https://hooks.slack-gov.com/commands/T1/1/abc", True),
        ("http://hooks.slack.com/commands/T1/1/abc", False),
        ("https://hooks.slack.com:8443/commands/T1/1/abc", False),
        ("https://hooks.slack.com.evil.example/commands", False),
        ("https://hooks.slack.com@evil.example/commands", False),
        ("https://evil.example/hooks.slack.com", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("file:///etc/passwd", False),
        ("https://[::1/x", False),
        ("", False),
    ],
)
def test_response_url_hosts(container: Container, url: str, allowed: bool) -> None:
    gateway: SlackGateway = container.slack
    assert gateway.response_url_allowed(url) is allowed
