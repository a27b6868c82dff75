"""The announcement card through the signed endpoint, read as an attendee, an organiser and a Japanese reader:
the status in the header, weekday and end time, the labelled join link, two buttons and one More menu, the names
of people going, no stale line in any state, Manage only for managers, the change DM, the calendar entries and
the .ics the bot serves."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
import requests

from bot import ids
from bot.config import Settings
from bot.container import Container
from bot.db.models import TalkStatus
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, create_talk, in_days, talk_values, talks_in_db, wait_flows
from tests.slack_driver import TEAM, SlackDriver

PUBLIC_URL = "https://lunchlearn.example.com"
EVIL = "UEVIL"
KENJI = "UKENJI"  # a Japanese attendee who does not manage the talk
ZOOM = "https://zoom.example.com/j/123"

HEADER = {
    "en": {"scheduled": "Upcoming · ", "live": "🔴 LIVE · ", "ended": "Ended · ", "cancelled": "Cancelled · "},
    "ja": {"scheduled": "【開催予定】", "live": "🔴【開催中】", "ended": "【終了】", "cancelled": "【中止】"},
}
WEEKDAY = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "ja": tuple("月火水木金土日")}
PENDING = ("posted here", "開始時にここに")
NO_REASON = {ids.BLOCK_CANCEL_REASON: {ids.ACTION_CANCEL_REASON: {"type": "plain_text_input", "value": None}}}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"PUBLIC_URL": PUBLIC_URL})


@pytest.fixture(autouse=True)
def _people(fake_slack: FakeSlack) -> None:
    fake_slack.add_user(EVIL, name="<!channel> *Eve* <https://x.io|hi>", locale="en-US")
    fake_slack.add_user(KENJI, name="kenji", locale="ja-JP", tz="Asia/Tokyo")


def card(fake: FakeSlack, container: Container, ts: str) -> list[dict[str, Any]]:
    """The card as the channel shows it now, once pending re-renders have landed."""
    container.refresher.flush()
    return list(fake.message(GENERAL, ts)["blocks"])


def header(blocks: list[dict[str, Any]]) -> str:
    [head] = [b for b in blocks if b["type"] == "header"]
    assert len(head["text"]["text"]) <= 150
    return str(head["text"]["text"])


def actions(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def more_options(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    [menu] = [e for e in actions(blocks) if e["type"] == "overflow"]
    assert menu["action_id"] == ids.ACTION_CARD_MORE
    assert 2 <= len(menu["options"]) <= 5
    return {o["value"].partition(":")[0]: o for o in menu["options"]}


def going(slack: SlackDriver, talk_id: int, ts: str, *users: str) -> None:
    """RSVPs one after the other (each answered before the next), so the card's order of names is known."""
    for user in users:
        assert slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts).ok
        slack.fake.wait_for("chat.postEphemeral", where=lambda c, user=user: c.params["user"] == user)  # type: ignore[misc]


def more(slack: SlackDriver, choice: str, talk_id: int, ts: str, user: str) -> None:
    assert slack.overflow(ids.ACTION_CARD_MORE, f"{choice}:{talk_id}", user=user, channel=GENERAL, message_ts=ts).ok


