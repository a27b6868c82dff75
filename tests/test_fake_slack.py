"""Tests of the test rig itself: the fake Slack Web API (through a real slack_sdk WebClient) and request signing."""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakes.signing import sign, signed_headers
from tests.fakes.slack_api import Call, FakeSlack, validate_message_blocks, validate_view


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url, timeout=5)


def error_of(exc_info: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc_info.value.response["error"])


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def opt(label: str, value: str) -> dict[str, Any]:
    return {"text": pt(label), "value": value}


REALISTIC_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "talk_submit",
    "title": pt("Propose a talk"),
    "submit": pt("Schedule"),
    "close": pt("Cancel"),
    "private_metadata": json.dumps({"channel": "C1", "talk": 42}),
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": pt("Title"),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": 150,
                "min_length": 3,
                "placeholder": pt("What will you talk about?"),
                "initial_value": "Rust for Pythonistas",
            },
        },
        {
            "type": "input",
            "block_id": "abstract",
            "optional": True,
            "label": pt("Abstract"),
            "hint": pt("A few sentences; mrkdwn is fine."),
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000},
        },
        {
            "type": "input",
            "block_id": "speakers",
            "label": pt("Speakers"),
            "element": {
                "type": "multi_users_select",
                "action_id": "value",
                "initial_users": ["U1"],
                "max_selected_items": 3,
                "placeholder": pt("Pick speakers"),
            },
        },
        {
            "type": "input",
            "block_id": "starts_at",
            "label": pt("Starts at"),
            "element": {"type": "datetimepicker", "action_id": "value", "initial_date_time": 1_700_000_000},
        },
        {
            "type": "input",
            "block_id": "duration",
            "label": pt("Duration (minutes)"),
            "element": {
                "type": "number_input",
                "action_id": "value",
                "is_decimal_allowed": False,
                "min_value": "5",
                "max_value": "120",
                "initial_value": "45",
            },
        },
        {
            "type": "input",
            "block_id": "level",
            "label": pt("Level"),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [opt("Beginner", "beginner"), opt("Advanced", "advanced")],
                "initial_option": opt("Beginner", "beginner"),
            },
        },
        {
            "type": "input",
            "block_id": "channel",
            "label": pt("Announce in"),
            "element": {
                "type": "conversations_select",
                "action_id": "value",
                "default_to_current_conversation": True,
                "initial_conversation": "C1",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
        },
        {
            "type": "input",
            "block_id": "format",
            "label": pt("Format"),
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": [
                    {"text": pt("In person"), "value": "in_person", "description": pt("Room 4.01")},
                    {"text": {"type": "mrkdwn", "text": "*Remote*"}, "value": "remote"},
                ],
                "initial_option": {"text": pt("In person"), "value": "in_person", "description": pt("Room 4.01")},
            },
        },
        {
            "type": "input",
            "block_id": "extras",
            "optional": True,
            "label": pt("Extras"),
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [opt("Record it", "record"), opt("Order food", "food")],
                "initial_options": [opt("Order food", "food")],
            },
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Times are in your time zone."}]},
    ],
}

REALISTIC_MESSAGE_BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "block_id": "header", "text": pt("Lunch & Learn: Rust for Pythonistas")},
    {
        "type": "section",
        "block_id": "when",
        "text": {"type": "mrkdwn", "text": "*When:* <!date^1700000000^{date_short_pretty} at {time}|Nov 14>"},
        "fields": [{"type": "mrkdwn", "text": "*Speaker*\n<@U1>"}, {"type": "mrkdwn", "text": "*Room*\n4.01"}],
        "accessory": {
            "type": "overflow",
            "action_id": "menu",
            "options": [opt("Edit", "edit"), opt("Cancel talk", "cancel")],
        },
    },
    {
        "type": "context",
        "block_id": "going",
        "elements": [
            {"type": "mrkdwn", "text": "3 going"},
            {"type": "image", "image_url": "https://example.com/avatar.png", "alt_text": "alice"},
        ],
    },
    {"type": "divider"},
    {
        "type": "actions",
        "block_id": "rsvp",
        "elements": [
            {"type": "button", "action_id": "going", "text": pt("I'm going"), "value": "talk:42", "style": "primary"},
            {
                "type": "button",
                "action_id": "not_going",
                "text": pt("Can't make it"),
                "value": "talk:42",
                "style": "danger",
                "confirm": {
                    "title": pt("Sure?"),
                    "text": pt("We'll miss you."),
                    "confirm": pt("Yes"),
                    "deny": pt("No"),
                },
            },
            {"type": "button", "action_id": "calendar", "text": pt("Add to calendar"), "url": "https://example.com"},
            {"type": "overflow", "action_id": "more", "options": [opt("Edit", "edit"), opt("Cancel", "cancel")]},
        ],
    },
    {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Hosted by ", "style": {"bold": True}},
                    {"type": "user", "user_id": "U1"},
                    {"type": "emoji", "name": "tada"},
                ],
            }
        ],
    },
]


def message_blocks() -> list[dict[str, Any]]:
    return copy.deepcopy(REALISTIC_MESSAGE_BLOCKS)


