"""The whole announce flow through the signed HTTP endpoint: command, modal, errors, announcement, RSVP,
edit, cancel. Each test asserts what Slack received and what the database holds."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from bot import ids
from bot.container import Container
from bot.db.models import OutboxMessage, StreamKind, TalkStatus
from tests.conftest import ADMIN, ARCHIVE, ATTENDEE, GENERAL, ORGANISER, OTHER, RANDOM, SECRET_ROOM, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import (
    ack_json,
    block_texts,
    create_talk,
    in_days,
    open_new_modal,
    rsvps_in_db,
    talk_values,
    talks_in_db,
    wait_flows,
)
from tests.slack_driver import SlackDriver


def test_new_opens_modal_prefilled_in_users_language(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    view = open_new_modal(slack, fake_slack, text="new Intro to Rust")
    assert view["callback_id"] == ids.CALLBACK_TALK_NEW
    assert view["title"]["text"] == "New lunch & learn"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks[ids.BLOCK_TITLE]["element"]["initial_value"] == "Intro to Rust"
    assert blocks[ids.BLOCK_CHANNEL]["element"]["initial_conversation"] == GENERAL
    assert blocks[ids.BLOCK_SPEAKERS]["element"]["initial_users"] == [ORGANISER]
    assert blocks[ids.BLOCK_DURATION]["element"]["initial_value"] == "45"

    fake_slack.reset_calls()
    ja_view = open_new_modal(slack, fake_slack, user=SPEAKER)
    assert ja_view["title"]["text"] == "新しい発表を企画"
    assert "タイトル" in block_texts(ja_view["blocks"])


def test_each_invalid_field_is_reported_inline_and_nothing_is_saved(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    view = open_new_modal(slack, fake_slack)
    cases = [
        ({"title": "   "}, ids.BLOCK_TITLE, "Give the talk a title."),
        ({"start": int(time.time()) - 3600}, ids.BLOCK_START, "That time has already passed"),
        ({"speakers": []}, ids.BLOCK_SPEAKERS, "Choose at least one speaker."),
        ({"duration": "5"}, ids.BLOCK_DURATION, "between 15 and 180"),
        ({"url": "http://zoom.example.com/j/1"}, ids.BLOCK_STREAM_URL, "https://"),
        ({"url": "not a link"}, ids.BLOCK_STREAM_URL, "isn't a valid link"),
        ({"url": None}, ids.BLOCK_STREAM_URL, "Paste the link"),
        ({"channel": SECRET_ROOM}, ids.BLOCK_CHANNEL, "/invite @lunchlearn"),
        ({"channel": ARCHIVE}, ids.BLOCK_CHANNEL, "archived"),
    ]
    for overrides, block, message in cases:
        values = talk_values(**{"speakers": [SPEAKER], **overrides})  # type: ignore[arg-type]
        response = slack.submit_view(view, values, user=ORGANISER)
        body = ack_json(response)
        assert response.status_code == 200, overrides
        assert body.get("response_action") == "errors", overrides
        assert list(body["errors"]) == [block], overrides
        assert message in body["errors"][block], overrides
    assert talks_in_db(container) == []
    fake_slack.assert_no_call("chat.postMessage", where=lambda c: c.params["channel"] == GENERAL)


def test_slack_rate_limit_while_validating_is_an_inline_error_not_a_timeout(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    """Before the ack only 3 s are allowed: a 429 must not make the bot sleep for Retry-After."""
    view = open_new_modal(slack, fake_slack)
    fake_slack.rate_limit_next("conversations.info", retry_after=30)
    response = slack.submit_view(view, talk_values(speakers=[SPEAKER], channel=RANDOM), user=ORGANISER)
    errors = ack_json(response)["errors"]
    assert list(errors) == [ids.BLOCK_CHANNEL]
    # What happened and what to do, not Slack's code.
    assert (
        errors[ids.BLOCK_CHANNEL]
        == "I couldn't check that channel. Slack is busy right now: wait a minute, then try again."
    )
    assert talks_in_db(container) == []
    # The same in Japanese for a Japanese organiser.
    fake_slack.reset_calls()
    ja_view = open_new_modal(slack, fake_slack, user=SPEAKER)
    fake_slack.rate_limit_next("conversations.info", retry_after=30)
    ja_errors = ack_json(slack.submit_view(ja_view, talk_values(speakers=[SPEAKER], channel=RANDOM), user=SPEAKER))
    assert ja_errors["errors"][ids.BLOCK_CHANNEL].startswith(
        "チャンネルを確認できませんでした。Slackが混み合っています。"
    )
    assert "ratelimited" not in json.dumps(ja_errors)
    # The same form submitted again goes through once Slack answers.
    assert ack_json(slack.submit_view(view, talk_values(speakers=[SPEAKER], channel=RANDOM), user=ORGANISER)) == {}
    fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == RANDOM)


def test_errors_come_back_in_japanese_for_a_japanese_user(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    view = open_new_modal(slack, fake_slack, user=SPEAKER)
    response = slack.submit_view(view, talk_values(title="", speakers=[]), user=SPEAKER)
    errors = ack_json(response)["errors"]
    assert errors[ids.BLOCK_TITLE] == "タイトルを入力してください。"
    assert errors[ids.BLOCK_SPEAKERS] == "発表者を1人以上選んでください。"


def test_submission_stores_talk_and_announces_with_rsvp(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    start = in_days(3, hour=17)
    view = open_new_modal(slack, fake_slack)
    fake_slack.reset_calls()
    values = talk_values(title="Intro to Rust", speakers=[SPEAKER, ORGANISER], start=start, duration="60")
    response = slack.submit_view(view, values, user=ORGANISER, view_id="VNEW1")
    assert response.status_code == 200 and ack_json(response) == {}

    [post] = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == GENERAL)
    text = block_texts(post.params["blocks"])
    assert "Intro to Rust" in text
    assert f"<@{SPEAKER}>, <@{ORGANISER}>" in text
    assert f"<!date^{start}^" in text and "60 min" in text
    assert "Ownership without tears." in text
    assert "*0* going" in text
    action_ids = [e["action_id"] for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert action_ids[:4] == [
        ids.ACTION_RSVP_GOING,
        ids.ACTION_RSVP_NOT_GOING,
        ids.ACTION_ADD_TO_CALENDAR,
        ids.ACTION_TALK_MENU,
    ]
    assert ids.ACTION_ASK_QUESTION in action_ids  # questions in advance
    calendar = next(
        e
        for b in post.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.ACTION_ADD_TO_CALENDAR
    )
    assert calendar["url"].startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert post.params["metadata"]["event_type"] == ids.METADATA_EVENT_TYPE

    [talk] = talks_in_db(container)
    assert talk.title == "Intro to Rust" and talk.organiser_id == ORGANISER
    assert talk.speaker_ids == [SPEAKER, ORGANISER]
    assert int(talk.starts_at.timestamp()) == start and talk.duration_minutes == 60
    assert talk.timezone == "America/New_York" and talk.status is TalkStatus.SCHEDULED
    assert talk.stream_kind is StreamKind.MANUAL and talk.stream_url == "https://zoom.example.com/j/123"
    assert post.params["metadata"]["event_payload"]["talk_id"] == talk.id

    # The organiser gets a DM with the permalink.
    [dm] = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER)
    assert "https://fake.slack.com/archives/CGENERAL/p" in dm.params["text"]
    deadline = time.monotonic() + 5
    while talks_in_db(container)[0].announcement_ts is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert talks_in_db(container)[0].announcement_ts == post.response["ts"]

    # Slack re-sending the same submission does not create a second talk or announcement.
    slack.submit_view(view, values, user=ORGANISER, view_id="VNEW1")
    fake_slack.assert_no_call(
        "chat.postMessage", within=0.5, where=lambda c: c.params["channel"] == GENERAL and c is not post
    )
    assert len(talks_in_db(container)) == 1


def test_public_channel_is_joined_before_announcing(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    create_talk(slack, fake_slack, container, channel=RANDOM)
    assert fake_slack.channels[RANDOM]["is_member"] is True
    assert talks_in_db(container)[0].announcement_channel == RANDOM


def test_announcement_failure_is_reported_to_the_organiser_who_can_try_again(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    view = open_new_modal(slack, fake_slack)
    fake_slack.fail_next("chat.postMessage", "restricted_action")
    slack.submit_view(view, talk_values(speakers=[SPEAKER]), user=ORGANISER)
    [dm] = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER)
    assert "couldn't post its announcement" in dm.params["text"] and "ask a workspace admin" in dm.params["text"]
    assert "restricted_action" not in json.dumps(dm.params)
    [talk] = talks_in_db(container)
    assert talk.announcement_ts is None
    [button] = [e for b in dm.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == ids.ACTION_RETRY_ANNOUNCE and button["value"] == str(talk.id)

    # Someone else pressing it (e.g. a forwarded message) is refused; the organiser's press announces.
    slack.button(ids.ACTION_RETRY_ANNOUNCE, str(talk.id), user=OTHER, channel=f"D{OTHER}", message_ts="1.0")
    fake_slack.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == OTHER and "Only the organiser" in c.params["text"]
    )
    fake_slack.assert_no_call("chat.postMessage", within=0.2, where=lambda c: c.params["channel"] == GENERAL and c.ok)
    slack.button(ids.ACTION_RETRY_ANNOUNCE, str(talk.id), user=ORGANISER, channel=f"D{ORGANISER}", message_ts="1.0")
    [post] = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == GENERAL and c.ok)
    fake_slack.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER and "is announced" in c.params["text"]
    )
    assert talks_in_db(container)[0].announcement_ts == post.response["ts"]


def test_rsvp_toggles_and_double_clicks_count_once(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)

    def going(user: str) -> None:
        assert (
            slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts).status_code
            == 200
        )

    # A frantic double (triple) click from the same person, concurrently.
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(going, [ATTENDEE, ATTENDEE, ATTENDEE]))
    ephemerals = fake_slack.wait_for("chat.postEphemeral", count=3)
    assert all("You're going to *Intro to Rust*" in c.params["text"] for c in ephemerals)
    rows = rsvps_in_db(container, talk_id)
    assert [(r.user_id, r.going) for r in rows] == [(ATTENDEE, True)]
    fake_slack.wait_for("chat.update", where=lambda c: "*1* going" in block_texts(c.params["blocks"]))

    going(OTHER)
    fake_slack.wait_for("chat.update", where=lambda c: "*2* going" in block_texts(c.params["blocks"]))

    slack.button(ids.ACTION_RSVP_NOT_GOING, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=ts)
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: "not going" in c.params["text"] and c.params["user"] == ATTENDEE
    )
    fake_slack.wait_for(
        "chat.update", where=lambda c: "*1* going" in block_texts(c.params["blocks"]) and c.params["ts"] == ts
    )
    assert {(r.user_id, r.going) for r in rsvps_in_db(container, talk_id)} == {(ATTENDEE, False), (OTHER, True)}
    wait_flows(container, talk_id)  # the RSVP flow re-renders the card after the ephemeral answer
    container.refresher.flush()
    assert "*1* going" in block_texts(fake_slack.message(GENERAL, ts)["blocks"])


def test_non_organiser_is_refused_politely(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)
    for choice in (ids.MENU_EDIT, ids.MENU_CANCEL):
        slack.overflow(ids.ACTION_TALK_MENU, f"{choice}:{talk_id}", user=OTHER, channel=GENERAL, message_ts=ts)
    refusals = fake_slack.wait_for("chat.postEphemeral", count=2)
    assert {c.params["user"] for c in refusals} == {OTHER}
    assert all("Only the organiser, the speakers or a workspace admin" in c.params["text"] for c in refusals)
    fake_slack.assert_no_call("views.open")
    assert talks_in_db(container)[0].status is TalkStatus.SCHEDULED


def test_organiser_edits_and_announcement_updates_in_place(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.CALLBACK_TALK_EDIT and view["private_metadata"] == str(talk_id)
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks[ids.BLOCK_TITLE]["element"]["initial_value"] == "Intro to Rust"
    assert ids.BLOCK_CHANNEL not in blocks  # the announcement stays where it is

    new_start = in_days(5, hour=13)
    values = talk_values(
        title="Advanced Rust", speakers=[SPEAKER, OTHER], start=new_start, duration="90", include_channel=False
    )
    response = slack.submit_view(view, values, user=ORGANISER)
    assert ack_json(response) == {}
    [update] = fake_slack.wait_for("chat.update", where=lambda c: c.params["ts"] == ts)
    text = block_texts(update.params["blocks"])
    assert "Advanced Rust" in text and f"<@{OTHER}>" in text and f"<!date^{new_start}^" in text and "90 min" in text
    [talk] = talks_in_db(container)
    assert talk.title == "Advanced Rust" and talk.speaker_ids == [SPEAKER, OTHER] and talk.duration_minutes == 90
    assert talk.channel_id == GENERAL and talk.announcement_ts == ts
    fake_slack.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER and "saved" in c.params["text"]
    )

    # The new speaker (OTHER) may now edit too; moving the talk into the past is refused inline.
    past = talk_values(start=int(time.time()) - 7200, speakers=[SPEAKER], include_channel=False)
    errors = ack_json(slack.submit_view(view, past, user=OTHER))["errors"]
    assert ids.BLOCK_START in errors


def test_admin_cancels_and_everyone_going_is_told_once(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)
    for user in (ATTENDEE, SPEAKER):
        slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
    slack.button(ids.ACTION_RSVP_NOT_GOING, str(talk_id), user=OTHER, channel=GENERAL, message_ts=ts)
    fake_slack.wait_for("chat.postEphemeral", count=3)

    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_CANCEL}:{talk_id}", user=ADMIN, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.CALLBACK_TALK_CANCEL
    reason = {
        ids.BLOCK_CANCEL_REASON: {ids.ACTION_CANCEL_REASON: {"type": "plain_text_input", "value": "Speaker is ill"}}
    }
    assert ack_json(slack.submit_view(view, reason, user=ADMIN)) == {}

    dms = fake_slack.wait_for("chat.postMessage", count=2, where=lambda c: c.params["channel"] in (ATTENDEE, SPEAKER))
    by_user = {c.params["channel"]: c.params["text"] for c in dms}
    assert "has been cancelled by <@UADMIN>: Speaker is ill" in by_user[ATTENDEE]
    assert "中止になりました" in by_user[SPEAKER]  # in the recipient's language
    [update] = fake_slack.wait_for("chat.update", where=lambda c: "[Cancelled]" in block_texts(c.params["blocks"]))
    assert "Speaker is ill" in block_texts(update.params["blocks"])
    assert not [b for b in update.params["blocks"] if b["type"] == "actions"]  # no RSVP on a cancelled talk
    fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == ADMIN and "told everyone who was going (2)" in c.params["text"],
    )
    assert talks_in_db(container)[0].status is TalkStatus.CANCELLED

    # Re-running the notification (a retry, a second replica) sends nothing new.
    assert container.talks.notify_cancelled(talk_id, by=ADMIN) == 0
    fake_slack.assert_no_call("chat.postMessage", within=0.3, where=lambda c: c.params["channel"] == OTHER)
    with container.db.session() as session:
        sent = session.query(OutboxMessage).filter_by(talk_id=talk_id, kind="cancel_dm").all()
        assert sorted(o.recipient for o in sent) == sorted([ATTENDEE, SPEAKER])

    # RSVP after cancellation is refused.
    slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=OTHER, channel=GENERAL, message_ts=ts)
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == OTHER and "closed" in c.params["text"]
    )


def test_list_shows_upcoming_talks_and_help_shows_usage(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    slack.command("list", user=ATTENDEE)
    [empty] = fake_slack.wait_for(slack.last_webhook)
    assert "No upcoming talks" in block_texts(empty.params["blocks"])
    assert empty.params["response_type"] == "ephemeral"

    talk_id, _ = create_talk(slack, fake_slack, container, title="Kubernetes for humans")
    slack.command("list", user=SPEAKER)
    [listed] = fake_slack.wait_for(slack.last_webhook)
    text = block_texts(listed.params["blocks"])
    assert "今後の発表" in text and "Kubernetes for humans" in text and "https://fake.slack.com/archives/" in text

    slack.command("help", user=ATTENDEE)
    [help_reply] = fake_slack.wait_for(slack.last_webhook)
    assert "/lunchlearn new" in block_texts(help_reply.params["blocks"])

    slack.command("frobnicate", user=ATTENDEE)
    [unknown] = fake_slack.wait_for(slack.last_webhook)
    text = block_texts(unknown.params["blocks"])
    assert "I don't know `frobnicate`" in text and "/lunchlearn list" in text


def test_bad_signature_and_stale_timestamp_are_rejected(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    assert slack.command("new", user=ORGANISER, secret="wrong-secret").status_code == 401
    assert slack.command("new", user=ORGANISER, timestamp=int(time.time()) - 600).status_code == 401
    fake_slack.assert_no_call("views.open")
    assert talks_in_db(container) == []


def test_retried_event_is_processed_once(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    event = {"type": "app_home_opened", "user": ATTENDEE, "channel": "DATT", "tab": "home", "event_ts": "1.0"}
    assert slack.event(event, event_id="EvRETRY1").status_code == 200
    fake_slack.wait_for("views.publish")
    retry = slack.event(
        event, event_id="EvRETRY1", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status_code == 200
    # The handler's effect (publishing the Home tab) happened once; a new event still runs it.
    time.sleep(0.5)
    assert len(fake_slack.calls_to("views.publish")) == 1
    assert slack.event(event, event_id="EvRETRY2").status_code == 200
    fake_slack.wait_for("views.publish", count=2)


def test_healthz_reports_database(bot_url: str) -> None:
    import requests

    response = requests.get(f"{bot_url}/healthz", timeout=5)
    assert response.status_code == 200 and response.json()["database"] == "ok"
