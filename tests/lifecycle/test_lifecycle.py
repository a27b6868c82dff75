"""Reminders, go-live and end: scheduling, effects, exactly-once, catch-up, restart and leader hand-over.

Time is controlled: job functions and `tick(now)` take explicit times; nothing waits for a wall-clock minute."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot import ids
from bot.config import Settings
from bot.container import Container, build_container
from bot.db.base import utcnow
from bot.db.models import OutboxMessage, OutboxStatus, Talk, TalkStatus
from bot.db.session import Database
from bot.scheduling import jobs
from bot.scheduling.runtime import SchedulerRuntime
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import (
    ack_json,
    block_texts,
    create_talk,
    flow_runs,
    in_days,
    more_options,
    open_full_form,
    reminder_values,
    talk_values,
    talks_in_db,
)
from tests.slack_driver import SlackDriver


@pytest.fixture
def runtime(container: Container) -> Iterator[SchedulerRuntime]:
    """This process leads: the scheduler runs (its loop is driven by tick() in tests)."""
    rt = SchedulerRuntime(container, holder="test-leader")
    rt.tick()
    assert rt.is_leader
    yield rt
    rt.stop()


def job_ids(rt: SchedulerRuntime) -> dict[str, object]:
    assert rt.scheduler is not None
    return {job.id: job.next_run_time for job in rt.scheduler.get_jobs() if not job.id.startswith("maintenance:")}


def wait_jobs(rt: SchedulerRuntime, expected: dict[str, object], timeout: float = 5) -> None:
    """Jobs are synced by a hook after the announcement is posted: wait for them to settle."""
    deadline = time.monotonic() + timeout
    while job_ids(rt) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job_ids(rt) == expected


def crashed_claim(container: Container, key: str, talk_id: int, kind: str, recipient: str) -> None:
    """The outbox state a crash between Slack's answer and the database commit leaves: claimed long ago."""
    with container.db.session() as session:
        session.add(
            OutboxMessage(
                key=key,
                talk_id=talk_id,
                kind=kind,
                recipient=recipient,
                status=OutboxStatus.SENDING,
                attempts=1,
                claimed_at=utcnow() - timedelta(minutes=5),
            )
        )


def talk(container: Container, talk_id: int):  # type: ignore[no-untyped-def]
    return next(t for t in talks_in_db(container) if t.id == talk_id)


def rsvp(slack: SlackDriver, fake: FakeSlack, talk_id: int, ts: str, *users: str) -> None:
    for user in users:
        slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
    fake.wait_for("chat.postEphemeral", count=len(users))
    fake.reset_calls()


def thread_posts(fake: FakeSlack, ts: str) -> list:  # type: ignore[type-arg]
    return fake.calls_to("chat.postMessage") and [
        c for c in fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts
    ]


def checkin_jobs(t: Talk, start: datetime | None = None) -> dict[str, object]:
    """The speaker check-in jobs of a scheduled talk (bot/services/checkins): 72 h and 24 h before, named after the
    start time, planned only when the talk existed at that moment."""
    start = start or t.starts_at
    at = int(start.timestamp())
    leads = {"checkin_72": 72, "checkin_alert": 24, "slides_reminder": 24}
    return {
        f"{kind}@{at}:{t.id}": start - timedelta(hours=hours)
        for kind, hours in leads.items()
        if start - timedelta(hours=hours) > t.created_at
    }


# Scheduling -----------------------------------------------------------------------------------------------------