def modal(**changes: Any) -> dict[str, Any]:
    view = copy.deepcopy(REALISTIC_MODAL)
    view.update(changes)
    return view


def raw_request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers, response.read().decode("utf-8")


# ----------------------------------------------------------------------------------------------------------------
# Lifecycle, auth and transport
# ----------------------------------------------------------------------------------------------------------------


def test_start_returns_self_and_stop_is_idempotent() -> None:
    fake = FakeSlack().start()
    try:
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert fake.base_url.endswith("/")
        assert WebClient(token="xoxb-x", base_url=fake.base_url).auth_test()["ok"] is True
    finally:
        fake.stop()
        fake.stop()


def test_auth_test_reports_identity_and_scopes() -> None:
    with FakeSlack(bot_user_id="UB0T", team_id="T9", scopes=("commands", "chat:write")) as fake:
        response = WebClient(token="xoxb-test", base_url=fake.base_url).auth_test()
    assert response["ok"] is True
    assert response["user_id"] == "UB0T"
    assert response["team_id"] == "T9"
    assert response["bot_id"] == "BBOT"
    assert response["url"] and response["team"] and response["user"]
    headers = {key.lower(): value for key, value in response.headers.items()}
    assert headers["x-oauth-scopes"] in ("commands,chat:write", ["commands,chat:write"])
    assert "application/json" in str(headers["content-type"])