def click_in_modal(slack: SlackDriver, view: dict[str, Any], action: dict[str, Any], *, user: str) -> None:
    """A button clicked inside an open modal (block_actions with the view, no channel)."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM, "name": user.lower()},
        "api_app_id": "AFAKE",
        "trigger_id": f"trigger-modal-{time.monotonic_ns()}",
        "container": {"type": "view", "view_id": view["id"]},
        "view": view,
        "actions": [{**action, "action_ts": f"{time.time():.6f}", "type": "button"}],
    }
    assert slack.interactive(payload).status_code == 200


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_card_in_every_state_says_only_what_is_true(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    start = in_days(3, hour=17)
    talk_id, ts = create_talk(slack, fake_slack, container, more={}, language=lang, start=start, duration="45")
    talk = talks_in_db(container)[-1]

    # Upcoming: status first, weekday, start and end time as date tokens, the join link labelled by its host.
    blocks = card(fake_slack, container, ts)
    text = block_texts(blocks)
    assert header(blocks) == HEADER[lang]["scheduled"] + "Intro to Rust"
    local = datetime.fromtimestamp(start, ZoneInfo(talk.timezone))
    assert f"<!date^{start}^{{date_long}} {{time}}|" in text
    assert f"<!date^{start + 45 * 60}^{{time}}|" in text
    assert WEEKDAY[lang][local.weekday()] in text.split(f"<!date^{start}^")[1].split(">")[0]  # the fallback too
    label = "Join (zoom.example.com)" if lang == "en" else "参加する（zoom.example.com）"
    assert f"<{ZOOM}|{label}>" in text
    assert "Link I'll provide" not in text and "リンクを自分で用意" not in text
    buttons = [e for e in actions(blocks) if e["type"] == "button"]
    assert [b["action_id"] for b in buttons] == [ids.ACTION_RSVP_GOING, ids.ACTION_ASK_QUESTION]
    options = more_options(blocks)
    assert set(options) == {ids.MORE_NOT_GOING, ids.MORE_GOOGLE, ids.MORE_OUTLOOK, ids.MORE_ICS, ids.MORE_MANAGE}
    assert all(len(o.get("url", "")) <= 3000 for o in options.values())
    nobody = "Nobody has said they're going yet" if lang == "en" else "まだ参加表明はありません"
    assert nobody in text

    # Names of the first people going, escaped (no ping, no link), and a count of the rest.
    going(slack, talk_id, ts, EVIL, ATTENDEE, OTHER, KENJI)
    wait_flows(container, talk_id)
    text = block_texts(card(fake_slack, container, ts))
    evil = "&lt;!channel&gt; *Eve* &lt;https://x.io|hi&gt;"
    expected = {
        "en": f"{evil}, ana, otto and 1 other are going",
        "ja": f"{evil}さん、anaさん、ottoさんほか1人が参加予定です",
    }[lang]
    assert expected in text
    assert "<!channel>" not in json.dumps(card(fake_slack, container, ts))
    assert "<https://x.io" not in json.dumps(card(fake_slack, container, ts))

    # "Can't make it" from the More menu.
    more(slack, ids.MORE_NOT_GOING, talk_id, ts, KENJI)
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == KENJI and "不参加" in c.params["text"]
    )
    wait_flows(container, talk_id)
    three = {"en": f"{evil}, ana and otto are going", "ja": f"{evil}さん、anaさん、ottoさんが参加予定です"}[lang]
    assert three in block_texts(card(fake_slack, container, ts))

    # Live: Join is the first button, labelled and linked; no "posted here" line.
    assert container.lifecycle.go_live(talk_id)
    wait_flows(container, talk_id)
    blocks = card(fake_slack, container, ts)
    text = block_texts(blocks)
    assert header(blocks) == HEADER[lang]["live"] + "Intro to Rust"
    buttons = [e for e in actions(blocks) if e["type"] == "button"]
    assert len(buttons) == 2
    assert buttons[0]["action_id"] == ids.ACTION_JOIN_STREAM and buttons[0]["url"] == ZOOM
    assert buttons[0]["text"]["text"] == label and buttons[0]["style"] == "primary"
    assert ids.MORE_MANAGE in more_options(blocks)
    assert not any(p in text for p in PENDING)

    # Ended: what was true, in the past tense; no link, no buttons, no "going" beside "thanks for coming".
    assert container.lifecycle.end(talk_id)
    wait_flows(container, talk_id)
    blocks = card(fake_slack, container, ts)
    text = block_texts(blocks)
    assert header(blocks) == HEADER[lang]["ended"] + "Intro to Rust"
    assert ("3 people were going" if lang == "en" else "3人が参加予定でした") in text
    assert "are going" not in text and "参加予定です" not in text and ZOOM not in text
    assert actions(blocks) == []


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_cancelled_card_has_no_link_promise_count_or_buttons(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, more={}, language=lang, url=None, stream="youtube")
    blocks = card(fake_slack, container, ts)
    # A YouTube talk without Google set up: the link is promised for the start, not the form's choice.
    assert any(p in block_texts(blocks) for p in PENDING)
    going(slack, talk_id, ts, ATTENDEE)
    wait_flows(container, talk_id)

    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_CANCEL}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open", where=lambda c: c.params["view"]["callback_id"] == "talk_cancel")
    assert ack_json(slack.submit_view(opened.params["view"], NO_REASON, user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    blocks = card(fake_slack, container, ts)
    text = block_texts(blocks)
    assert header(blocks) == HEADER[lang]["cancelled"] + "Intro to Rust"
    assert not any(p in text for p in PENDING)
    assert "going" not in text and "参加予定" not in text and "ana" not in text
    assert actions(blocks) == []


def test_manage_opens_a_modal_for_managers_and_tells_others_why_not(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)

    # An attendee (English) and a Japanese attendee: one ephemeral line, no menu of refusals.
    more(slack, ids.MORE_MANAGE, talk_id, ts, ATTENDEE)
    more(slack, ids.MORE_MANAGE, talk_id, ts, KENJI)
    told = {c.params["user"]: c.params["text"] for c in fake_slack.wait_for("chat.postEphemeral", count=2)}
    assert told[ATTENDEE] == "Only the organiser, the speakers or a workspace admin can manage *Intro to Rust*."
    assert told[KENJI] == "「Intro to Rust」を管理できるのは、主催者、発表者、ワークスペース管理者だけです。"
    fake_slack.assert_no_call("views.open")

    # The Japanese speaker gets the modal in Japanese; the organiser in English.
    more(slack, ids.MORE_MANAGE, talk_id, ts, SPEAKER)
    [ja_view] = fake_slack.wait_for("views.open")
    assert ja_view.params["view"]["title"]["text"] == "発表の管理"
    fake_slack.reset_calls()
    more(slack, ids.MORE_MANAGE, talk_id, ts, ORGANISER)
    [opened] = fake_slack.wait_for("views.open")
    view = {**opened.params["view"], "id": opened.response["view"]["id"]}
    assert view["callback_id"] == ids.CALLBACK_TALK_MANAGE
    buttons = {b["block_id"]: b["accessory"] for b in view["blocks"] if "accessory" in b}
    assert {b["action_id"] for b in buttons.values()} == {ids.ACTION_TALK_MENU}
    assert [b["value"] for b in buttons.values()] == [
        f"{ids.MENU_START_NOW}:{talk_id}",
        f"{ids.MENU_EDIT}:{talk_id}",
        f"{ids.MENU_AGENDA}:{talk_id}",
        f"{ids.MENU_CANCEL}:{talk_id}",
    ]

    # Edit replaces the Manage modal with the edit form.
    click_in_modal(slack, view, {**buttons[ids.BLOCK_MANAGE_EDIT], "block_id": ids.BLOCK_MANAGE_EDIT}, user=ORGANISER)
    [updated] = fake_slack.wait_for("views.update")
    assert updated.params["view_id"] == view["id"]
    assert updated.params["view"]["callback_id"] == ids.CALLBACK_TALK_EDIT
    # So does Agenda, with the agenda form.
    fake_slack.reset_calls()
    click_in_modal(
        slack, view, {**buttons[ids.BLOCK_MANAGE_AGENDA], "block_id": ids.BLOCK_MANAGE_AGENDA}, user=ORGANISER
    )
    [agenda] = fake_slack.wait_for("views.update")
    assert agenda.params["view_id"] == view["id"] and agenda.params["view"]["callback_id"] == ids.CALLBACK_AGENDA

    # Start now from the modal: the talk goes live and the modal says so.
    fake_slack.reset_calls()
    click_in_modal(slack, view, {**buttons[ids.BLOCK_MANAGE_START], "block_id": ids.BLOCK_MANAGE_START}, user=ORGANISER)
    [done] = fake_slack.wait_for("views.update")
    assert "Intro to Rust" in block_texts(done.params["view"]["blocks"])
    wait_flows(container, talk_id)
    assert talks_in_db(container)[-1].status is TalkStatus.LIVE

    # An attendee who replays the modal's button is refused (the service checks, not the view).
    click_in_modal(slack, view, {**buttons[ids.BLOCK_MANAGE_EDIT], "block_id": ids.BLOCK_MANAGE_EDIT}, user=ATTENDEE)
    [refused] = fake_slack.wait_for("views.update", where=lambda c: "Only the organiser" in json.dumps(c.params))
    assert talks_in_db(container)[-1].status is TalkStatus.LIVE


def test_a_change_of_speakers_time_and_link_is_dmed_with_old_and_new(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, speakers=[SPEAKER])
    going(slack, talk_id, ts, ATTENDEE, KENJI)
    wait_flows(container, talk_id)

    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    values = talk_values(speakers=[SPEAKER, OTHER], include_channel=False)
    values[ids.BLOCK_START][ids.ACTION_START]["selected_date_time"] = int(
        talks_in_db(container)[-1].starts_at.timestamp()
    )
    assert ack_json(slack.submit_view(opened.params["view"], values, user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    dms = fake_slack.wait_for("chat.postMessage", count=2, where=lambda c: c.params["channel"] in (ATTENDEE, KENJI))
    by_user = {c.params["channel"]: c.params["text"] for c in dms}
    assert f"• Speakers: ~<@{SPEAKER}>~ → <@{SPEAKER}>, <@{OTHER}>" in by_user[ATTENDEE]
    assert "Time" not in by_user[ATTENDEE] and "Join link" not in by_user[ATTENDEE]  # only what changed
    assert f"• 発表者：~<@{SPEAKER}>~ → <@{SPEAKER}>, <@{OTHER}>" in by_user[KENJI]

    # A new time and link: both, old and new.
    fake_slack.reset_calls()
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    new_start = in_days(4, hour=15)
    moved = talk_values(
        speakers=[SPEAKER, OTHER], start=new_start, url="https://meet.google.com/abc-defg-hij", include_channel=False
    )
    assert ack_json(slack.submit_view(opened.params["view"], moved, user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    dms = fake_slack.wait_for("chat.postMessage", count=2, where=lambda c: c.params["channel"] in (ATTENDEE, KENJI))
    by_user = {c.params["channel"]: c.params["text"] for c in dms}
    assert f"<!date^{new_start}^" in by_user[ATTENDEE]
    assert (
        "• Join link: ~Join (zoom.example.com)~ → <https://meet.google.com/abc-defg-hij|Join Google Meet>"
        in (by_user[ATTENDEE])
    )
    assert (
        "• 参加リンク：~参加する（zoom.example.com）~ → <https://meet.google.com/abc-defg-hij|Google Meetで参加>"
        in (by_user[KENJI])
    )
    assert "Speakers" not in by_user[ATTENDEE]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_calendar_links_carry_the_join_link_and_the_permalink(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    start = in_days(3, hour=17)
    talk_id, ts = create_talk(slack, fake_slack, container, more={}, language=lang, start=start, duration="60")
    options = more_options(card(fake_slack, container, ts))
    talk = talks_in_db(container)[-1]
    assert talk.announcement_permalink and talk.announcement_permalink.startswith("https://")
    join, announcement = (
        ("Join: ", "Announcement in Slack: ") if lang == "en" else ("参加リンク：", "Slackのお知らせ：")
    )

    google = urlsplit(options[ids.MORE_GOOGLE]["url"])
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    query = {k: v[0] for k, v in parse_qs(google.query).items()}
    assert query["action"] == "TEMPLATE" and query["text"] == "Intro to Rust"
    begin = datetime.fromtimestamp(start).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    end = datetime.fromtimestamp(start + 3600).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    assert query["dates"] == f"{begin}/{end}"
    assert query["location"] == ZOOM
    assert "Ownership without tears." in query["details"]
    assert join + ZOOM in query["details"] and announcement + talk.announcement_permalink in query["details"]

    outlook = urlsplit(options[ids.MORE_OUTLOOK]["url"])
    assert (outlook.netloc, outlook.path) == ("outlook.office.com", "/calendar/0/deeplink/compose")
    query = {k: v[0] for k, v in parse_qs(outlook.query).items()}
    assert query["subject"] == "Intro to Rust" and query["rru"] == "addevent"
    assert query["startdt"] == datetime.fromtimestamp(start, ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert query["location"] == ZOOM
    assert join + ZOOM in query["body"] and announcement + talk.announcement_permalink in query["body"]
    # The permalink was asked for once, then kept on the talk.
    going(slack, talk_id, ts, ATTENDEE)
    wait_flows(container, talk_id)
    card(fake_slack, container, ts)
    fake_slack.assert_no_call("chat.getPermalink")


def _ics_path(blocks: list[dict[str, Any]]) -> str:
    url = more_options(blocks)[ids.MORE_ICS]["url"]
    assert url.startswith(PUBLIC_URL + "/talks/")
    return url.removeprefix(PUBLIC_URL)


def _event(bot_url: str, path: str) -> icalendar.Event:
    response = requests.get(bot_url + path, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    return event


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_ics_download_updates_the_same_event_on_every_change(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, bot_url: str, lang: str
) -> None:
    start = in_days(3, hour=17)
    talk_id, ts = create_talk(slack, fake_slack, container, more={}, language=lang, start=start)
    path = _ics_path(card(fake_slack, container, ts))
    talk = talks_in_db(container)[-1]

    event = _event(bot_url, path)
    uid = str(event["UID"])
    assert uid == f"talk-{talk_id}@lunchlearn"
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == datetime.fromtimestamp(start, ZoneInfo("UTC"))
    assert str(event["SUMMARY"]) == "Intro to Rust" and str(event["LOCATION"]) == ZOOM
    join = "Join: " if lang == "en" else "参加リンク："
    assert join + ZOOM in str(event["DESCRIPTION"]) and str(talk.announcement_permalink) in str(event["DESCRIPTION"])

    # A new time: same UID, next SEQUENCE, new start.
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    new_start = in_days(5, hour=13)
    values = talk_values(speakers=[SPEAKER], start=new_start, language=lang, include_channel=False)
    assert ack_json(slack.submit_view(opened.params["view"], values, user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    event = _event(bot_url, path)
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime.fromtimestamp(new_start, ZoneInfo("UTC"))

    # Cancelled: still the same event, now CANCELLED, so calendar apps strike it through.
    fake_slack.reset_calls()
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_CANCEL}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    assert ack_json(slack.submit_view(opened.params["view"], NO_REASON, user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    event = _event(bot_url, path)
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2 and str(event["STATUS"]) == "CANCELLED"
    assert "LOCATION" not in event  # the join link is not handed out for a cancelled talk

    # A guessed token, another talk's token, or an unknown talk: 404 and nothing else.
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    for guess in (
        f"/talks/{talk_id}/{'0' * len(token)}.ics",
        f"/talks/{talk_id + 1}/{token}.ics",
        f"/talks/{talk_id}/{token[:-1]}.ics",
        f"/talks/999999/{container.talks.ics_token(999999)}.ics",
    ):
        response = requests.get(bot_url + guess, timeout=10)
        assert response.status_code == 404, guess
        assert b"BEGIN:VCALENDAR" not in response.content


def test_no_public_url_means_no_ics_option(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    container.talks.settings = container.settings.model_copy(update={"PUBLIC_URL": ""})
    talk_id, ts = create_talk(slack, fake_slack, container)
    options = more_options(card(fake_slack, container, ts))
    assert ids.MORE_ICS not in options and ids.MORE_GOOGLE in options