def test_jobs_follow_create_edit_and_cancel(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, runtime: SchedulerRuntime
) -> None:
    start = in_days(3, hour=15)
    talk_id, ts = create_talk(slack, fake_slack, container, start=start, duration="30")
    t = talk(container, talk_id)
    wait_jobs(
        runtime,
        {
            f"reminder_1440:{talk_id}": t.starts_at - timedelta(days=1),
            f"reminder_10:{talk_id}": t.starts_at - timedelta(minutes=10),
            f"go_live:{talk_id}": t.starts_at,
            f"end:{talk_id}": t.starts_at + timedelta(minutes=30),
            **checkin_jobs(t),
        },
    )

    # Edit: move it a day later with a single one-hour reminder (a preset of the form); the jobs move with it.
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    values = talk_values(start=start + 86400, duration="60", include_channel=False, speakers=[SPEAKER])
    form = more_options(slack, fake_slack, opened.response["view"], user=ORGANISER, values=values)
    [block] = [b for b in form["blocks"] if b["block_id"] == ids.BLOCK_REMINDERS]
    assert "60" in [o["value"] for o in block["element"]["options"]]
    values[ids.BLOCK_REMINDERS] = reminder_values(["60"])
    assert ack_json(slack.submit_view(form, values, user=ORGANISER)) == {}
    fake_slack.wait_for("chat.update")
    new_start = t.starts_at + timedelta(days=1)
    expected = {
        f"reminder_60:{talk_id}": new_start - timedelta(minutes=60),
        f"go_live:{talk_id}": new_start,
        f"end:{talk_id}": new_start + timedelta(minutes=60),
        **checkin_jobs(t, new_start),  # the check-ins move with the talk (the old ones are gone)
    }
    wait_jobs(runtime, expected)
    assert talk(container, talk_id).reminder_offsets == "60"

    # Cancel: every job of the talk is gone.
    container.talks.cancel_talk(actor=container.talks.actor(ORGANISER, "T1"), talk_id=talk_id, reason="")
    container.talks.run_flows(talk_id)
    assert job_ids(runtime) == {}


def test_no_day_before_reminder_for_a_talk_created_hours_ahead(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, runtime: SchedulerRuntime
) -> None:
    talk_id, _ = create_talk(slack, fake_slack, container, start=int(time.time()) + 3 * 3600)
    t = talk(container, talk_id)
    wait_jobs(
        runtime,
        {
            f"reminder_10:{talk_id}": t.starts_at - timedelta(minutes=10),
            f"go_live:{talk_id}": t.starts_at,
            f"end:{talk_id}": t.ends_at,
            **checkin_jobs(t),
        },
    )


