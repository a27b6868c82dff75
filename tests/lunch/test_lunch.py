"""Lunch headcount through the signed HTTP endpoint: the organiser's settings (inline errors, strangers refused),
Going asks in person (with lunch) or remote with a dietary note, the waitlist moves up and down with DMs, the
headcount and CSV at the cutoff (the job run with a given `now`), late changes flagged; English and Japanese."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import LunchChoice, LunchSetting, Talk
from bot.scheduling import jobs
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import ack_json, create_talk, rsvps_in_db
from tests.slack_driver import SlackDriver

JAPANESE = "UJAPAN"
MEI = "UMEI"


def settings_values(*, ask: bool = True, capacity: str | None = None, cutoff: int | None = None) -> dict[str, Any]:
    selected = [{"value": ids.LUNCH_OPTION_ASK}] if ask else []
    return {
        ids.BLOCK_LUNCH_ASK: {ids.ACTION_LUNCH_ASK: {"type": "checkboxes", "selected_options": selected}},
        ids.BLOCK_LUNCH_CAPACITY: {ids.ACTION_LUNCH_CAPACITY: {"type": "number_input", "value": capacity}},
        ids.BLOCK_LUNCH_CUTOFF: {ids.ACTION_LUNCH_CUTOFF: {"type": "datetimepicker", "selected_date_time": cutoff}},
    }


def rsvp_values(mode: str, dietary: str | None = None) -> dict[str, Any]:
    return {
        ids.BLOCK_LUNCH_MODE: {ids.ACTION_LUNCH_MODE: {"type": "radio_buttons", "selected_option": {"value": mode}}},
        ids.BLOCK_LUNCH_DIETARY: {ids.ACTION_LUNCH_DIETARY: {"type": "plain_text_input", "value": dietary}},
    }


def open_settings(slack: SlackDriver, fake: FakeSlack, text: str, user: str = ORGANISER) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    slack.command(text, user=user)
    view: dict[str, Any] = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    return view


def going(
    slack: SlackDriver, fake: FakeSlack, talk_id: int, ts: str, user: str, mode: str, dietary: str | None = None
) -> str:
    """Click Going, answer the lunch question; returns the confirmation shown to the user."""
    before = len(fake.calls_to("views.open"))
    slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
    view = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert view["callback_id"] == ids.CALLBACK_LUNCH_RSVP
    shown = len(_ephemerals(fake, user))
    assert ack_json(slack.submit_view(view, rsvp_values(mode, dietary), user=user)) == {}
    _wait(lambda: len(_ephemerals(fake, user)) > shown)
    return str(_ephemerals(fake, user)[-1].params["text"])


def _ephemerals(fake: FakeSlack, user: str) -> list[Call]:
    return [c for c in fake.calls_to("chat.postEphemeral") if c.params.get("user") == user]


def dms(fake: FakeSlack, user: str) -> list[str]:
    return [
        str(c.params.get("text")) for c in fake.calls_to("chat.postMessage") if c.ok and c.params["channel"] == user
    ]


def _wait(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def choices(container: Container, talk_id: int) -> dict[str, str]:
    with container.db.session() as session:
        rows = session.execute(select(LunchChoice).where(LunchChoice.talk_id == talk_id)).scalars()
        return {c.user_id: ("remote" if not c.in_person else "waitlist" if c.waitlisted else "in_person") for c in rows}


def test_lunch_headcount_waitlist_cutoff_and_late_changes(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    fake_slack.add_user(JAPANESE, name="hana", locale="ja-JP", tz="Asia/Tokyo")
    fake_slack.add_user(MEI, name="mei", locale="en-US", tz="UTC")
    talk_id, ts = create_talk(slack, fake_slack, container, title="Bento and Rust")

    # Settings: the default cutoff is 10:00 the day before, in the talk's time zone (the organiser's, New York).
    view = open_settings(slack, fake_slack, f"lunch {talk_id}")
    assert view["callback_id"] == ids.CALLBACK_LUNCH_SETTINGS and view["title"]["text"] == "Lunch"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    cutoff = int(blocks[ids.BLOCK_LUNCH_CUTOFF]["element"]["initial_date_time"])
    with container.db.session() as session:
        talk = session.get(Talk, talk_id)
        assert talk is not None
        starts = talk.starts_at
    local = datetime.fromtimestamp(cutoff, ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (10, 0)
    assert local.date() == starts.astimezone(ZoneInfo("America/New_York")).date() - timedelta(days=1)

    # Inline errors: a cutoff after the start, a capacity that is not a number; nothing stored.
    late_cutoff = int(starts.timestamp()) + 60
    body = ack_json(slack.submit_view(view, settings_values(capacity="2", cutoff=late_cutoff), user=ORGANISER))
    assert "before the talk starts" in body["errors"][ids.BLOCK_LUNCH_CUTOFF]
    body = ack_json(slack.submit_view(view, settings_values(capacity="2.5", cutoff=cutoff), user=ORGANISER))
    assert "whole number" in body["errors"][ids.BLOCK_LUNCH_CAPACITY]
    # A stranger can neither open nor submit it.
    slack.command(f"lunch {talk_id}", user=OTHER)
    [refusal] = fake_slack.wait_for(slack.last_webhook)
    assert "Only the organiser" in refusal.params["text"]
    body = ack_json(slack.submit_view(view, settings_values(capacity="2", cutoff=cutoff), user=OTHER))
    assert "Only the organiser" in body["errors"][ids.BLOCK_LUNCH_CAPACITY]
    with container.db.session() as session:
        assert session.get(LunchSetting, talk_id) is None

    assert ack_json(slack.submit_view(view, settings_values(capacity="2", cutoff=cutoff), user=ORGANISER)) == {}

    # Going asks in person or remote, in each person's language; the third in person waits.
    said = going(slack, fake_slack, talk_id, ts, ATTENDEE, "in_person", "Vegetarian <!channel>")
    assert "in person, with lunch" in said and "Bento and Rust" in said
    said = going(slack, fake_slack, talk_id, ts, JAPANESE, "in_person", "<!channel> 卵なし")
    assert "会場で参加（ランチあり）" in said and "&lt;!channel&gt; 卵なし" in said
    assert "remote" in going(slack, fake_slack, talk_id, ts, OTHER, "remote")
    assert "waitlist" in going(slack, fake_slack, talk_id, ts, MEI, "in_person", "No nuts")
    assert choices(container, talk_id) == {
        ATTENDEE: "in_person",
        JAPANESE: "in_person",
        OTHER: "remote",
        MEI: "waitlist",
    }
    assert {r.user_id for r in rsvps_in_db(container, talk_id) if r.going} == {ATTENDEE, JAPANESE, OTHER, MEI}

    # Capacity lowered to 1: the last to ask (hana) moves to the waitlist, ahead of mei, and is told in Japanese.
    view = open_settings(slack, fake_slack, "lunch bento")
    assert ack_json(slack.submit_view(view, settings_values(capacity="1", cutoff=cutoff), user=ORGANISER)) == {}
    _wait(lambda: any("キャンセル待ちに戻りました" in text for text in dms(fake_slack, JAPANESE)))
    assert choices(container, talk_id)[JAPANESE] == "waitlist"

    # The seated person drops out: the first waiting (hana) moves up and is told; mei still waits.
    slack.button(ids.ACTION_RSVP_NOT_GOING, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=ts)
    _wait(lambda: any("空きが出ました" in text for text in dms(fake_slack, JAPANESE)))
    assert choices(container, talk_id) == {JAPANESE: "in_person", OTHER: "remote", MEI: "waitlist"}
    assert dms(fake_slack, MEI) == []

    # The cutoff job, with a given now: nothing before the cutoff; at it, one DM and one CSV to the organiser.
    jobs.bind(container)
    at = datetime.fromtimestamp(cutoff, UTC)
    fake_slack.reset_calls()
    jobs.lunch_sweep(now=at - timedelta(minutes=1))
    assert dms(fake_slack, ORGANISER) == []
    jobs.lunch_sweep(now=at)
    jobs.lunch_sweep(now=at + timedelta(minutes=1))  # the next minute: nothing again
    [headcount] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]
    text = json.dumps(headcount.params["blocks"], ensure_ascii=False)
    assert "In person (with lunch):* 1 (places: 1)" in text and "Waitlist:* 1" in text and "Remote:* 1" in text
    assert f"<@{JAPANESE}>: &lt;!channel&gt; 卵なし" in text and "<!channel>" not in text  # escaped, never a ping
    assert "Vegetarian" not in text  # ATTENDEE is no longer coming
    assert "No nuts" not in text  # waitlisted: no lunch ordered for mei
    [upload] = fake_slack.calls_to("files.completeUploadExternal")
    assert upload.ok
    with container.db.session() as session:
        assert session.get(LunchSetting, talk_id).headcount_sent_at == at  # type: ignore[union-attr]

    # After the cutoff, a change is flagged and the organiser told (the cutoff moved into the past to get there).
    view = open_settings(slack, fake_slack, "lunch bento")
    past = int(time.time()) - 60
    assert ack_json(slack.submit_view(view, settings_values(capacity="2", cutoff=past), user=ORGANISER)) == {}
    _wait(lambda: any("A place freed up" in text for text in dms(fake_slack, MEI)))
    _wait(lambda: any("Change after the lunch order" in text for text in dms(fake_slack, ORGANISER)))
    late = [text for text in dms(fake_slack, ORGANISER) if "Change after the lunch order" in text]
    assert any(f"<@{MEI}> is now in person, with lunch" in text for text in late)
    with container.db.session() as session:
        flagged = {c.user_id for c in session.execute(select(LunchChoice)).scalars() if c.late}
    assert flagged == {MEI}
    csv = container.lunch.headcount_csv(talk_id).decode("utf-8-sig")
    assert f"{MEI},mei,in_person,No nuts,yes" in csv


def test_going_from_home_asks_lunch_in_japanese_and_republishes_home(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    fake_slack.add_user(JAPANESE, name="hana", locale="ja-JP", tz="Asia/Tokyo")
    talk_id, _ = create_talk(slack, fake_slack, container, title="Bento and Rust")
    view = open_settings(slack, fake_slack, "ランチ bento")
    cutoff = int(view["blocks"][-1]["element"]["initial_date_time"])
    assert ack_json(slack.submit_view(view, settings_values(capacity=None, cutoff=cutoff), user=ORGANISER)) == {}

    slack.interactive(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": JAPANESE, "team_id": "T1"},
            "api_app_id": "AFAKE",
            "trigger_id": "t-home",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"type": "home", "id": "VHOME", "callback_id": "", "blocks": []},
            "actions": [{"type": "button", "action_id": ids.ACTION_RSVP_GOING, "value": str(talk_id), "block_id": "b"}],
        }
    )
    [call] = fake_slack.wait_for(
        "views.open", where=lambda c: c.params["view"]["callback_id"] == ids.CALLBACK_LUNCH_RSVP
    )
    modal = call.params["view"]
    assert modal["title"]["text"] == "参加する" and "会場で参加（ランチあり）" in json.dumps(modal, ensure_ascii=False)
    assert ack_json(slack.submit_view(modal, rsvp_values("remote"), user=JAPANESE)) == {}
    published = fake_slack.wait_for("views.publish", where=lambda c: c.params["user_id"] == JAPANESE)[-1]
    assert "Bento and Rust" in json.dumps(published.params["view"], ensure_ascii=False)
    assert choices(container, talk_id) == {JAPANESE: "remote"}  # no capacity: nobody waits
    with container.db.session() as session:
        assert session.get(LunchSetting, talk_id).capacity is None  # type: ignore[union-attr]
