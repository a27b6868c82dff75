"""Six weeks of a lunch-and-learn series, driven through the endpoint; the scheduler's clock is passed to the jobs
(no sleeping): slots generated, the empty-slot alert, a skipped week, a proposal accepted, a talk of three parts
with questions routed per part, attendance and answers, the series report's numbers against this known data set,
and the calendar feed parsed back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import requests

from bot import ids
from bot.config import Settings
from bot.container import Container
from bot.db.models import SlotStatus, Talk, TalkStatus
from bot.scheduling import jobs
from tests.agenda.test_agenda import agenda_values
from tests.conftest import ADMIN, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, wait_flows
from tests.proposals.helpers import propose
from tests.questions.helpers import open_ask_modal, question_values, questions_in_db, wait_until
from tests.series.test_series import create_series, dms_to, fill_slot, slots_of
from tests.slack_driver import SlackDriver

AUDIENCE = ["UAIKO", "UBEN", "UCHEN", "UDAN"]
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The survey fan-out runs in the test's thread, at full speed.
    return settings.model_copy(
        update={
            "SURVEY_WORKER_AUTOSTART": False,
            "SURVEY_DM_START_PER_MINUTE": 6000.0,
            "SURVEY_DM_MAX_PER_MINUTE": 6000.0,
            "PUBLIC_URL": "https://lunchlearn.example.com",
        }
    )


def _talk(container: Container, talk_id: int) -> Talk:
    with container.db.session() as session:
        talk = session.get(Talk, talk_id)
        assert talk is not None
        session.expunge(talk)
        return talk


def _menu(slack: SlackDriver, container: Container, choice: str, talk_id: int) -> None:
    ts = _talk(container, talk_id).announcement_ts
    slack.overflow(ids.ACTION_TALK_MENU, f"{choice}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    wait_flows(container, talk_id)


def _rsvp(slack: SlackDriver, container: Container, talk_id: int, users: list[str]) -> None:
    ts = _talk(container, talk_id).announcement_ts
    for user in users:
        slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
    wait_flows(container, talk_id)


def _rate(slack: SlackDriver, fake: FakeSlack, container: Container, talk_id: int, ratings: dict[str, int]) -> None:
    container.surveys.run_worker()
    invites = {
        str(c.response["channel"]).removeprefix("D"): c
        for c in fake.calls_to("chat.postMessage")
        if c.ok
        and (c.params.get("metadata") or {}).get("event_payload", {}).get("talk_id") == talk_id
        and (c.params.get("metadata") or {}).get("event_payload", {}).get("kind") == "invite"
    }
    for user, rating in ratings.items():
        dm = invites[user]
        slack.button(
            f"{ids.ACTION_SURVEY_RATE}_{rating}",
            f"{talk_id}:{rating}",
            user=user,
            channel=str(dm.response["channel"]),
            message_ts=str(dm.response["ts"]),
        )


def test_six_weeks_of_a_series(slack: SlackDriver, fake_slack: FakeSlack, container: Container, bot_url: str) -> None:
    for i, user in enumerate(AUDIENCE):
        fake_slack.add_user(user, locale="ja-JP" if i % 2 else "en-US", tz="Asia/Tokyo")
    jobs.bind(container)

    # Week 0: a weekly series, Tuesdays 12:00 in Tokyo, alerts 3 days ahead, a co-organiser. Slots for 8 weeks.
    series_id, token = create_series(slack, fake_slack, container, organisers=[OTHER], days="3")
    slots = slots_of(container, series_id)
    assert len(slots) == 8
    assert all(b.starts_at - a.starts_at == timedelta(days=7) for a, b in zip(slots, slots[1:], strict=False))
    assert {(s.starts_at.astimezone(TOKYO).weekday(), s.starts_at.astimezone(TOKYO).hour) for s in slots} == {(1, 12)}

    # Week 1: the slot is filled; three speakers share the lunch (an agenda of three parts).
    talk_a = fill_slot(slack, fake_slack, container, slots[0])
    _menu(slack, container, ids.MENU_AGENDA, talk_a)
    [agenda_view] = fake_slack.wait_for("views.open")
    parts = [(SPEAKER, "The product", "15"), (OTHER, "On-device ML", "15"), (ADMIN, "Shipping it", "15")]
    assert ack_json(slack.submit_view(agenda_view.params["view"], agenda_values(parts), user=ORGANISER)) == {}
    wait_flows(container, talk_a)
    _rsvp(slack, container, talk_a, AUDIENCE)  # 4 registered
    # The feed carries the talk before it happens.
    feed = requests.get(f"{bot_url}/calendar/{token}.ics", timeout=5)
    assert feed.status_code == 200
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events if str(e["UID"]).startswith(f"talk-{talk_a}@")] == ["Ownership"]
    assert requests.get(f"{bot_url}/calendar/{token[:-2]}xx.ics", timeout=5).status_code == 404

    # The talk starts; questions go to the speaker on now, or to the one the asker picks.
    _menu(slack, container, ids.MENU_START_NOW, talk_a)
    wait_until(lambda: bool(_talk(container, talk_a).live_ts))
    live_ts = str(_talk(container, talk_a).live_ts)
    view = open_ask_modal(slack, fake_slack, talk_id=talk_a, user=AUDIENCE[0], message_ts=live_ts)
    slack.submit_view(view, question_values("Pricing?"), user=AUDIENCE[0])
    view = open_ask_modal(slack, fake_slack, talk_id=talk_a, user=AUDIENCE[1], message_ts=live_ts)
    picked = question_values("Which phones?")
    picked[ids.BLOCK_QUESTION_FOR] = {
        ids.ACTION_QUESTION_FOR: {"type": "radio_buttons", "selected_option": {"value": OTHER}}
    }
    slack.submit_view(view, picked, user=AUDIENCE[1])
    wait_until(lambda: len(questions_in_db(container, talk_a)) == 2)
    # 16 minutes in, the clock moves the agenda to part 2: a question asked now goes to its speaker.
    went_live = _talk(container, talk_a).went_live_at
    assert went_live is not None
    assert container.agenda.follow_clock(went_live + timedelta(minutes=16)) == [talk_a]
    wait_flows(container, talk_a)
    slack.command("ask Battery life?", user=AUDIENCE[2])
    wait_until(lambda: len(questions_in_db(container, talk_a)) == 3)
    assert [(q.text, q.speaker_id) for q in questions_in_db(container, talk_a)] == [
        ("Pricing?", SPEAKER),
        ("Which phones?", OTHER),
        ("Battery life?", OTHER),
    ]
    _menu(slack, container, ids.MENU_END_NOW, talk_a)
    wait_until(lambda: _talk(container, talk_a).status is TalkStatus.ENDED)
    wait_flows(container, talk_a)
    # Three of the four came (they asked); three answer: 5, 4, 3, and rate the parts in the survey's form: the
    # first part by all three, the second by two (below k = 3: hidden), the third by nobody.
    _rate(slack, fake_slack, container, talk_a, {AUDIENCE[0]: 5, AUDIENCE[1]: 4, AUDIENCE[2]: 3})
    for user, overall, part_ratings in [
        (AUDIENCE[0], 5, {0: 5, 1: 4}),
        (AUDIENCE[1], 4, {0: 4, 1: 2}),
        (AUDIENCE[2], 3, {0: 4}),
    ]:
        _rate_parts(slack, fake_slack, talk_a, user, overall, part_ratings)
    fake_slack.reset_calls()
    jobs.survey_close(talk_a)
    report = next(c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER)
    text = block_texts(report.params["blocks"])
    assert f"• *The product* (<@{SPEAKER}>): ★ 4.3 (3 answers)" in text
    assert f"• *On-device ML* (<@{OTHER}>): shown once 3 people have rated this part" in text
    assert f"• *Shipping it* (<@{ADMIN}>): shown once 3 people have rated this part" in text
    assert "★ 3.0" not in text  # the second part's average (4 and 2) is never shown

    # Week 2 has no speaker: 3 days before, the organiser and the co-organiser are told, once each.
    fake_slack.reset_calls()
    for hours in (0, 1, 2):
        jobs.series_sweep(now=slots[1].starts_at - timedelta(days=2, hours=-hours))
    assert len(dms_to(fake_slack, ORGANISER, "has no speaker yet")) == 1
    assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == OTHER]) == 1

    # Week 3 is skipped (from that DM's button).
    slack.button(ids.ACTION_SLOT_SKIP, str(slots[2].id), user=ORGANISER, channel=f"D{ORGANISER}", message_ts="1.0")
    wait_until(lambda: slots_of(container, series_id)[2].status is SlotStatus.SKIPPED)

    # A proposal: upvoted on the board, accepted by the organiser, who now has organised a talk.
    proposal = propose(slack, fake_slack, container, user=AUDIENCE[3], title="Rust in the browser", abstract="WASM")
    propose(slack, fake_slack, container, user=AUDIENCE[1], title="Embedded Rust", abstract="No std")
    board_ts = next(
        str(m["ts"])
        for m in fake_slack.messages[GENERAL]
        if (m.get("metadata") or {}).get("event_type") == ids.METADATA_PROPOSALS_EVENT_TYPE
    )
    for voter in AUDIENCE[:2]:
        slack.button(ids.ACTION_PROPOSAL_UPVOTE, str(proposal + 1), user=voter, channel=GENERAL, message_ts=board_ts)
    fake_slack.reset_calls()
    slack.button(ids.ACTION_PROPOSAL_ACCEPT, str(proposal), user=ORGANISER, channel=GENERAL, message_ts=board_ts)
    [form] = fake_slack.wait_for("views.open")
    assert form.params["view"]["private_metadata"] == f"{ids.PROPOSAL_METADATA_PREFIX}{proposal}"

    # Week 4: the slot is filled; two registered, one clicks Join, one never comes; one answer (below k = 3).
    talk_b = fill_slot(slack, fake_slack, container, slots[3])
    _rsvp(slack, container, talk_b, AUDIENCE[:2])
    _menu(slack, container, ids.MENU_START_NOW, talk_b)
    wait_until(lambda: bool(_talk(container, talk_b).live_ts))
    slack.button(ids.ACTION_JOIN_STREAM, str(talk_b), user=AUDIENCE[0], channel=GENERAL, message_ts="1.0")
    wait_until(lambda: _attended(container, talk_b) == {AUDIENCE[0]})
    _menu(slack, container, ids.MENU_END_NOW, talk_b)
    wait_until(lambda: _talk(container, talk_b).status is TalkStatus.ENDED)
    wait_flows(container, talk_b)
    _rate(slack, fake_slack, container, talk_b, {AUDIENCE[0]: 2})

    # Week 6: the monthly report reaches each organiser once, whatever how often the sweep runs; the numbers are
    # this data set's.
    fake_slack.reset_calls()
    next_month = (datetime.now(UTC).astimezone(TOKYO).replace(day=1) + timedelta(days=32)).replace(day=1, hour=9)
    after = max(next_month, slots[5].starts_at.astimezone(TOKYO))
    for hours in (0, 1):
        jobs.series_sweep(now=(after + timedelta(hours=hours)).astimezone(UTC))
    reports = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if (c.params.get("metadata") or {}).get("event_payload", {}).get("kind") == "series_report"
    ]
    assert sorted(c.params["channel"] for c in reports) == sorted([ORGANISER, OTHER])
    organiser = block_texts(next(c for c in reports if c.params["channel"] == ORGANISER).params["blocks"])
    assert "*The last 2 talks*, rated ★ 4.0 on average (out of 5)" in organiser
    assert "*Ownership*: 4 registered, 3 attended (25% no-show) · 3 of 4 answered the survey (75%) · ★ 4.0" in organiser
    assert (
        "*Ownership*: 2 registered, 1 attended (50% no-show) · 1 of 2 answered the survey (50%) · "
        "rating hidden until enough people answer" in organiser
    )
    assert "• Embedded Rust (2 votes)" in organiser
    [image] = [
        b for c in reports if c.params["channel"] == ORGANISER for b in c.params["blocks"] if b["type"] == "image"
    ]
    assert image["slack_file"]["id"] in fake_slack.files
    co = block_texts(next(c for c in reports if c.params["channel"] == OTHER).params["blocks"])
    assert "Ownership" in co and re.search(r"3 attended", co)


def _rate_parts(
    slack: SlackDriver, fake: FakeSlack, talk_id: int, user: str, overall: int, parts: dict[int, int]
) -> None:
    """The survey's "More feedback" form, with a rating for each part of the agenda."""
    fake.reset_calls()
    slack.button(ids.ACTION_SURVEY_MORE, str(talk_id), user=user, channel=f"D{user}", message_ts="1.0")
    [opened] = fake.wait_for("views.open")
    view = opened.params["view"]
    labels = [b["label"]["text"] for b in view["blocks"] if b.get("block_id", "").startswith(ids.BLOCK_SURVEY_SEGMENT)]
    assert len(labels) == 3 and labels[0] in ("Part: The product", "パート：The product")

    def pick(value: int) -> dict[str, object]:
        return {"type": "static_select", "selected_option": {"value": str(value)}}

    values: dict[str, object] = {ids.BLOCK_SURVEY_OVERALL: {ids.ACTION_SURVEY_OVERALL: pick(overall)}}
    for position, rating in parts.items():
        values[f"{ids.BLOCK_SURVEY_SEGMENT}{position}"] = {ids.ACTION_SURVEY_SEGMENT: pick(rating)}
    assert ack_json(slack.submit_view(view, values, user=user)) == {}


def _attended(container: Container, talk_id: int) -> set[str]:
    from bot.services.talks.attendance import attended

    with container.db.session() as session:
        return attended(session, talk_id)