def test_bad_reminder_field_is_an_inline_error(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    form = open_full_form(slack, fake_slack, user=ORGANISER)
    values = talk_values(speakers=[SPEAKER])
    values[ids.BLOCK_REMINDERS] = reminder_values(["ten", "0"])  # not an option of the form: a forged payload
    errors = ack_json(slack.submit_view(form, values, user=ORGANISER))["errors"]
    assert list(errors) == [ids.BLOCK_REMINDERS]
    assert talks_in_db(container) == []


# Effects and exactly-once ----------------------------------------------------------------------------------------


@contextmanager
def outbox_commit_barrier(container: Container, racers: set[str], *, prefix: str) -> Iterator[None]:
    """Hold each racing thread after its first committed transaction on an outbox row (key starting with
    `prefix`) until the other racer has committed its own (or given up, when a lock keeps it out: 2 s)."""
    local = threading.local()
    arrivals: Counter[str] = Counter()
    barriers: dict[str, threading.Barrier] = {}
    guard = threading.Lock()

    def touched(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if threading.current_thread().name not in racers or "outbox" not in statement:
            return
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        keys = [v for v in values if isinstance(v, str) and v.startswith(prefix)]
        if keys and getattr(local, "key", None) is None:
            local.key = keys[0]

    def committed(session: Session) -> None:
        key, local.key = getattr(local, "key", None), None
        if key is None:
            return
        with guard:
            arrivals[key] += 1
            if arrivals[key] > 2:
                return
            barrier = barriers.setdefault(key, threading.Barrier(2, timeout=2))
        with suppress(threading.BrokenBarrierError):
            barrier.wait()

    event.listen(container.db.engine, "after_cursor_execute", touched)
    event.listen(Session, "after_commit", committed)
    try:
        yield
    finally:
        event.remove(Session, "after_commit", committed)
        event.remove(container.db.engine, "after_cursor_execute", touched)
    assert any(count >= 2 for count in arrivals.values()), f"the racers never met: {dict(arrivals)}"


def test_reminder_goes_to_thread_and_attendees_once_even_when_raced(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    rsvp(slack, fake_slack, talk_id, ts, ATTENDEE, SPEAKER)
    jobs.bind(container)
    moment = talk(container, talk_id).starts_at - timedelta(minutes=10)

    # Two scheduler threads (or replicas) run the same reminder at once, then it runs a third time. The barrier
    # makes the race the same every run: each racer's first transaction on an outbox row commits before either
    # goes on to Slack, so both decide from the same state (a check-then-claim bug sends twice every time).
    barrier = threading.Barrier(2, timeout=5)

    def run() -> None:
        barrier.wait()
        container.lifecycle.send_reminder(talk_id, 10, now=moment)

    threads = [threading.Thread(target=run) for _ in range(2)]
    with outbox_commit_barrier(container, {th.name for th in threads}, prefix="reminder_10"):
        for th in threads:
            th.start()
        for th in threads:
            th.join(20)
    container.lifecycle.send_reminder(talk_id, 10, now=moment + timedelta(seconds=30))

    posts = fake_slack.calls_to("chat.postMessage")
    thread = [c for c in posts if c.params.get("thread_ts") == ts]
    dms = {c.params["channel"]: c.params["text"] for c in posts if c.params["channel"] in (ATTENDEE, SPEAKER)}
    assert len(thread) == 1 and "Reminder: *Intro to Rust* starts" in thread[0].params["text"]
    assert thread[0].params["metadata"]["event_payload"] == {"talk_id": talk_id, "kind": "reminder_10"}
    assert len([c for c in posts if c.params["channel"] in (ATTENDEE, SPEAKER)]) == 2
    assert "in 10 minutes" in dms[ATTENDEE] and "https://zoom.example.com/j/123" in dms[ATTENDEE]
    assert "あと10分" in dms[SPEAKER]
    assert OTHER not in dms


def test_late_reminder_is_dropped_not_sent(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    rsvp(slack, fake_slack, talk_id, ts, ATTENDEE)
    moment = talk(container, talk_id).starts_at - timedelta(minutes=10)
    assert container.lifecycle.send_reminder(talk_id, 10, now=moment + timedelta(minutes=6)) is False
    fake_slack.assert_no_call("chat.postMessage")
    # ...and it is recorded as done, so no later sync plans it again.
    assert f"reminder_10:{talk_id}" not in {j.job_id for j in container.lifecycle.plan(talk(container, talk_id))}


def test_go_live_posts_once_with_the_link_and_marks_the_announcement(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    start = talk(container, talk_id).starts_at

    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        container.lifecycle.go_live(talk_id, now=start)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)

    [live] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert live.params["reply_broadcast"] in (True, "true", "1", 1)
    assert live.params["metadata"]["event_payload"] == {"talk_id": talk_id, "kind": "live"}
    text = block_texts(live.params["blocks"])
    assert "Live now: Intro to Rust" in text and "Join (zoom.example.com)" in text
    assert "https://zoom.example.com/j/123" in json.dumps(live.params["blocks"])  # the Join button's url
    updates = [c for c in fake_slack.calls_to("chat.update") if c.params["ts"] == ts]
    assert updates and all("🔴 LIVE · " in block_texts(u.params["blocks"]) for u in updates), [
        block_texts(u.params["blocks"]) for u in updates
    ]
    t = talk(container, talk_id)
    assert t.status is TalkStatus.LIVE and t.live_ts == live.response["ts"] and t.live_channel == GENERAL
    # The rest of the live flow ran once: the legend seeded on the live post, the boards opened.
    assert ("live", "done") in flow_runs(container, talk_id)
    seeded = [c.params["name"] for c in fake_slack.calls_to("reactions.add") if c.params["timestamp"] == t.live_ts]
    assert seeded and len(seeded) == len(set(seeded))


def test_go_live_recovers_a_post_whose_recording_was_lost(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    """A crash between Slack accepting the live post and the database recording it must not post it twice."""
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    # The state such a crash leaves: the outbox row claimed long ago, the message already in Slack's thread.
    crashed_claim(container, f"live_post:{talk_id}", talk_id, "live_post", GENERAL)
    posted = fake_slack.add_message(
        GENERAL,
        "live",
        user=fake_slack.bot_user_id,
        thread_ts=ts,
        metadata={"event_type": ids.METADATA_EVENT_TYPE, "event_payload": {"talk_id": talk_id, "kind": "live"}},
    )
    container.lifecycle.go_live(talk_id, now=talk(container, talk_id).starts_at)
    fake_slack.assert_no_call("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)
    assert talk(container, talk_id).live_ts == posted["ts"]


def test_end_marks_everything_ended_and_starts_post_talk_work(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    t = talk(container, talk_id)
    container.lifecycle.go_live(talk_id, now=t.starts_at)
    live_ts = talk(container, talk_id).live_ts
    fake_slack.reset_calls()

    assert container.lifecycle.end(talk_id, now=t.ends_at) is True
    assert container.lifecycle.end(talk_id, now=t.ends_at) is False  # a second run changes nothing
    container.refresher.flush()
    t = talk(container, talk_id)
    assert t.status is TalkStatus.ENDED and t.ended_at is not None
    announcement = fake_slack.message(GENERAL, ts)
    assert "This talk has ended" in block_texts(announcement["blocks"])
    assert not [b for b in announcement["blocks"] if b["type"] == "actions"]
    assert "has ended" in block_texts(fake_slack.message(GENERAL, str(live_ts))["blocks"])
    assert [(f, s) for f, s in flow_runs(container, talk_id) if f == "ended"] == [("ended", "done")]


def test_start_now_and_end_now_from_the_menu(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_START_NOW}:{talk_id}", user=OTHER, channel=GENERAL, message_ts=ts)
    [refusal] = fake_slack.wait_for("chat.postEphemeral")
    assert "Only the organiser" in refusal.params["text"]
    assert talk(container, talk_id).status is TalkStatus.SCHEDULED

    slack.overflow(
        ids.ACTION_TALK_MENU, f"{ids.MENU_START_NOW}:{talk_id}", user=SPEAKER, channel=GENERAL, message_ts=ts
    )
    fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)
    assert talk(container, talk_id).status is TalkStatus.LIVE
    # The live card's Manage offers End now, no longer Start now.
    menu = [e for b in fake_slack.message(GENERAL, ts)["blocks"] if b["type"] == "actions" for e in b["elements"]]
    options = [o["value"] for e in menu if e["type"] == "overflow" for o in e["options"]]
    assert f"{ids.MORE_MANAGE}:{talk_id}" in options
    slack.overflow(ids.ACTION_CARD_MORE, f"{ids.MORE_MANAGE}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    [manage] = fake_slack.wait_for("views.open")
    values = [b["accessory"]["value"] for b in manage.params["view"]["blocks"] if "accessory" in b]
    assert f"{ids.MENU_END_NOW}:{talk_id}" in values and f"{ids.MENU_START_NOW}:{talk_id}" not in values

    slack.overflow(
        ids.ACTION_TALK_MENU, f"{ids.MENU_END_NOW}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts
    )
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == ORGANISER and "has ended" in c.params["text"]
    )
    assert talk(container, talk_id).status is TalkStatus.ENDED


# The whole story through HTTP and the scheduler's own jobs ------------------------------------------------------


def test_http_story_from_new_to_end(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, runtime: SchedulerRuntime
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2), duration="15")
    rsvp(slack, fake_slack, talk_id, ts, ATTENDEE)
    assert runtime.scheduler is not None
    t = talk(container, talk_id)
    wait_jobs(
        runtime,
        {
            f"reminder_1440:{talk_id}": t.starts_at - timedelta(days=1),
            f"reminder_10:{talk_id}": t.starts_at - timedelta(minutes=10),
            f"go_live:{talk_id}": t.starts_at,
            f"end:{talk_id}": t.ends_at,
            **checkin_jobs(t),
        },
    )
    # Run each job exactly as the scheduler would at its time, in order.
    for job_id in (f"reminder_1440:{talk_id}", f"reminder_10:{talk_id}", f"go_live:{talk_id}", f"end:{talk_id}"):
        job = runtime.scheduler.get_job(job_id)
        assert job is not None, job_id
        if job_id.startswith("reminder"):
            # Reminders check lateness against the clock; run them as if at their moment.
            container.lifecycle.send_reminder(talk_id, job.args[1], now=job.next_run_time)
        else:
            job.func(*job.args)
    container.refresher.flush()
    thread = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    kinds = [c.params["metadata"]["event_payload"]["kind"] for c in thread]
    assert kinds == ["reminder_1440", "reminder_10", "live"]
    to_attendee = [c.params["text"] for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ATTENDEE]
    assert len([text for text in to_attendee if "starts in" in text]) == 2
    assert talk(container, talk_id).status is TalkStatus.ENDED
    # The talk's own jobs are gone; the post-talk survey's jobs are planned from its end.
    runtime.sync_all()
    ended_at = talk(container, talk_id).ended_at
    assert ended_at is not None
    assert job_ids(runtime) == {
        f"survey_preliminary_report:{talk_id}": ended_at + timedelta(hours=1),
        f"survey_reminder:{talk_id}": ended_at + timedelta(hours=24),
        f"survey_close:{talk_id}": ended_at + timedelta(hours=72),
    }
    # A feature job runs once: after it ran, the next sync does not plan it again.
    job = runtime.scheduler.get_job(f"survey_preliminary_report:{talk_id}")
    assert job is not None
    job.func(*job.args)
    runtime.sync_all()
    assert sorted(job_ids(runtime)) == [f"survey_close:{talk_id}", f"survey_reminder:{talk_id}"]


# Restarts and catch-up ------------------------------------------------------------------------------------------


def _second_container(settings: Settings) -> Container:
    db = Database.from_url(settings.DATABASE_URL)
    return build_container(settings, db=db)


def test_jobs_survive_a_restart_and_fire_once(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, settings: Settings
) -> None:
    first = SchedulerRuntime(container, holder="first")
    first.tick()
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    deadline = time.monotonic() + 5
    while f"go_live:{talk_id}" not in job_ids(first) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert f"go_live:{talk_id}" in job_ids(first)
    # Make the go-live due in a moment, then stop the process before it fires.
    assert first.scheduler is not None
    soon = utcnow() + timedelta(seconds=1)
    first.scheduler.modify_job(f"go_live:{talk_id}", next_run_time=soon)
    first.stop()

    other = _second_container(settings)
    second = SchedulerRuntime(other, holder="second")
    try:
        # The new process takes the lease without syncing (so only the stored job can fire the go-live).
        assert second._hold_lease(utcnow())
        from bot.scheduling.runtime import BackgroundScheduler, SQLAlchemyJobStore, ThreadPoolExecutor

        second.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=other.db.engine, tablename="apscheduler_jobs")},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            timezone="UTC",
        )
        second.scheduler.start()
        fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts, timeout=10)
        second.tick()  # a normal round after that: nothing fires twice
        time.sleep(0.3)
        assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]) == 1
        assert talk(other, talk_id).status is TalkStatus.LIVE
    finally:
        second.stop()
        other.db.engine.dispose()


