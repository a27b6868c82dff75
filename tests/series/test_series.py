"""series: /lunchlearn series through the signed endpoint; slot generation and alerts by calling the scheduler's
job functions with a given `now` (no sleeping); the calendar feed over real HTTP, parsed back with icalendar."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import requests
from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import OutboxMessage, OutboxStatus, Series, SeriesSlot, SlotStatus, TalkStatus
from bot.scheduling import jobs
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, talk_values, talks_in_db, wait_flows
from tests.slack_driver import SlackDriver

TOKYO = ZoneInfo("Asia/Tokyo")


def series_values(
    *,
    name: str = "Tuesday lunch",
    channel: str | None = GENERAL,
    cadence: str = "weekly",
    week: str | None = None,
    weekday: str = "1",
    start: str = "12:00",
    tz: str = "Asia/Tokyo",
    duration: str = "45",
    stream: str = "manual",
    days: str = "7",
    organisers: list[str] | None = None,
) -> dict[str, Any]:
    """The view.state.values Slack sends for the series modal."""

    def select_(value: str | None) -> dict[str, Any]:
        return {"type": "static_select", "selected_option": {"value": value} if value else None}

    values: dict[str, Any] = {
        ids.BLOCK_SERIES_NAME: {ids.ACTION_SERIES_NAME: {"type": "plain_text_input", "value": name}},
        ids.BLOCK_SERIES_CADENCE: {ids.ACTION_SERIES_CADENCE: select_(cadence)},
        ids.BLOCK_SERIES_WEEK: {ids.ACTION_SERIES_WEEK: select_(week)},
        ids.BLOCK_SERIES_WEEKDAY: {ids.ACTION_SERIES_WEEKDAY: select_(weekday)},
        ids.BLOCK_SERIES_TIME: {ids.ACTION_SERIES_TIME: {"type": "timepicker", "selected_time": start}},
        ids.BLOCK_SERIES_TIMEZONE: {ids.ACTION_SERIES_TIMEZONE: {"type": "plain_text_input", "value": tz}},
        ids.BLOCK_SERIES_DURATION: {ids.ACTION_SERIES_DURATION: {"type": "number_input", "value": duration}},
        ids.BLOCK_SERIES_STREAM: {ids.ACTION_SERIES_STREAM: select_(stream)},
        ids.BLOCK_SERIES_ANNOUNCE_DAYS: {ids.ACTION_SERIES_ANNOUNCE_DAYS: {"type": "number_input", "value": days}},
        ids.BLOCK_SERIES_ORGANISERS: {
            ids.ACTION_SERIES_ORGANISERS: {"type": "multi_users_select", "selected_users": organisers or []}
        },
    }
    if channel is not None:
        values[ids.BLOCK_SERIES_CHANNEL] = {
            ids.ACTION_SERIES_CHANNEL: {"type": "conversations_select", "selected_conversation": channel}
        }
    return values


def open_series_modal(slack: SlackDriver, fake: FakeSlack, user: str = ORGANISER) -> dict[str, Any]:
    fake.reset_calls()
    assert slack.command("series new", user=user).status_code == 200
    [call] = fake.wait_for("views.open")
    view: dict[str, Any] = call.params["view"]
    return view


def all_series(container: Container) -> list[Series]:
    with container.db.session() as session:
        return list(session.execute(select(Series).order_by(Series.id)).scalars())


def slots_of(container: Container, series_id: int) -> list[SeriesSlot]:
    with container.db.session() as session:
        rows = session.execute(
            select(SeriesSlot).where(SeriesSlot.series_id == series_id).order_by(SeriesSlot.starts_at)
        )
        return list(rows.scalars())


def create_series(
    slack: SlackDriver, fake: FakeSlack, container: Container, *, user: str = ORGANISER, **values: Any
) -> tuple[int, str]:
    """Create a series through the modal; returns (series id, the feed token from the confirmation DM)."""
    view = open_series_modal(slack, fake, user)
    fake.reset_calls()
    response = slack.submit_view(view, series_values(**values), user=user)
    assert response.status_code == 200 and ack_json(response) == {}, response.text
    [dm] = fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == user and "/calendar/" in c.params["text"]
    )
    token = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", dm.params["text"])
    assert token is not None
    series_id = all_series(container)[-1].id
    fake.reset_calls()
    return series_id, token.group(1)


def fill_slot(
    slack: SlackDriver, fake: FakeSlack, container: Container, slot: SeriesSlot, *, user: str = ORGANISER
) -> int:
    """ "Fill slot" → the new-talk modal prefilled from the slot → submitted: returns the talk id."""
    fake.reset_calls()
    slack.button(ids.ACTION_SLOT_FILL, str(slot.id), user=user, channel=GENERAL, message_ts="1.0")
    [call] = fake.wait_for("views.open")
    view = call.params["view"]
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert view["callback_id"] == ids.CALLBACK_TALK_NEW
    assert blocks[ids.BLOCK_START]["element"]["initial_date_time"] == int(slot.starts_at.timestamp())
    assert blocks[ids.BLOCK_CHANNEL]["element"]["initial_conversation"] == GENERAL
    before = len(talks_in_db(container))
    values = talk_values(title="Ownership", speakers=[SPEAKER], start=int(slot.starts_at.timestamp()))
    response = slack.submit_view(view, values, user=user)
    assert ack_json(response) == {}, response.text
    talks = talks_in_db(container)
    assert len(talks) == before + 1
    wait_flows(container, talks[-1].id)
    fake.reset_calls()
    return talks[-1].id


def dms_to(fake: FakeSlack, user: str, fragment: str) -> list[Any]:
    return fake._matching("chat.postMessage", lambda c: c.params["channel"] == user and fragment in c.params["text"])


# --- Create -----------------------------------------------------------------------------------------------------


def test_weekly_series_generates_its_slots_in_its_own_time_zone(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    before = datetime.now(UTC)
    series_id, token = create_series(slack, fake_slack, container, organisers=[SPEAKER])
    [series] = all_series(container)
    assert (series.name, series.channel_id, series.timezone, series.start_time) == (
        "Tuesday lunch",
        GENERAL,
        "Asia/Tokyo",
        "12:00",
    )
    assert series.co_organiser_ids == [SPEAKER]
    assert len(token) >= 43 and series.feed_token_hash != token  # 256 bits, stored only as a hash
    slots = slots_of(container, series_id)
    assert len(slots) == 8  # eight weeks ahead
    for slot in slots:
        local = slot.starts_at.astimezone(TOKYO)
        assert (local.weekday(), local.hour, local.minute) == (1, 12, 0)
        assert slot.status is SlotStatus.OPEN and slot.talk_id is None
    assert before < slots[0].starts_at <= before + timedelta(days=7)
    assert all(b.starts_at - a.starts_at == timedelta(days=7) for a, b in zip(slots, slots[1:], strict=False))

    # Slack retrying the same submission creates nothing more.
    view = open_series_modal(slack, fake_slack)
    for _ in range(2):
        response = slack.submit_view(view, series_values(name="Twice", start="14:00"), user=ORGANISER, view_id="V2")
        assert ack_json(response) == {}
    assert [s.name for s in all_series(container)] == ["Tuesday lunch", "Twice"]

    # The scheduler's job run again (twice, later) only adds what the horizon newly covers.
    jobs.bind(container)
    jobs.generate_series_slots(series_id, now=before)
    jobs.generate_series_slots(series_id, now=before)
    assert len(slots_of(container, series_id)) == 8
    jobs.series_sweep(now=before + timedelta(days=7))
    assert len(slots_of(container, series_id)) == 9


def test_series_modal_and_list_in_japanese(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    view = open_series_modal(slack, fake_slack, SPEAKER)
    assert view["title"]["text"] == "新しいシリーズ"
    assert "頻度" in block_texts(view["blocks"])
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks[ids.BLOCK_SERIES_TIMEZONE]["element"]["initial_value"] == "Asia/Tokyo"  # the user's own zone
    create_series(slack, fake_slack, container, user=SPEAKER, name="火曜ランチ")

    slack.command("series", user=SPEAKER)
    [reply] = fake_slack.wait_for(slack.last_webhook)
    text = block_texts(reply.params["blocks"])
    assert "火曜ランチ" in text and "毎週火曜日 12:00（Asia/Tokyo）" in text and "発表者未定" in text
    assert ids.ACTION_SLOT_FILL in str(reply.params["blocks"])  # the organiser may fill slots

    slack.command("series", user=OTHER)
    [reply] = fake_slack.wait_for(slack.last_webhook)
    assert "Every Tuesday at 12:00 (Asia/Tokyo)" in block_texts(reply.params["blocks"])
    assert ids.ACTION_SLOT_FILL not in str(reply.params["blocks"])  # a stranger sees, but gets no buttons
    assert ids.ACTION_SERIES_MENU not in str(reply.params["blocks"])


@pytest.mark.parametrize(
    ("user", "message"),
    [(ORGANISER, "Not every month has a 5th Monday"), (SPEAKER, "第5月曜日がない月があります")],
)
def test_a_monthly_rule_that_skips_months_is_an_inline_error(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, user: str, message: str
) -> None:
    view = open_series_modal(slack, fake_slack, user)
    values = series_values(cadence="monthly", week="5", weekday="0")
    body = ack_json(slack.submit_view(view, values, user=user))
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [ids.BLOCK_SERIES_WEEK]
    assert message in body["errors"][ids.BLOCK_SERIES_WEEK]
    # A monthly rule without a week, and an unknown time zone, are inline errors too.
    body = ack_json(slack.submit_view(view, series_values(cadence="monthly", tz="Mars/Olympus"), user=user))
    assert set(body["errors"]) == {ids.BLOCK_SERIES_WEEK, ids.BLOCK_SERIES_TIMEZONE}
    assert all_series(container) == []
    # The last Monday of every month is fine.
    body = ack_json(slack.submit_view(view, series_values(cadence="monthly", week="-1", weekday="0"), user=user))
    assert body == {}
    [series] = all_series(container)
    deadline = time.monotonic() + 5
    while not slots_of(container, series.id) and time.monotonic() < deadline:
        time.sleep(0.02)
    for slot in slots_of(container, series.id):
        local = slot.starts_at.astimezone(TOKYO)
        assert local.weekday() == 0 and (local + timedelta(days=7)).month != local.month


def test_an_overlapping_series_in_the_same_channel_is_refused(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    create_series(slack, fake_slack, container)
    view = open_series_modal(slack, fake_slack)
    body = ack_json(slack.submit_view(view, series_values(name="Clash", start="12:30"), user=ORGANISER))
    assert list(body["errors"]) == [ids.BLOCK_SERIES_TIME]
    assert "already has a talk or a series slot" in body["errors"][ids.BLOCK_SERIES_TIME]
    # Another channel, or another time, is fine.
    fake_slack.add_channel("CLUNCH", name="lunch")
    assert ack_json(slack.submit_view(view, series_values(name="B", channel="CLUNCH"), user=ORGANISER)) == {}
    assert (
        ack_json(
            slack.submit_view(
                open_series_modal(slack, fake_slack), series_values(name="C", start="13:00"), user=ORGANISER
            )
        )
        == {}
    )
    assert [s.name for s in all_series(container)] == ["Tuesday lunch", "B", "C"]


# --- Empty-slot alerts ---------------------------------------------------------------------------------------------


def test_the_organisers_get_one_no_speaker_dm_per_slot_in_their_language(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    series_id, _ = create_series(slack, fake_slack, container, organisers=[SPEAKER], days="3")
    first = slots_of(container, series_id)[0]
    jobs.bind(container)
    # Too early: nothing.
    jobs.alert_empty_series_slots(series_id, now=first.starts_at - timedelta(days=4))
    fake_slack.assert_no_call("chat.postMessage")
    # Within 3 days: one DM to each organiser, even when the job runs twice (or the sweep runs too).
    now = first.starts_at - timedelta(days=2)
    jobs.alert_empty_series_slots(series_id, now=now)
    jobs.alert_empty_series_slots(series_id, now=now + timedelta(hours=1))
    jobs.series_sweep(now=now + timedelta(hours=2))
    [en] = dms_to(fake_slack, ORGANISER, "has no speaker yet")
    [ja] = dms_to(fake_slack, SPEAKER, "発表者がまだ決まっていません")
    assert "Tuesday lunch" in en.params["text"]
    for dm in (en, ja):
        buttons = [e for b in dm.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert [(b["action_id"], b["value"]) for b in buttons] == [
            (ids.ACTION_SLOT_FILL, str(first.id)),
            (ids.ACTION_SLOT_SKIP, str(first.id)),
            (ids.ACTION_SLOT_CANCEL, str(first.id)),
        ]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2

    # A crash between the DM and its record (the outbox row left "sending" by a dead process): the next run finds
    # the DM by its metadata instead of sending it again.
    with container.db.session() as session:
        entry = session.execute(
            select(OutboxMessage).where(OutboxMessage.key == f"series_empty:{first.id}:{ORGANISER}")
        ).scalar_one()
        stale = datetime.now(UTC) - timedelta(hours=1)
        entry.status, entry.claimed_at, entry.claimed_by = OutboxStatus.SENDING, stale, "elsewhere:1:x"
    jobs.alert_empty_series_slots(series_id, now=now + timedelta(hours=3))
    assert len(dms_to(fake_slack, ORGANISER, "has no speaker yet")) == 1
    with container.db.session() as session:
        assert session.get(OutboxMessage, entry.id).status is OutboxStatus.SENT  # type: ignore[union-attr]

    # A slot with a talk needs no alert.
    second = slots_of(container, series_id)[1]
    fill_slot(slack, fake_slack, container, second)
    jobs.alert_empty_series_slots(series_id, now=second.starts_at - timedelta(days=1))
    assert dms_to(fake_slack, ORGANISER, "has no speaker yet") == []


# --- Skip, cancel, pause, resume ---------------------------------------------------------------------------------


def test_skip_cancel_pause_and_resume(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    series_id, _ = create_series(slack, fake_slack, container, days="3")
    first, second, third = slots_of(container, series_id)[:3]

    slack.button(ids.ACTION_SLOT_SKIP, str(first.id), user=ORGANISER, channel="DORG", message_ts="1.0")
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: "is skipped" in c.params["text"])
    slack.button(ids.ACTION_SLOT_CANCEL, str(second.id), user=OTHER, channel="DORG", message_ts="1.0")
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == OTHER and "Only the organisers" in c.params["text"]
    )
    slack.button(ids.ACTION_SLOT_CANCEL, str(second.id), user=ORGANISER, channel="DORG", message_ts="1.0")
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: "is cancelled" in c.params["text"])
    status = {s.id: s.status for s in slots_of(container, series_id)}
    assert (status[first.id], status[second.id], status[third.id]) == (
        SlotStatus.SKIPPED,
        SlotStatus.CANCELLED,
        SlotStatus.OPEN,
    )
    # A skipped slot gets no alert; the next open one does.
    jobs.bind(container)
    jobs.alert_empty_series_slots(series_id, now=first.starts_at - timedelta(days=1))
    assert dms_to(fake_slack, ORGANISER, "has no speaker yet") == []

    # Pause (Japanese co-organiser rights are not needed: the organiser pauses): no new slots, no alerts.
    slack.overflow(
        ids.ACTION_SERIES_MENU,
        f"{ids.SERIES_MENU_PAUSE}:{series_id}",
        user=ORGANISER,
        channel=GENERAL,
        message_ts="1.0",
    )
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: "is paused" in c.params["text"])
    assert all_series(container)[0].paused
    count = len(slots_of(container, series_id))
    later = datetime.now(UTC) + timedelta(days=28)
    jobs.series_sweep(now=later)
    jobs.alert_empty_series_slots(series_id, now=third.starts_at - timedelta(days=1))
    assert len(slots_of(container, series_id)) == count
    assert dms_to(fake_slack, ORGANISER, "has no speaker yet") == []
    # Someone else cannot resume it.
    slack.overflow(
        ids.ACTION_SERIES_MENU, f"{ids.SERIES_MENU_RESUME}:{series_id}", user=OTHER, channel=GENERAL, message_ts="1.0"
    )
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == OTHER)
    assert all_series(container)[0].paused

    # Resume: slots and alerts again.
    slack.overflow(
        ids.ACTION_SERIES_MENU,
        f"{ids.SERIES_MENU_RESUME}:{series_id}",
        user=ORGANISER,
        channel=GENERAL,
        message_ts="1.0",
    )
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: "running again" in c.params["text"])
    assert not all_series(container)[0].paused
    jobs.series_sweep(now=later)
    assert len(slots_of(container, series_id)) > count
    jobs.alert_empty_series_slots(series_id, now=third.starts_at - timedelta(days=1))
    assert len(dms_to(fake_slack, ORGANISER, "has no speaker yet")) == 1


# --- Edit ----------------------------------------------------------------------------------------------------------


def test_editing_the_time_moves_only_future_empty_slots(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    series_id, _ = create_series(slack, fake_slack, container)
    first, second, third = slots_of(container, series_id)[:3]
    talk_id = fill_slot(slack, fake_slack, container, second)
    slack.button(ids.ACTION_SLOT_SKIP, str(third.id), user=ORGANISER, channel="DORG", message_ts="1.0")
    fake_slack.wait_for("chat.postEphemeral")
    count = len(slots_of(container, series_id))

    fake_slack.reset_calls()
    slack.overflow(
        ids.ACTION_SERIES_MENU, f"{ids.SERIES_MENU_EDIT}:{series_id}", user=ORGANISER, channel=GENERAL, message_ts="1.0"
    )
    [call] = fake_slack.wait_for("views.open")
    view = call.params["view"]
    assert view["callback_id"] == ids.CALLBACK_SERIES_EDIT
    assert ids.BLOCK_SERIES_CHANNEL not in {b["block_id"] for b in view["blocks"]}  # the channel stays
    values = series_values(start="13:00", channel=None)
    # A stranger's crafted submission of the same modal changes nothing.
    body = ack_json(slack.submit_view(view, values, user=OTHER))
    assert "Only the organisers" in body["errors"][ids.BLOCK_SERIES_NAME]
    assert all_series(container)[0].start_time == "12:00"

    assert ack_json(slack.submit_view(view, values, user=ORGANISER)) == {}
    assert all_series(container)[0].start_time == "13:00"
    slots = {s.starts_at.astimezone(TOKYO).date(): s for s in slots_of(container, series_id)}
    assert len(slots) == count  # one slot per date, no duplicates
    local = {d: (s.starts_at.astimezone(TOKYO).hour, s.status) for d, s in slots.items()}
    assert local[first.starts_at.astimezone(TOKYO).date()] == (13, SlotStatus.OPEN)
    assert local[second.starts_at.astimezone(TOKYO).date()] == (12, SlotStatus.FILLED)
    assert local[third.starts_at.astimezone(TOKYO).date()] == (12, SlotStatus.SKIPPED)
    assert all(hour == 13 for hour, status in local.values() if status is SlotStatus.OPEN)
    [talk] = [t for t in talks_in_db(container) if t.id == talk_id]
    assert talk.starts_at == second.starts_at and talk.series_id == series_id
    # The empty slot moved (same row: a DM's buttons for it still work).
    assert slots[first.starts_at.astimezone(TOKYO).date()].id == first.id
    open_ids = {s.id for s in slots.values() if s.status is SlotStatus.OPEN}

    # A new weekday: empty slots move to Wednesdays, the talk and the skipped date stay on their Tuesdays.
    assert ack_json(slack.submit_view(view, series_values(weekday="2", channel=None), user=ORGANISER)) == {}
    moved = slots_of(container, series_id)
    days = {(s.starts_at.astimezone(TOKYO).weekday(), s.status) for s in moved}
    assert days == {(2, SlotStatus.OPEN), (1, SlotStatus.FILLED), (1, SlotStatus.SKIPPED)}
    assert open_ids <= {s.id for s in moved if s.status is SlotStatus.OPEN}  # moved, not re-created
    assert len({s.starts_at.astimezone(TOKYO).date() for s in moved}) == len(moved)


# --- Co-organisers --------------------------------------------------------------------------------------------------


def test_a_co_organiser_can_cancel_a_series_talk_and_a_stranger_cannot(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    series_id, _ = create_series(slack, fake_slack, container, organisers=[ATTENDEE])
    slot = slots_of(container, series_id)[0]
    talk_id = fill_slot(slack, fake_slack, container, slot)
    [talk] = [t for t in talks_in_db(container) if t.id == talk_id]
    assert talk.organiser_id == ORGANISER and talk.series_id == series_id and ATTENDEE not in talk.speaker_ids
    assert slots_of(container, series_id)[0].talk_id == talk_id

    # A stranger: refused, in their own words.
    slack.overflow(
        ids.ACTION_TALK_MENU,
        f"{ids.MENU_CANCEL}:{talk_id}",
        user=OTHER,
        channel=GENERAL,
        message_ts=talk.announcement_ts or "1.0",
    )
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == OTHER and "Only the organiser" in c.params["text"]
    )
    fake_slack.assert_no_call("views.open")
    view = {"type": "modal", "callback_id": ids.CALLBACK_TALK_CANCEL, "private_metadata": str(talk_id), "blocks": []}
    reason = {ids.BLOCK_CANCEL_REASON: {ids.ACTION_CANCEL_REASON: {"type": "plain_text_input", "value": "no"}}}
    assert ack_json(slack.submit_view(view, reason, user=OTHER))["response_action"] == "errors"
    assert talks_in_db(container)[-1].status is TalkStatus.SCHEDULED

    # The co-organiser: the cancel form opens, and cancelling works.
    slack.overflow(
        ids.ACTION_TALK_MENU,
        f"{ids.MENU_CANCEL}:{talk_id}",
        user=ATTENDEE,
        channel=GENERAL,
        message_ts=talk.announcement_ts or "1.0",
    )
    [opened] = fake_slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == ids.CALLBACK_TALK_CANCEL
    assert ack_json(slack.submit_view(view, reason, user=ATTENDEE)) == {}
    assert talks_in_db(container)[-1].status is TalkStatus.CANCELLED
    wait_flows(container, talk_id)
    # The slot is open again, for another talk (the cancelled one keeps its series, for the calendar feed).
    reopened = slots_of(container, series_id)[0]
    assert (reopened.status, reopened.talk_id) == (SlotStatus.OPEN, None)
    assert talks_in_db(container)[-1].series_id == series_id


# --- Calendar feed ---------------------------------------------------------------------------------------------------


def _feed(bot_url: str, token: str) -> requests.Response:
    return requests.get(f"{bot_url}/calendar/{token}.ics", timeout=10)


def test_calendar_feed_lists_talks_marks_cancellations_and_rotates(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, bot_url: str
) -> None:
    series_id, token = create_series(slack, fake_slack, container, name="Lunch <b>&</b> learn")
    slot = slots_of(container, series_id)[0]
    talk_id = fill_slot(slack, fake_slack, container, slot)

    response = _feed(bot_url, token)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal.get("X-WR-CALNAME") or cal.get("NAME")) == "Lunch <b>&</b> learn"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == f"talk-{talk_id}@lunchlearn"
    assert str(event["SUMMARY"]) == "Ownership"
    assert event.decoded("DTSTART") == slot.starts_at
    assert event.decoded("DTEND") == slot.starts_at + timedelta(minutes=45)
    assert str(event.get("STATUS", "CONFIRMED")) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert "https://zoom.example.com/j/123" in description  # the join link
    assert "slack.com/archives/" in description or "/archives/" in description  # the permalink

    # Cancelled by its organiser: still in the feed, as cancelled, with a higher sequence.
    slack.overflow(
        ids.ACTION_TALK_MENU, f"{ids.MENU_CANCEL}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts="1.0"
    )
    view = {"type": "modal", "callback_id": ids.CALLBACK_TALK_CANCEL, "private_metadata": str(talk_id), "blocks": []}
    reason = {ids.BLOCK_CANCEL_REASON: {ids.ACTION_CANCEL_REASON: {"type": "plain_text_input", "value": ""}}}
    assert ack_json(slack.submit_view(view, reason, user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    [cancelled] = icalendar.Calendar.from_ical(_feed(bot_url, token).content).walk("VEVENT")
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) >= int(event["SEQUENCE"])

    # Wrong tokens: 404, the same answer whatever they look like.
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "a" * 300):
        assert _feed(bot_url, wrong).status_code == 404

    # Rotation: managers only; the old link stops working, the new one works.
    slack.overflow(
        ids.ACTION_SERIES_MENU, f"{ids.SERIES_MENU_FEED}:{series_id}", user=OTHER, channel=GENERAL, message_ts="1.0"
    )
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == OTHER)
    assert _feed(bot_url, token).status_code == 200
    slack.overflow(
        ids.ACTION_SERIES_MENU, f"{ids.SERIES_MENU_FEED}:{series_id}", user=SPEAKER, channel=GENERAL, message_ts="1.0"
    )
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == SPEAKER and "主催者だけ" in c.params["text"]
    )
    slack.overflow(
        ids.ACTION_SERIES_MENU, f"{ids.SERIES_MENU_FEED}:{series_id}", user=ORGANISER, channel=GENERAL, message_ts="1.0"
    )
    [rotated] = fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == ORGANISER and "/calendar/" in c.params["text"]
    )
    match = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", rotated.params["text"])
    assert match is not None and match.group(1) != token
    assert _feed(bot_url, token).status_code == 404
    assert _feed(bot_url, match.group(1)).status_code == 200


# --- Home ------------------------------------------------------------------------------------------------------------


def test_home_shows_each_series_with_its_next_slot(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    from tests.lifecycle.test_home import open_home

    assert "Tuesday lunch" not in block_texts(open_home(slack, fake_slack, SPEAKER)["blocks"])
    create_series(slack, fake_slack, container, organisers=[SPEAKER])
    ja = open_home(slack, fake_slack, SPEAKER)
    text = block_texts(ja["blocks"])
    assert "シリーズ" in text and "Tuesday lunch" in text and "発表者未定" in text
    assert ids.ACTION_SLOT_FILL in str(ja["blocks"])  # a co-organiser can fill it from Home
    en = open_home(slack, fake_slack, OTHER)
    assert "Every Tuesday at 12:00" in block_texts(en["blocks"])
    assert ids.ACTION_SLOT_FILL not in str(en["blocks"])


def test_the_scheduler_runs_the_series_sweep_as_a_maintenance_job(container: Container) -> None:
    from bot.scheduling.runtime import SchedulerRuntime

    runtime = SchedulerRuntime(container, holder="test-leader")
    try:
        runtime.tick()
        assert runtime.scheduler is not None
        job = runtime.scheduler.get_job("maintenance:series_sweep")
        assert job is not None and job.func is jobs.series_sweep and job.misfire_grace_time == 1800
        runtime.sync_all()  # re-planning talks keeps it
        assert runtime.scheduler.get_job("maintenance:series_sweep") is not None
    finally:
        runtime.stop()


def test_a_hostile_series_name_never_pings_or_links(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    hostile = "<!here> <@UADMIN> <https://evil.example|click>"
    view = open_series_modal(slack, fake_slack)
    assert ack_json(slack.submit_view(view, series_values(name=hostile, days="30"), user=ORGANISER)) == {}
    [created] = fake_slack.wait_for("chat.postMessage", where=lambda c: "/calendar/" in c.params["text"])
    [series] = all_series(container)
    jobs.bind(container)
    jobs.alert_empty_series_slots(series.id, now=datetime.now(UTC))
    [alert] = dms_to(fake_slack, ORGANISER, "has no speaker yet")
    slack.command("series", user=ORGANISER)
    [listed] = fake_slack.wait_for(slack.last_webhook)
    for text in (created.params["text"], alert.params["text"], str(alert.params["blocks"]), str(listed.params)):
        assert "<!here>" not in text and "<@UADMIN>" not in text and "<https://evil" not in text
        assert "&lt;!here&gt;" in text