def test_invalid_token_is_rejected(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        WebClient(token="xoxp-user", base_url=fake.base_url).auth_test()
    assert error_of(exc_info) == "invalid_auth"
    assert exc_info.value.response.status_code == 200
    assert fake.calls[-1].token == "xoxp-user"


def test_token_may_come_as_a_form_param(fake: FakeSlack) -> None:
    status, _, text = raw_request(f"{fake.base_url}auth.test", b"token=xoxb-form")
    assert status == 200
    assert json.loads(text)["ok"] is True
    assert fake.calls[-1].token == "xoxb-form"
    assert "token" not in fake.calls[-1].params


def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    _, _, text = raw_request(f"{fake.base_url}auth.test")
    assert json.loads(text) == {"ok": False, "error": "not_authed"}


def test_app_token_only_opens_socket_mode_connections(fake: FakeSlack, client: WebClient) -> None:
    app_client = WebClient(token="xapp-1-test", base_url=fake.base_url)
    assert app_client.apps_connections_open(app_token="xapp-1-test")["url"] == "ws://127.0.0.1:1/"
    with pytest.raises(SlackApiError) as exc_info:
        client.apps_connections_open(app_token="xoxb-test")
    assert error_of(exc_info) == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as exc_info:
        app_client.chat_postMessage(channel="C1", text="hi")
    assert error_of(exc_info) == "not_allowed_token_type"


def test_unknown_method_fails(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.api_call("chat.postMesage", json={"channel": "C1", "text": "typo"})
    assert error_of(exc_info) == "unknown_method"
    assert fake.calls[-1].method == "chat.postMesage"


def test_missing_scope(fake: FakeSlack) -> None:
    with FakeSlack(scopes=("chat:write",)) as limited:
        client = WebClient(token="xoxb-test", base_url=limited.base_url)
        with pytest.raises(SlackApiError) as exc_info:
            client.users_info(user="U1")
    assert exc_info.value.response["error"] == "missing_scope"
    assert exc_info.value.response["needed"] == "users:read"


def test_form_encoded_params_decode_json_blocks(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    client.api_call("chat.postMessage", data={"channel": "C1", "text": "hi", "blocks": json.dumps(blocks)})
    call = fake.calls_to("chat.postMessage")[-1]
    assert call.params["blocks"] == blocks
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert fake.messages["C1"][-1]["blocks"] == blocks


def test_get_with_query_string_and_trailing_slash(fake: FakeSlack) -> None:
    fake.add_user("U1")
    request = urllib.request.Request(
        f"{fake.base_url}users.info/?user=U1&include_locale=true", headers={"Authorization": "Bearer xoxb-test"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        body = response.read()
        assert response.headers["Content-Length"] == str(len(body))
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body)["user"]["locale"] == "en-US"
    assert fake.calls[-1].method == "users.info"
    assert fake.calls[-1].params == {"user": "U1", "include_locale": "true"}


# ----------------------------------------------------------------------------------------------------------------
# chat.*
# ----------------------------------------------------------------------------------------------------------------


def test_post_message_stores_message_and_mints_increasing_ts(fake: FakeSlack, client: WebClient) -> None:
    metadata = {"event_type": "talk_announced", "event_payload": {"talk_id": 42}}
    first = client.chat_postMessage(channel="C1", text="one", metadata=metadata)
    second = client.chat_postMessage(channel="C1", text="two", thread_ts=first["ts"], reply_broadcast=True)
    assert abs(float(first["ts"]) - time.time()) < 60  # the posting time, as Slack mints it
    assert float(second["ts"]) > float(first["ts"])
    assert first["channel"] == "C1"
    assert first["message"]["text"] == "one"
    assert first["message"]["user"] == "UBOT"
    stored = fake.messages["C1"]
    assert [m["text"] for m in stored] == ["one", "two"]
    assert stored[0]["metadata"] == metadata
    assert stored[0]["bot_id"] == "BBOT"
    assert stored[1]["thread_ts"] == first["ts"]
    assert stored[1]["reply_broadcast"] is True


def test_post_message_requires_text_or_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert error_of(exc_info) == "no_text"


def test_post_message_respects_channel_membership(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("CPUB", is_member=False)
    fake.add_channel("GPRIV", is_private=True, is_member=False)
    fake.add_channel("COLD", is_archived=True)
    for channel, error in [("CPUB", "not_in_channel"), ("GPRIV", "channel_not_found"), ("COLD", "is_archived")]:
        with pytest.raises(SlackApiError) as exc_info:
            client.chat_postMessage(channel=channel, text="hi")
        assert error_of(exc_info) == error
    assert "CPUB" not in fake.messages or fake.messages["CPUB"] == []


def test_chat_write_public_allows_posting_to_public_channels_without_joining() -> None:
    with FakeSlack(scopes=("chat:write", "chat:write.public")) as fake:
        fake.add_channel("CPUB", is_member=False)
        response = WebClient(token="xoxb-test", base_url=fake.base_url).chat_postMessage(channel="CPUB", text="hi")
    assert response["channel"] == "CPUB"


def test_post_message_to_a_user_goes_to_the_dm(fake: FakeSlack, client: WebClient) -> None:
    response = client.chat_postMessage(channel="U123", text="psst")
    assert response["channel"] == "DU123"
    assert fake.messages["DU123"][0]["text"] == "psst"
    assert client.conversations_open(users="U123")["channel"]["id"] == "DU123"


def test_update_changes_the_stored_message(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="old", blocks=message_blocks())
    response = client.chat_update(channel="C1", ts=posted["ts"], text="new")
    assert response["ts"] == posted["ts"]
    assert response["text"] == "new"
    current = fake.message("C1", posted["ts"])
    assert current["text"] == "new"
    assert current["blocks"] == REALISTIC_MESSAGE_BLOCKS  # blocks omitted from chat.update are kept
    assert current["updated"] == 1
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_update(channel="C1", ts="1.000000", text="x")
    assert error_of(exc_info) == "message_not_found"


def test_cannot_update_someone_elses_message(fake: FakeSlack, client: WebClient) -> None:
    seeded = fake.add_message("C1", "from a human", user="U1")
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_update(channel="C1", ts=seeded["ts"], text="hijack")
    assert error_of(exc_info) == "cant_update_message"


def test_post_ephemeral_is_recorded_but_not_in_history(fake: FakeSlack, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert response["message_ts"]
    assert fake.ephemeral == [
        {
            "channel": "C1",
            "user": "U1",
            "ts": response["message_ts"],
            "text": "only you",
            "blocks": None,
            "thread_ts": None,
        }
    ]
    assert client.conversations_history(channel="C1")["messages"] == []


def test_delete_and_permalink(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="bye")
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])["permalink"]
    assert link == "https://fake.slack.com/archives/C1/p" + posted["ts"].replace(".", "")
    client.chat_delete(channel="C1", ts=posted["ts"])
    assert fake.messages["C1"] == []
    with pytest.raises(KeyError):
        fake.message("C1", posted["ts"])


# ----------------------------------------------------------------------------------------------------------------
# conversations.* and users.*
# ----------------------------------------------------------------------------------------------------------------


def test_conversations_info(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C1", name="general")
    fake.add_channel("GSECRET", is_private=True, is_member=False)
    channel = client.conversations_info(channel="C1")["channel"]
    assert channel["id"] == "C1"
    assert channel["name"] == "general"
    assert (channel["is_channel"], channel["is_private"], channel["is_member"], channel["is_im"]) == (
        True,
        False,
        True,
        False,
    )
    for hidden in ("GSECRET", "CUNKNOWN"):
        with pytest.raises(SlackApiError) as exc_info:
            client.conversations_info(channel=hidden)
        assert error_of(exc_info) == "channel_not_found"


def test_conversations_members_pages_with_a_cursor(fake: FakeSlack, client: WebClient) -> None:
    people = [f"U{n:04d}" for n in range(250)]
    fake.add_channel("GPRIV", is_private=True, is_member=True, members=people)
    fake.add_channel("GHIDDEN", is_private=True, is_member=False, members=["U0001"])
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_members(channel="GPRIV", limit=100, cursor=cursor or None)
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and seen == [*people, "UBOT"]
    with pytest.raises(SlackApiError) as exc_info:
        client.conversations_members(channel="GHIDDEN")
    assert error_of(exc_info) == "channel_not_found"
    with pytest.raises(SlackApiError) as exc_info:
        client.conversations_members(channel="GPRIV", cursor="bogus")
    assert error_of(exc_info) == "invalid_cursor"


def test_conversations_join(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("CPUB", is_member=False)
    fake.add_channel("GPRIV", is_private=True, is_member=True)
    assert client.conversations_join(channel="CPUB")["channel"]["is_member"] is True
    assert fake.channels["CPUB"]["is_member"] is True
    client.chat_postMessage(channel="CPUB", text="now I can post")
    with pytest.raises(SlackApiError) as exc_info:
        client.conversations_join(channel="GPRIV")
    assert error_of(exc_info) == "method_not_supported_for_channel_type"
    with pytest.raises(SlackApiError) as exc_info:
        client.conversations_join(channel="CNOPE")
    assert error_of(exc_info) == "channel_not_found"


def test_history_newest_first_with_limit_oldest_latest_and_metadata(fake: FakeSlack, client: WebClient) -> None:
    metadata = {"event_type": "talk_announced", "event_payload": {"talk_id": 7}}
    ts = [client.chat_postMessage(channel="C1", text=f"m{i}", metadata=metadata)["ts"] for i in range(5)]
    client.chat_postMessage(channel="C1", text="hidden reply", thread_ts=ts[0])

    history = client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["m4", "m3", "m2", "m1", "m0"]
    assert "metadata" not in history["messages"][0]
    assert history["messages"][-1]["reply_count"] == 1

    limited = client.conversations_history(channel="C1", limit=2, include_all_metadata=True)
    assert [m["text"] for m in limited["messages"]] == ["m4", "m3"]
    assert limited["has_more"] is True
    assert limited["messages"][0]["metadata"] == metadata
    next_page = client.conversations_history(channel="C1", limit=2, cursor=limited["response_metadata"]["next_cursor"])
    assert [m["text"] for m in next_page["messages"]] == ["m2", "m1"]

    window = client.conversations_history(channel="C1", oldest=ts[1], latest=ts[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]
    inclusive = client.conversations_history(channel="C1", oldest=ts[1], latest=ts[3], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]


def test_replies_return_parent_then_replies(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    fake.add_message("C1", "human reply", user="U1", thread_ts=parent)
    client.chat_postMessage(channel="C1", text="bot reply", thread_ts=parent)
    messages = client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [m["text"] for m in messages] == ["parent", "human reply", "bot reply"]
    assert messages[0]["reply_count"] == 2
    with pytest.raises(SlackApiError) as exc_info:
        client.conversations_replies(channel="C1", ts="1.000000")
    assert error_of(exc_info) == "thread_not_found"


def test_users_info(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", name="hanako", locale="ja-JP", tz="Asia/Tokyo", is_admin=True, email="hanako@example.com")
    user = client.users_info(user="U1", include_locale=True)["user"]
    assert user["id"] == "U1"
    assert user["name"] == "hanako"
    assert user["locale"] == "ja-JP"
    assert user["tz"] == "Asia/Tokyo"
    assert user["tz_offset"] == 9 * 3600
    assert user["tz_label"]
    assert user["is_admin"] is True and user["is_owner"] is False and user["is_bot"] is False
    assert user["profile"]["email"] == "hanako@example.com"
    assert user["profile"]["display_name"] == "hanako"
    assert "locale" not in client.users_info(user="U1")["user"]
    with pytest.raises(SlackApiError) as exc_info:
        client.users_info(user="U404")
    assert error_of(exc_info) == "user_not_found"


def test_users_info_tz_offset_follows_dst_and_can_be_overridden(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1")
    fake.add_user("U2", tz="Europe/Paris", tz_offset=1234)
    offset = datetime.now(ZoneInfo("America/New_York")).utcoffset()
    assert offset is not None
    assert client.users_info(user="U1")["user"]["tz_offset"] == int(offset.total_seconds())
    assert client.users_info(user="U2")["user"]["tz_offset"] == 1234


# ----------------------------------------------------------------------------------------------------------------
# views.* and reactions.*
# ----------------------------------------------------------------------------------------------------------------


def test_views_lifecycle(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="123.456.abc", view=modal(external_id="talk-42"))["view"]
    assert opened["id"].startswith("V")
    assert opened["callback_id"] == "talk_submit"
    assert opened["hash"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(title=pt("Edit talk")))["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert fake.views[opened["id"]]["title"]["text"] == "Edit talk"
    by_external = client.views_update(external_id="talk-42", view=modal())["view"]
    assert by_external["id"] == opened["id"]
    with pytest.raises(SlackApiError) as exc_info:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    assert error_of(exc_info) == "hash_conflict"
    with pytest.raises(SlackApiError) as exc_info:
        client.views_update(view_id="VNOPE", view=modal())
    assert error_of(exc_info) == "not_found"
    pushed = client.views_push(trigger_id="123.456.def", view=modal())["view"]
    assert pushed["id"] != opened["id"]


def test_views_update_validates_the_new_view_and_keeps_the_old_one_when_refused(
    fake: FakeSlack, client: WebClient
) -> None:
    """A form that redraws itself: an input that dispatches its action and an actions block are fine; a bad
    view is refused with invalid_arguments (like views.open) and what is on screen stays, hash included."""
    radio = {
        "type": "input",
        "block_id": "kind",
        "dispatch_action": True,
        "label": pt("Stream"),
        "element": {"type": "radio_buttons", "action_id": "kind_pick", "options": [opt("A", "a"), opt("B", "b")]},
    }
    more = {"type": "actions", "block_id": "more", "elements": [{"type": "button", "action_id": "m", "text": pt("M")}]}
    opened = client.views_open(trigger_id="123.456.abc", view=modal(blocks=[radio, more]))["view"]
    bad = modal(blocks=[radio, {**more, "elements": []}])
    with pytest.raises(SlackApiError) as exc_info:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=bad)
    assert error_of(exc_info) == "invalid_arguments"
    assert fake.views[opened["id"]]["hash"] == opened["hash"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(blocks=[radio]))["view"]
    assert [b["block_id"] for b in updated["blocks"]] == ["kind"]


def test_views_open_and_push_require_a_trigger_id(client: WebClient) -> None:
    for method in ("views.open", "views.push"):
        with pytest.raises(SlackApiError) as exc_info:
            client.api_call(method, json={"view": modal()})
        assert error_of(exc_info) == "invalid_arguments"


def test_views_publish_home_tab(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Upcoming*"}}]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view=home)["view"]
    assert first["type"] == "home"
    assert again["id"] == first["id"]
    assert client.views_publish(user_id="U2", view=home)["view"]["id"] != first["id"]


def test_reactions(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="react to me")["ts"]
    client.reactions_add(channel="C1", timestamp=ts, name="tada")
    with pytest.raises(SlackApiError) as exc_info:
        client.reactions_add(channel="C1", timestamp=ts, name="tada")
    assert error_of(exc_info) == "already_reacted"
    got = client.reactions_get(channel="C1", timestamp=ts)
    assert got["message"]["reactions"] == [{"name": "tada", "users": ["UBOT"], "count": 1}]
    client.reactions_remove(channel="C1", timestamp=ts, name="tada")
    with pytest.raises(SlackApiError) as exc_info:
        client.reactions_remove(channel="C1", timestamp=ts, name="tada")
    assert error_of(exc_info) == "no_reaction"
    assert "reactions" not in fake.message("C1", ts)
    with pytest.raises(SlackApiError) as exc_info:
        client.reactions_add(channel="C1", timestamp="1.000000", name="tada")
    assert error_of(exc_info) == "message_not_found"


# ----------------------------------------------------------------------------------------------------------------
# response_url webhooks
# ----------------------------------------------------------------------------------------------------------------


def test_webhook_posts_are_recorded(fake: FakeSlack) -> None:
    response = WebhookClient(fake.webhook_url("cmd-1")).send(
        text="only you", blocks=REALISTIC_MESSAGE_BLOCKS, response_type="ephemeral"
    )
    assert (response.status_code, response.body) == (200, "ok")
    [call] = fake.wait_for("webhook/cmd-1")
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"] == "only you"
    assert fake.validation_errors == []


def test_webhook_with_invalid_blocks_is_a_400(fake: FakeSlack) -> None:
    response = WebhookClient(fake.webhook_url()).send(text="x", blocks=[{"type": "sektion"}])
    assert (response.status_code, response.body) == (400, "invalid_blocks")
    assert fake.validation_errors == ["webhook/response: /blocks/0: unknown block type 'sektion'"]


# ----------------------------------------------------------------------------------------------------------------
# Failure injection
# ----------------------------------------------------------------------------------------------------------------


def test_fail_next_is_consumed_in_order(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", "channel_not_found", times=2)
    fake.fail_next("chat.postMessage", "msg_too_long")
    errors = []
    for _ in range(3):
        with pytest.raises(SlackApiError) as exc_info:
            client.chat_postMessage(channel="C1", text="hi")
        errors.append(error_of(exc_info))
    assert errors == ["channel_not_found", "channel_not_found", "msg_too_long"]
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [200, 200, 200, 200]
    assert [c.error for c in fake.calls_to("chat.postMessage")] == [
        "channel_not_found",
        "channel_not_found",
        "msg_too_long",
        None,
    ]


def test_fail_next_with_http_status_is_retried_by_server_error_handler(fake: FakeSlack) -> None:
    fake.fail_next("auth.test", status=500)
    client = WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[ServerErrorRetryHandler()])
    assert client.auth_test()["ok"] is True
    assert [c.status for c in fake.calls_to("auth.test")] == [500, 200]


def test_rate_limited_without_retry_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C1", text="hi")
    assert exc_info.value.response.status_code == 429
    assert error_of(exc_info) == "ratelimited"
    headers = {key.lower(): value for key, value in exc_info.value.response.headers.items()}
    assert headers["retry-after"] in ("7", ["7"])


def test_rate_limit_retry_handler_retries_after_429(fake: FakeSlack) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=1, times=1)
    client = WebClient(
        token="xoxb-test", base_url=fake.base_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="eventually")
    assert response["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake.messages["C1"]) == 1


def test_delay_next(fake: FakeSlack, client: WebClient) -> None:
    fake.delay_next("auth.test", 0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


def test_set_latency_slows_every_call_until_removed(fake: FakeSlack, client: WebClient) -> None:
    def took(call: Any) -> float:
        started = time.monotonic()
        call()
        return time.monotonic() - started

    fake.add_user("U1")
    fake.set_latency("*", 0.2)
    fake.set_latency("users.info", 0.4)  # a method's own latency replaces the "*" one
    assert 0.2 <= took(client.auth_test) < 0.4
    assert 0.2 <= took(client.auth_test) < 0.4
    assert took(lambda: client.users_info(user="U1")) >= 0.4
    fake.set_latency("*", None)
    fake.set_latency("users.info", None)
    assert took(client.auth_test) < 0.2


# ----------------------------------------------------------------------------------------------------------------
# wait_for / assert_no_call / reset_calls
# ----------------------------------------------------------------------------------------------------------------


def test_wait_for_sees_calls_made_from_another_thread(fake: FakeSlack, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.1)
        client.chat_postMessage(channel="C1", text="first")
        client.chat_postMessage(channel="C2", text="second")

    threading.Thread(target=later, daemon=True).start()
    calls = fake.wait_for("chat.postMessage", count=2, timeout=3)
    assert [c.params["text"] for c in calls] == ["first", "second"]
    [c2] = fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C2")
    assert isinstance(c2, Call) and c2.response["channel"] == "C2"


def test_wait_for_timeout_lists_recorded_calls(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError) as exc_info:
        fake.wait_for("chat.postMessage", timeout=0.1)
    message = str(exc_info.value)
    assert "chat.postMessage" in message
    assert "1. auth.test -> 200 ok" in message


def test_assert_no_call_and_reset(fake: FakeSlack, client: WebClient) -> None:
    fake.assert_no_call("chat.postMessage", within=0.05)
    client.chat_postMessage(channel="C1", text="hi")
    fake.assert_no_call("chat.postMessage", within=0.05, where=lambda c: c.params["channel"] == "C9")
    with pytest.raises(AssertionError):
        fake.assert_no_call("chat.postMessage", within=0.05)
    fake.reset_calls()
    assert fake.calls == []
    fake.assert_no_call("chat.postMessage", within=0.05)


def test_concurrent_posts_get_unique_increasing_ts(fake: FakeSlack) -> None:
    def post(i: int) -> None:
        WebClient(token="xoxb-test", base_url=fake.base_url).chat_postMessage(channel="C1", text=str(i))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [m["ts"] for m in fake.messages["C1"]]
    assert len(set(stamps)) == 20
    assert stamps == sorted(stamps, key=float)


def test_recorded_order_matches_the_order_updates_were_applied(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="v0")["ts"]

    def update(i: int) -> None:
        WebClient(token="xoxb-test", base_url=fake.base_url).chat_update(channel="C1", ts=ts, text=f"v{i}")

    threads = [threading.Thread(target=update, args=(i,)) for i in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    last = fake.calls_to("chat.update")[-1]
    assert fake.message("C1", ts)["text"] == last.params["text"]
    assert fake.message("C1", ts)["updated"] == 20


# ----------------------------------------------------------------------------------------------------------------
# Block Kit validation
# ----------------------------------------------------------------------------------------------------------------


def test_realistic_modal_and_message_pass_validation(fake: FakeSlack, client: WebClient) -> None:
    assert validate_view(REALISTIC_MODAL) == []
    assert validate_message_blocks(REALISTIC_MESSAGE_BLOCKS) == []
    client.views_open(trigger_id="1.2.3", view=REALISTIC_MODAL)
    client.chat_postMessage(channel="C1", text="Rust for Pythonistas", blocks=REALISTIC_MESSAGE_BLOCKS)
    client.chat_update(channel="C1", ts=fake.messages["C1"][0]["ts"], text="x", blocks=REALISTIC_MESSAGE_BLOCKS)
    client.chat_postEphemeral(channel="C1", user="U1", text="x", blocks=REALISTIC_MESSAGE_BLOCKS)
    assert fake.validation_errors == []


def test_more_element_types_pass_validation() -> None:
    elements = [
        {"type": "datepicker", "action_id": "d", "initial_date": "2024-05-01"},
        {"type": "timepicker", "action_id": "t", "initial_time": "12:30", "timezone": "Asia/Tokyo"},
        {"type": "users_select", "action_id": "u", "initial_user": "U1"},
        {"type": "multi_static_select", "action_id": "m", "options": [opt("a", "a")], "max_selected_items": 2},
        {"type": "external_select", "action_id": "x", "min_query_length": 2},
        {"type": "email_text_input", "action_id": "e"},
        {"type": "url_text_input", "action_id": "url"},
        {
            "type": "rich_text_input",
            "action_id": "r",
            "initial_value": {
                "type": "rich_text",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}],
            },
        },
        {
            "type": "multi_conversations_select",
            "action_id": "c",
            "filter": {"include": ["public"], "exclude_external_shared_channels": True},
        },
    ]
    blocks = [
        {"type": "input", "block_id": f"b{i}", "label": pt("Label"), "element": element}
        for i, element in enumerate(elements)
    ]
    assert validate_view({"type": "modal", "title": pt("More"), "submit": pt("Go"), "blocks": blocks}) == []


def assert_rejected(fake: FakeSlack, exc_info: pytest.ExceptionInfo[SlackApiError], fragment: str) -> None:
    """Slack's shapes: views.* answer invalid_arguments with messages; chat.* invalid_blocks with errors too."""
    response = exc_info.value.response
    views = response.api_url.rsplit("/", 1)[-1].startswith("views.")
    assert error_of(exc_info) == ("invalid_arguments" if views else "invalid_blocks")
    assert any(fragment in error for error in fake.validation_errors), fake.validation_errors
    messages = response["response_metadata"]["messages"]
    assert messages and all(m.startswith("[ERROR] ") and "[json-pointer:/" in m for m in messages)
    if not views:
        assert [f"[ERROR] {error}" for error in response["errors"]] == messages


def test_oversized_modal_title_is_rejected(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.views_open(trigger_id="1.2.3", view=modal(title=pt("A title that is far too long for Slack")))
    assert_rejected(fake, exc_info, "title must be between 1 and 24 characters")
    assert fake.views == {}


def test_more_than_50_message_blocks_are_rejected(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"line {i}"}} for i in range(51)]
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C1", text="long", blocks=blocks)
    assert_rejected(fake, exc_info, "no more than 50 items")
    assert fake.messages["C1"] == []


def test_section_text_over_3000_chars_is_rejected(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C1", text="long", blocks=blocks)
    assert_rejected(fake, exc_info, "/blocks/0: text attribute cannot exceed 3000 characters")


@pytest.mark.parametrize(
    ("blocks", "fragment"),
    [
        ([{"type": "sektion", "text": pt("x")}], "/blocks/0: unknown block type 'sektion'"),
        (
            [{"type": "actions", "elements": [{"type": "buton", "text": pt("x"), "action_id": "a"}]}],
            "/blocks/0/elements/0: unknown type 'buton'",
        ),
        ([{"type": "section", "text": pt("x"), "acessory": {"type": "image"}}], "unsupported property 'acessory'"),
        ([{"type": "section", "text": "shorthand"}], "/blocks/0/text: must be an object, not a string"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}], "must be more than 0 characters"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*x*"}}], "/blocks/0/text/type: must be 'plain_text'"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}], "malformed block"),
        ([{"type": "divider", "block_id": "d"}, {"type": "divider", "block_id": "d"}], "duplicate block_id 'd'"),
        ([{"type": "divider", "block_id": "b" * 256}], "block_id cannot exceed 255 characters"),
        (
            [{"type": "actions", "elements": [{"type": "button", "text": pt("x"), "action_id": "a" * 256}]}],
            "action_id attribute cannot exceed 255 characters",
        ),
        (
            [{"type": "actions", "elements": [{"type": "button", "text": pt("x" * 76), "action_id": "a"}]}],
            "text attribute cannot exceed 75 characters",
        ),
        ([{"type": "context", "elements": [{"type": "button", "text": pt("x")}]}], "context elements must be"),
        ("not a list", "/blocks: must be an array"),
    ],
)
def test_invalid_message_blocks_are_rejected(fake: FakeSlack, client: WebClient, blocks: Any, fragment: str) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.api_call("chat.postMessage", json={"channel": "C1", "text": "x", "blocks": blocks})
    assert_rejected(fake, exc_info, fragment)
    assert all(error.startswith("chat.postMessage: ") for error in fake.validation_errors)


def test_message_text_over_40000_chars_is_rejected(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert_rejected(fake, exc_info, "/text: must be less than 40001 characters")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"private_metadata": "x" * 3001}, "private_metadata cannot exceed 3000 characters"),
        ({"callback_id": "c" * 256}, "callback_id cannot exceed 255 characters"),
        ({"submit": pt("S" * 25)}, "submit cannot exceed 24 characters"),
        ({"close": pt("C" * 25)}, "close cannot exceed 24 characters"),
        ({"submit": None}, "/view/submit: required when the view contains input blocks"),
        ({"title": {"type": "mrkdwn", "text": "*Hi*"}}, "/view/title/type: must be 'plain_text'"),
        ({"calback_id": "typo"}, "unsupported property 'calback_id'"),
        ({"blocks": [{"type": "divider"}] * 101}, "views must contain between 1 and 100 blocks"),
        (
            {"blocks": [{"type": "input", "label": pt("x"), "element": {"type": "number_input", "action_id": "n"}}]},
            "/view/blocks/0/element/is_decimal_allowed: missing required field",
        ),
        (
            {"blocks": [{"type": "section", "block_id": "a", "text": pt("1")}] * 2},
            "/view/blocks/1/block_id: duplicate block_id 'a'",
        ),
        (
            {
                "blocks": [
                    {
                        "type": "input",
                        "label": {"type": "mrkdwn", "text": "*x*"},
                        "element": {"type": "plain_text_input"},
                    }
                ]
            },
            "/view/blocks/0/label/type: must be 'plain_text'",
        ),
    ],
)
def test_invalid_views_are_rejected(fake: FakeSlack, client: WebClient, changes: dict[str, Any], fragment: str) -> None:
    view = {key: value for key, value in modal(**changes).items() if value is not None}
    with pytest.raises(SlackApiError) as exc_info:
        client.views_open(trigger_id="1.2.3", view=view)
    assert_rejected(fake, exc_info, fragment)


# ----------------------------------------------------------------------------------------------------------------
# Request signing
# ----------------------------------------------------------------------------------------------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_signature_is_accepted_by_slack_sdk() -> None:
    body = "token=x&team_id=T1&command=%2Flunch&text=list"
    headers = sign(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.encode("utf-8"), sign(SECRET, body.encode("utf-8")))
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])


def test_tampered_body_and_wrong_secret_are_rejected() -> None:
    body = '{"type":"event_callback"}'
    headers = sign(SECRET, body)
    assert not SignatureVerifier(SECRET).is_valid_request(body + " ", headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)


def test_stale_timestamp_is_rejected() -> None:
    body = "payload=%7B%7D"
    verifier = SignatureVerifier(SECRET)
    assert not verifier.is_valid_request(body, sign(SECRET, body, timestamp=int(time.time()) - 301))
    assert verifier.is_valid_request(body, sign(SECRET, body, timestamp=int(time.time()) - 200))


def test_signed_headers_include_content_type() -> None:
    headers = signed_headers(SECRET, "{}", content_type="application/json", timestamp=1_700_000_000)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    assert headers["X-Slack-Signature"].startswith("v0=")


def test_documented_limits_slack_sdk_misses_are_rejected_with_slacks_shape(fake: FakeSlack, client: WebClient) -> None:
    """Option descriptions over 75 characters: slack_sdk.models accepts them, Slack does not."""
    option = {**opt("Ask anonymously", "anon"), "description": pt("d" * 76)}
    checkboxes = {"type": "checkboxes", "action_id": "a", "options": [option]}
    view = modal(blocks=[{"type": "input", "block_id": "b", "label": pt("Options"), "element": checkboxes}])
    with pytest.raises(SlackApiError) as exc_info:
        client.views_open(trigger_id="1.2.3", view=view)
    assert exc_info.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 76 characters (got 76) "
        "[json-pointer:/view/blocks/0/element/options/0/description/text]"
    ]
    assert_rejected(fake, exc_info, "/view/blocks/0/element/options/0/description/text")
    assert fake.views == {}

    button = {"type": "button", "action_id": "b", "text": pt("Go"), "url": "https://e.example/" + "u" * 2990}
    overflow = {"type": "overflow", "action_id": "o", "options": [opt("Only one", "1")]}
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "actions", "elements": [button, overflow]}])
    errors = exc_info.value.response["errors"]
    assert "must be less than 3001 characters (got 3008) [json-pointer:/blocks/0/elements/0/url]" in errors
    assert "must provide at least 2 items (got 1) [json-pointer:/blocks/0/elements/1/options]" in errors
    assert_rejected(fake, exc_info, "/blocks/0/elements/1/options")
    assert fake.messages["C1"] == []


def test_image_blocks_with_slack_file_name_a_completed_image_the_bot_uploaded(
    fake: FakeSlack, client: WebClient
) -> None:
    """files.completeUploadExternal without a channel shares nothing; an image block may then show the file by id
    (https://docs.slack.dev/reference/block-kit/blocks/image-block), exactly one of image_url/slack_file."""
    fake.add_user("U1")
    done = client.files_upload_v2(file_uploads=[{"filename": "chart.png", "content": b"\x89PNG", "title": "Chart"}])
    [file_id] = [f["id"] for f in done["files"]]
    assert fake.files[file_id]["channel"] is None and not any(fake.messages.values())
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert "channel_id" not in complete.params

    def image(**source: object) -> list[dict[str, Any]]:
        return [{"type": "image", "alt_text": "a chart", "title": pt("Chart"), **source}]

    posted = client.chat_postMessage(channel="U1", text="r", blocks=image(slack_file={"id": file_id}))
    assert posted["ok"] and fake.validation_errors == []
    for blocks, fragment in (
        (image(slack_file={"id": "F999999"}), "invalid slack file"),
        (image(slack_file={"id": file_id}, image_url="https://example.com/a.png"), "exactly one of image_url"),
        (image(), "exactly one of image_url"),
        ([{**image(slack_file={"id": file_id})[0], "alt_text": "x" * 2001}], "2001"),
    ):
        with pytest.raises(SlackApiError) as exc_info:
            client.chat_postMessage(channel="U1", text="r", blocks=blocks)
        assert_rejected(fake, exc_info, fragment)

    # A file Slack is still processing: refused like Slack does, not counted as the bot's mistake.
    fake.file_processing_uses = 1
    again = client.files_upload_v2(file_uploads=[{"filename": "b.png", "content": b"\x89PNG", "title": "B"}])
    second = again["files"][0]["id"]
    errors_before = list(fake.validation_errors)
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="U1", text="r", blocks=image(slack_file={"id": second}))
    assert error_of(exc_info) == "invalid_blocks" and fake.validation_errors == errors_before
    assert client.chat_postMessage(channel="U1", text="r", blocks=image(slack_file={"id": second}))["ok"]
    fake.validation_errors.clear()  # the rejections above were on purpose