def test_catch_up_after_downtime(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    """Down across several job times: late-but-useful reminders go, stale ones are dropped, go-live and end run."""
    in_talk, in_ts = create_talk(slack, fake_slack, container, start=in_days(2), title="Still on")
    over, over_ts = create_talk(slack, fake_slack, container, start=in_days(2), title="Missed")
    soon, soon_ts = create_talk(slack, fake_slack, container, start=in_days(3), title="Tomorrow")
    now = utcnow()
    with container.db.session() as session:
        from bot.db.models import Talk

        for talk_id, start in ((in_talk, now - timedelta(minutes=5)), (over, now - timedelta(hours=3))):
            row = session.get(Talk, talk_id)
            assert row is not None
            row.created_at = start - timedelta(days=3)
            row.starts_at, row.ends_at = start, start + timedelta(minutes=45)
        row = session.get(Talk, soon)
        assert row is not None
        # Its day-before reminder was due 2 hours ago (less than half of 24 h late: still worth sending).
        row.created_at = now - timedelta(days=3)
        row.starts_at, row.ends_at = now + timedelta(hours=22), now + timedelta(hours=22, minutes=45)
    fake_slack.reset_calls()

    rt = SchedulerRuntime(container, holder="after-downtime")
    try:
        rt.tick()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (
            talk(container, in_talk).status is TalkStatus.LIVE and talk(container, over).status is TalkStatus.ENDED
        ):
            time.sleep(0.05)
        fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == soon_ts)
        container.refresher.flush()
    finally:
        rt.stop()

    def kinds(ts: str) -> list[str]:
        return [
            c.params["metadata"]["event_payload"]["kind"]
            for c in fake_slack.calls_to("chat.postMessage")
            if c.params.get("thread_ts") == ts
        ]

    assert kinds(in_ts) == ["live"]  # its reminders were too late; go-live still useful
    assert talk(container, in_talk).status is TalkStatus.LIVE
    assert kinds(over_ts) == []  # whole slot missed: no live post, but the end ran
    assert talk(container, over).status is TalkStatus.ENDED
    assert kinds(soon_ts) == ["reminder_1440"]


