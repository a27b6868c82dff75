"""Reactions as live feedback, through the signed HTTP endpoint against the fake Slack, on SQLite and PostgreSQL:
counting, removal, skin-tone folding, duplicates, other messages, the bot's own, surfaces, legend, pulse, nudges,
timeline, and reconciliation after app_rate_limited."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.container import Container
from bot.db import reactions_repo as rrepo
from bot.db.models import OutboxMessage
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts
from tests.reactions.helpers import (
    board_text,
    give_reactions,
    live_talk,
    react,
    reaction_event,
    settle,
    timeline,
    totals,
)
from tests.slack_driver import SlackDriver

LEGEND = ["clap", "bulb", "confused", "turtle", "rabbit2", "mute"]


def live_updates(fake: FakeSlack, ts: str) -> list:
    return fake.calls_to("chat.update") and [c for c in fake.calls_to("chat.update") if c.params["ts"] == ts]


def test_go_live_shows_legend_and_seeds_it_as_reactions(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = live_talk(slack, fake_slack, container)
    [post] = [c for c in fake_slack.calls_to("chat.postMessage") if c.response.get("ts") == talk.live_ts]
    text = block_texts(post.params["blocks"])
    assert ":clap: applause" in text and ":mute: can't hear" in text and ":confused: lost me" in text
    assert ":question:" not in text  # reads as "I have a question", not "you lost me"
    assert "added one of each" in text
    # No counts in the channel: the pulse is on the speakers' boards.
    assert "No reactions yet." not in text and "Live pulse" not in text
    assert "No reactions yet." in board_text(container, fake_slack, talk.id, ORGANISER)
    seeded = [c.params["name"] for c in fake_slack.calls_to("reactions.add")]
    assert seeded == LEGEND
    assert all(c.params["timestamp"] == talk.live_ts for c in fake_slack.calls_to("reactions.add"))

    # Idempotent: seeding again meets already_reacted and changes nothing.
    container.reactions.seed_legend(talk.id)
    message = fake_slack.message(talk.live_channel, talk.live_ts)
    assert sorted(r["name"] for r in message["reactions"]) == sorted(LEGEND)
    assert all(r["count"] == 1 for r in message["reactions"])


def test_counting_removal_folding_and_pulse(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk = live_talk(slack, fake_slack, container)
    ch, ts = talk.live_channel, talk.live_ts
    assert ch and ts
    fake_slack.reset_calls()
    for user in (ORGANISER, ATTENDEE, OTHER):
        react(slack, user, "clap", ch, ts)
    react(slack, ATTENDEE, "+1::skin-tone-3", ch, ts)
    react(slack, OTHER, "+1", ch, ts)
    react(slack, "UCUSTOM", "partyparrot", ch, ts)
    react(slack, OTHER, "clap", ch, ts, added=False)
    # Removing a reaction we never counted (e.g. added while Slack was not sending events) never goes below zero.
    react(slack, OTHER, "bulb", ch, ts, added=False)
    react(slack, OTHER, "bulb", ch, ts, added=False)

    settle(container, talk.id, 9)
    assert totals(container, talk.id) == {"clap": 2, "+1": 2, "partyparrot": 1}
    points = {(p.emoji, p.minute): (p.added, p.removed) for p in timeline(container, talk.id)}
    assert points[("clap", 0)] == (3, 1)
    assert points[("+1", 0)] == (2, 0)
    assert points[("bulb", 0)] == (0, 2)

    # The pulse on the speakers' boards shows the totals and the last minute (coalesced refreshes, interval 0
    # here); the live post is not edited for counts.
    text = board_text(container, fake_slack, talk.id, ORGANISER)
    assert ":clap: 2" in text and ":+1: 2" in text and ":partyparrot: 1" in text
    assert "Live pulse" in text and "Last minute:" in text and ":clap: +3" in text
    assert "ライブの反応" in board_text(container, fake_slack, talk.id, SPEAKER)  # the speaker's language
    assert [c for c in fake_slack.calls_to("chat.update") if c.params["ts"] == ts] == []


def test_duplicates_other_messages_and_own_reactions_change_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = live_talk(slack, fake_slack, container)
    ch, ts = talk.live_channel, talk.live_ts
    assert ch and ts
    # The same delivery twice (a Slack retry): counted once.
    react(slack, ATTENDEE, "bulb", ch, ts, event_id="EvDUP1")
    response = slack.event(
        reaction_event(ATTENDEE, "bulb", ch, ts), event_id="EvDUP1", headers={"X-Slack-Retry-Num": "1"}
    )
    assert response.status_code == 200
    # Another message in the same channel, a file, and the bot's own reaction.
    other = fake_slack.add_message(GENERAL, "lunch anyone?", user=OTHER)
    react(slack, ATTENDEE, "bulb", GENERAL, other["ts"])
    react(slack, ATTENDEE, "bulb", ch, ts, item_type="file")
    react(slack, fake_slack.bot_user_id, "bulb", ch, ts)
    assert (
        container.reactions.record(
            event=reaction_event(fake_slack.bot_user_id, "clap", ch, ts), added=True, bot_user_id=fake_slack.bot_user_id
        )
        is False
    )

    settle(container, talk.id, 1)
    assert totals(container, talk.id) == {"bulb": 1}
    assert totals(container, talk.id, "announcement") == {}
    assert [(p.emoji, p.added) for p in timeline(container, talk.id)] == [("bulb", 1)]


def test_announcement_and_live_post_are_counted_separately(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = live_talk(slack, fake_slack, container)
    assert talk.announcement_channel and talk.announcement_ts and talk.live_channel and talk.live_ts
    react(slack, ATTENDEE, "tada", talk.announcement_channel, talk.announcement_ts)
    react(slack, OTHER, "tada", talk.announcement_channel, talk.announcement_ts)
    react(slack, ATTENDEE, "tada", talk.live_channel, talk.live_ts)
    settle(container, talk.id, 3)
    assert totals(container, talk.id, "announcement") == {"tada": 2}
    assert totals(container, talk.id, "live") == {"tada": 1}


def test_timeline_has_per_minute_counts_per_emoji(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = live_talk(slack, fake_slack, container)
    ch, ts = talk.live_channel, talk.live_ts
    assert ch and ts and talk.went_live_at
    start = talk.went_live_at.timestamp()
    react(slack, ATTENDEE, "clap", ch, ts, at=start + 5)
    react(slack, OTHER, "clap", ch, ts, at=start + 30)
    react(slack, OTHER, "joy", ch, ts, at=start + 61)
    react(slack, OTHER, "clap", ch, ts, added=False, at=start + 12 * 60 + 1)
    settle(container, talk.id, 4)
    points = [(p.minute, p.emoji, p.added, p.removed, p.net) for p in timeline(container, talk.id)]
    assert points == [(0, "clap", 2, 0, 2), (1, "joy", 1, 0, 1), (12, "clap", 0, 1, -1)]


def test_signal_threshold_nudges_speakers_on_their_boards_once_per_quiet_period(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = live_talk(slack, fake_slack, container, speakers=[SPEAKER, ATTENDEE], nudges=True)
    ch, ts = talk.live_channel, talk.live_ts
    assert ch and ts and talk.went_live_at and talk.nudges
    t0 = talk.went_live_at.timestamp() + 1
    fake_slack.reset_calls()

    def nudge_claims() -> tuple[str | None, int | None]:
        with container.db.session() as session:
            state = rrepo.talk_state(session=session, talk_id=talk.id)
            return (state.last_nudge_emoji, state.last_nudge_count) if state else (None, None)

    for i in range(4):  # below the threshold of 5
        react(slack, f"UAUD{i}", "mute", ch, ts, at=t0 + i)
    settle(container, talk.id, 4)
    assert nudge_claims() == (None, None)

    react(slack, "UAUD4", "mute", ch, ts, at=t0 + 5)
    settle(container, talk.id, 5)
    assert nudge_claims() == ("mute", 5)
    # On each speaker's board, in their language; never a DM (it could pop up on a shared screen).
    assert "参加者からのサイン：聞こえない" in board_text(container, fake_slack, talk.id, SPEAKER)
    assert "The audience signals: can't hear" in board_text(container, fake_slack, talk.id, ATTENDEE)
    assert ":mute: ×5" in board_text(container, fake_slack, talk.id, ATTENDEE)
    assert [c for c in fake_slack.calls_to("chat.postMessage") if " ×" in c.params.get("text", "")] == []
    with container.db.session() as session:
        assert session.query(OutboxMessage).filter(OutboxMessage.kind == "reaction_nudge").count() == 0

    # More signals within the quiet period (5 minutes): no second nudge.
    for i in range(6):
        react(slack, f"UAUE{i}", "turtle", ch, ts, at=t0 + 120 + i)
    settle(container, talk.id, 11)
    assert nudge_claims() == ("mute", 5)

    # After the quiet period a new surge nudges again.
    for i in range(6):
        react(slack, f"UAUF{i}", "turtle", ch, ts, at=t0 + 6 * 60 + i)
    settle(container, talk.id, 17)
    emoji, count = nudge_claims()
    assert emoji == "turtle" and count in (5, 6)  # claimed by the batch that crossed the threshold


@pytest.mark.parametrize("nudges", [False, True])
def test_nudges_are_opt_in_per_talk(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, nudges: bool
) -> None:
    """Off by default: a surge still shows as a warning on the boards (the pulse), but no nudge, no DM."""
    talk = live_talk(slack, fake_slack, container, nudges=True if nudges else None)  # off: the form left alone
    ch, ts = talk.live_channel, talk.live_ts
    assert ch and ts and talk.nudges is nudges
    fake_slack.reset_calls()
    for i in range(5):
        react(slack, f"UAUD{i}", "turtle", ch, ts)
    settle(container, talk.id, 5)
    for user, nudge, surge in (
        (ORGANISER, "The audience signals: slow down", ":warning: *:turtle: ×5 in the last minute*"),
        (SPEAKER, "参加者からのサイン：もう少しゆっくり", ":warning: *直近1分で:turtle: ×5*"),
    ):
        text = board_text(container, fake_slack, talk.id, user)
        assert (nudge in text) is nudges
        assert ":turtle: ×5" in text
        assert (surge in text) is not nudges  # the nudge line already says it
    dms = [c for c in fake_slack.calls_to("chat.postMessage") if not c.params["channel"].startswith(("C", "G"))]
    assert dms == []


def test_nudge_is_claimed_exactly_once_under_concurrency(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = live_talk(slack, fake_slack, container, nudges=True)
    ch, ts = talk.live_channel, talk.live_ts
    assert ch and ts and talk.went_live_at
    at = talk.went_live_at + timedelta(seconds=10)
    for i in range(5):
        # Straight into the service with an explicit time; the writer checks signals too.
        container.reactions.record(
            event=reaction_event(f"UAUD{i}", "turtle", ch, ts), added=True, bot_user_id="UBOT", now=at
        )
    container.reactions.flush()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: container.reactions.check_signal(talk.id, "turtle", now=at), range(8)))
    assert results.count(True) == 0  # the writer already nudged for this surge
    later = at + timedelta(minutes=5)
    for i in range(5):
        container.reactions.record(
            event=reaction_event(f"UAUG{i}", "turtle", ch, ts), added=True, bot_user_id="UBOT", now=later
        )
    # Eight threads race with the writer on the same surge: exactly one nudge (the writer's or one thread's).
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(container.reactions.check_signal, talk.id, "turtle", now=later) for _ in range(8)]
        container.reactions.flush()
        results = [f.result() for f in futures]
    container.reactions.flush()
    assert results.count(True) <= 1
    with container.db.session() as session:
        state = rrepo.talk_state(session=session, talk_id=talk.id)
        assert state is not None and state.last_nudge_at == later and state.last_nudge_count == 5


def test_app_rate_limited_is_acknowledged_and_counts_are_reconciled(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = live_talk(slack, fake_slack, container)
    ch, ts = talk.live_channel, talk.live_ts
    assert ch and ts and talk.announcement_channel and talk.announcement_ts
    react(slack, ATTENDEE, "clap", ch, ts)
    react(slack, OTHER, "question", ch, ts)
    settle(container, talk.id, 2)
    assert totals(container, talk.id) == {"clap": 1, "question": 1}

    now = int(time.time())
    body = {
        "token": "legacy",
        "team_id": "T1",
        "minute_rate_limited": now // 60 * 60,
        "api_app_id": "AFAKE",
        "type": "app_rate_limited",
    }
    response = slack.post(json.dumps(body), content_type="application/json")
    assert response.status_code == 200  # not Bolt's 404 for an unhandled request

    # Meanwhile Slack dropped events: the message holds more than we counted (and the bot's own legend).
    give_reactions(
        fake_slack,
        ch,
        ts,
        {"clap": [ATTENDEE, OTHER, "U9"], "+1::skin-tone-2": ["U7"], "+1": ["U8"], "question": [OTHER]},
    )
    give_reactions(fake_slack, talk.announcement_channel, talk.announcement_ts, {"eyes": [ATTENDEE, OTHER]})
    fake_slack.reset_calls()
    # The reconciliation waits for the limited minute to pass (+ a margin); run the pending one now.
    assert container.reactions.run_pending_reconcile()
    assert {c.params["timestamp"] for c in fake_slack.calls_to("reactions.get")} == {ts, talk.announcement_ts}
    # Bot's seeded legend reactions are not people; question: the bot + OTHER = 1; turtle etc.: only the bot = 0.
    assert totals(container, talk.id) == {"clap": 3, "+1": 2, "question": 1}
    assert totals(container, talk.id, "announcement") == {"eyes": 2}
    assert ":clap: 3" in board_text(container, fake_slack, talk.id, ORGANISER)
    with container.db.session() as session:
        state = rrepo.talk_state(session=session, talk_id=talk.id)
        assert state is not None and state.reconciled_at is not None

    # New events keep counting on top of the reconciled totals.
    react(slack, "U10", "clap", ch, ts)
    settle(container, talk.id, 3)
    assert totals(container, talk.id)["clap"] == 4


def test_rate_limit_schedules_reconcile_after_the_limited_minute(container: Container) -> None:
    now = 1_800_000_030.0
    delay = container.reactions.on_rate_limited(minute_rate_limited=1_800_000_000, now=now)
    assert 30 <= delay <= 40  # the minute ends at +60 s, then a small margin
    later = container.reactions.on_rate_limited(minute_rate_limited=1_800_000_060, now=now)
    assert later > delay
    assert container.reactions.run_pending_reconcile()
    assert not container.reactions.run_pending_reconcile()