# Several processes ---------------------------------------------------------------------------------------------


def test_one_leader_and_takeover_after_the_lease_lapses(container: Container, settings: Settings) -> None:
    quick = settings.model_copy(update={"SCHEDULER_LEASE_SECONDS": 2.0})
    a_container, b_container = _second_container(quick), _second_container(quick)
    a, b = SchedulerRuntime(a_container, holder="A"), SchedulerRuntime(b_container, holder="B")
    try:
        now = utcnow()
        a.tick(now)
        b.tick(now)
        assert a.is_leader and not b.is_leader
        a.tick(now + timedelta(seconds=1))  # renews
        b.tick(now + timedelta(seconds=2.5))
        assert not b.is_leader
        # A dies (no renewal, no release): B takes over once the lease has lapsed.
        b.tick(now + timedelta(seconds=4))
        assert b.is_leader
        a.tick(now + timedelta(seconds=4.5))  # A comes back: it must step down
        assert not a.is_leader
    finally:
        a.stop(release=False)
        b.stop()
        a_container.db.engine.dispose()
        b_container.db.engine.dispose()


def test_sqlite_says_it_is_single_process(
    container: Container, settings: Settings, db_kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    if db_kind != "sqlite":
        pytest.skip("SQLite only")
    a = SchedulerRuntime(container, holder="first-process")
    other = _second_container(settings)
    b = SchedulerRuntime(other, holder="second-process")
    try:
        a.tick()
        with caplog.at_level("WARNING"):
            b.tick()
        assert not b.is_leader
        assert "SQLite is single-process" in caplog.text and "first-process" in caplog.text
    finally:
        a.stop()
        b.stop()
        other.db.engine.dispose()


def test_reminder_dm_recovered_after_a_crash_is_not_sent_twice(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    rsvp(slack, fake_slack, talk_id, ts, ATTENDEE, OTHER)
    # A crash after Slack took ATTENDEE's DM but before it was recorded: the claim is stale, the DM exists.
    crashed_claim(container, f"reminder_10_dm:{talk_id}:{ATTENDEE}", talk_id, "reminder_dm", ATTENDEE)
    dm = fake_slack.add_message(
        f"D{ATTENDEE}",
        "reminder",
        user=fake_slack.bot_user_id,
        ts=f"{time.time() - 60:.6f}",  # a minute ago, when the crashed process sent it
        metadata={"event_type": ids.METADATA_EVENT_TYPE, "event_payload": {"talk_id": talk_id, "kind": "reminder_10"}},
    )
    moment = talk(container, talk_id).starts_at - timedelta(minutes=10)
    assert container.lifecycle.send_reminder(talk_id, 10, now=moment)
    dms = [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"].startswith("U")]
    assert dms == [OTHER]  # ATTENDEE's was found in the DM history instead of being sent again
    with container.db.session() as session:
        entry = session.query(OutboxMessage).filter_by(key=f"reminder_10_dm:{talk_id}:{ATTENDEE}").one()
        assert entry.status is OutboxStatus.SENT and entry.ts == dm["ts"]


_RAN = threading.Event()


def _mark() -> None:  # module level: the job store pickles a reference to it
    _RAN.set()


def test_a_job_the_sync_removed_while_it_was_due_does_not_kill_the_scheduler(container: Container) -> None:
    """APScheduler removes a one-off job after running it. When the talk's sync removed it first (the talk changed
    while the job was due: seen in CI as JobLookupError in the APScheduler thread), the scheduler must go on."""
    runtime = SchedulerRuntime(container)
    try:
        runtime.tick()
        scheduler = runtime.scheduler
        assert scheduler is not None
        _RAN.clear()
        scheduler.add_job(_mark, "date", run_date=utcnow() + timedelta(seconds=30), id="one-off")
        scheduler.remove_job("one-off")
        scheduler.remove_job("one-off")  # what APScheduler does after the run, once the sync got there first
        scheduler.add_job(_mark, "date", run_date=utcnow() + timedelta(seconds=0.2), id="later")
        assert _RAN.wait(5), "the scheduler thread stopped running jobs"
        assert scheduler.running
    finally:
        runtime.stop()
