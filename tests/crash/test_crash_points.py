"""Kill `lunchlearn serve` at every named crash point (bot/crash.py) and prove the restart loses and repeats
nothing, through one whole talk: create -> remind -> live -> question -> end -> survey -> report.

Each point runs the story against real `lunchlearn serve` processes (gunicorn, the real scheduler), the fake Slack
and the fake Google, with CRASH_POINT set on the first process: it exits hard (master and worker, as `kill -9`
would) right after a side effect and before its record. On SQLite the same database is served again by a new
process; on PostgreSQL a second replica runs from the start and carries on alone (the killed one never comes
back). Then the invariants: one announcement, one broadcast, one live post carrying the stream link, one reminder
per person and offset, one survey DM per person, one report, and nothing left pending.

The run ends with a table (tests/crash/conftest.py): point -> duplicates, losses, time to recover.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from bot import ids
from bot.crash import POINTS
from bot.i18n import t
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SECRET, SPEAKER
from tests.databases import fresh_database, postgres_reachable
from tests.fakes.google_api import FakeGoogle
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import talk_values
from tests.slack_driver import SlackDriver

GOING = [ATTENDEE, OTHER]
TITLE = "Crash-proof talk"
RESULTS: list[dict[str, Any]] = []  # one row per run, for the table


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        # The gunicorn worker of a master killed by the crash point dies with its process group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_server(env: dict[str, str], log: Path, port: int | None = None) -> Server:
    port = port or _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--threads", "8"],
        env={**env, "PORT": str(port)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return Server(proc, port, log)
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"lunchlearn serve did not start:\n{log.read_text()}")


@dataclass
class Story:
    """Drives the story against whichever process is serving; replaces the crashed one as the point says."""

    fake: FakeSlack
    google: FakeGoogle
    env: dict[str, str]
    tmp: Path
    db_kind: str
    servers: list[Server] = field(default_factory=list)
    crashed_at: float | None = None
    recovered_in: float | None = None

    @property
    def current(self) -> Server:
        return next(s for s in self.servers if s.alive())

    def driver(self) -> SlackDriver:
        return SlackDriver(url=self.current.url, secret=SECRET, fake=self.fake)

    def check(self) -> None:
        """Notice the crash; on SQLite start a new process on the same database (no CRASH_POINT this time)."""
        dead = [s for s in self.servers if not s.alive()]
        if not dead or self.crashed_at is not None:
            return
        self.crashed_at = time.monotonic()
        for server in dead:
            server.kill()
            self.servers.remove(server)
        if not self.servers:
            env = {k: v for k, v in self.env.items() if k != "CRASH_POINT"}
            self.servers.append(start_server(env, self.tmp / "restarted.log"))

    def until(self, what: str, done: Callable[[], Any], timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check()
            self.note_recovery()
            result = done()
            if result:
                # The work may finish between the recovery check above and done(): look once more.
                self.note_recovery()
                return result
            time.sleep(0.1)
        logs = "\n".join(p.read_text()[-3000:] for p in self.tmp.glob("*.log"))
        raise AssertionError(f"{what}: not done in {timeout}s\n{logs}")

    def note_recovery(self) -> None:
        """Recovered: the side effect the dead process left half-done (an outbox row or survey DM still claimed
        as being sent) has been found or redone and recorded by the process that carries on."""
        if self.crashed_at is None or self.recovered_in is not None:
            return
        in_flight = _db(self, "SELECT id FROM outbox WHERE status = 'sending'") + _db(
            self, "SELECT id FROM survey_messages WHERE status = 'sending'"
        )
        if not in_flight:
            self.recovered_in = time.monotonic() - self.crashed_at

    def send(self, action: Callable[[SlackDriver], requests.Response]) -> None:
        """Send a request to the serving process; if it dies mid-request, send it again (as Slack retries)."""
        for _ in range(3):
            self.check()
            try:
                if action(self.driver()).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError("the bot did not answer")


def _meta(call: Call) -> dict[str, Any]:
    return (call.params.get("metadata") or {}).get("event_payload") or {}


def _posts(fake: FakeSlack, **match: Any) -> list[Call]:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.status == 200 and c.response.get("ok") and all(_meta(c).get(k) == v for k, v in match.items())
    ]


def run_story(story: Story) -> None:
    fake = story.fake
    # Create: a YouTube talk 75 s ahead; the deployment's 1-minute reminder is due in about 15 s.
    story.send(lambda d: d.command("new", user=ORGANISER))
    view = story.until("new-talk modal", lambda: fake.calls_to("views.open"))[-1].params["view"]
    values = talk_values(title=TITLE, speakers=[SPEAKER], start=int(time.time()) + 75, duration="15", stream="youtube")
    story.send(lambda d: d.submit_view(view, values, user=ORGANISER, view_id="V-crash"))
    [announcement] = story.until("announcement", lambda: _posts(fake, kind="announcement"))
    ts = str(announcement.response["ts"])
    talk_id = int(_meta(announcement)["talk_id"])
    for user in GOING:
        story.send(
            lambda d, u=user: d.button(ids.ACTION_RSVP_GOING, str(talk_id), user=u, channel=GENERAL, message_ts=ts)
        )
    story.until("broadcast ready", lambda: _db(story, "SELECT status FROM talk_streams") == [("ready",)])

    # Reminder: one DM per person going, one line in the thread.
    kind = "reminder_1"
    story.until("reminders", lambda: {c.params["channel"] for c in _posts(fake, kind=kind)} >= {*GOING, GENERAL})

    # Live: Start now from the organiser's menu.
    story.send(
        lambda d: d.overflow(
            ids.ACTION_TALK_MENU, f"{ids.MENU_START_NOW}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts
        )
    )
    story.until("live post recorded", lambda: _db(story, f"SELECT live_ts FROM talks WHERE id={talk_id}")[0][0])

    # A question through the slash command, into the thread.
    story.send(lambda d: d.command("ask Does this survive a crash?", user=ATTENDEE))
    story.until("question posted", lambda: _posts(fake, talk_id=talk_id, question_id=1))

    # End now; the survey goes to everyone going; one rating; the preliminary report with charts follows.
    story.send(
        lambda d: d.overflow(
            ids.ACTION_TALK_MENU, f"{ids.MENU_END_NOW}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts
        )
    )
    dms = story.until(
        "survey DMs",
        lambda: (got := _posts(fake, kind="invite")) and {c.params["channel"] for c in got} >= set(GOING) and got,
    )
    first = next(c for c in dms if c.params["channel"] == ATTENDEE)
    story.send(
        lambda d: d.button(
            f"{ids.ACTION_SURVEY_RATE}_5",
            f"{talk_id}:5",
            user=ATTENDEE,
            channel=str(first.response["channel"]),
            message_ts=str(first.response["ts"]),
        )
    )
    # The story ends once each reader has the report (with its charts uploaded first) and nothing is in flight:
    # "nothing pending" alone can hold for a moment between one reader's report and the next one's outbox row.
    story.until("reports", lambda: len(_report_posts(fake)) >= 2, timeout=60)
    story.until("nothing pending", lambda: _nothing_pending(story), timeout=60)
    time.sleep(1.5)  # a few more scheduler and worker rounds: anything that would repeat, repeats now


def _db(story: Story, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(story.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _nothing_pending(story: Story) -> bool:
    return not (
        _db(story, "SELECT id FROM flow_runs WHERE status IN ('pending', 'running')")
        + _db(story, "SELECT id FROM outbox WHERE status IN ('pending', 'sending')")
        + _db(story, "SELECT id FROM survey_messages WHERE status NOT IN ('sent', 'undeliverable')")
    )


def _report_posts(fake: FakeSlack) -> list[Call]:
    """The report DMs posted (a final report would edit these, not post again)."""
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.response.get("ok")
        and (c.params.get("channel"), c.params.get("text"))
        in {(ORGANISER, t("en", "report.header", title=TITLE)), (SPEAKER, t("ja", "report.header", title=TITLE))}
    ]


def invariants(story: Story) -> dict[str, int]:
    """Counts that must each be exactly what one uncrashed story produces; returns duplicates and losses."""
    fake, google = story.fake, story.google
    counts = {
        "announcement": len(_posts(fake, kind="announcement")),
        "broadcast": len(google.live_broadcasts()),
        "live post": len(_posts(fake, kind="live")),
        "reminder DMs": len([c for c in _posts(fake, kind="reminder_1") if c.params["channel"] != GENERAL]),
        "reminder in thread": len([c for c in _posts(fake, kind="reminder_1") if c.params["channel"] == GENERAL]),
        "question post": len(_posts(fake, question_id=1)),
        "survey DMs": len(_posts(fake, kind="invite")),
        "report": len(_report_posts(fake)),
        # Both charts of a report in one files.completeUploadExternal, shared nowhere (image blocks show them).
        "chart uploads": len(fake.calls_to("files.completeUploadExternal")),
    }
    expected = {
        "announcement": 1,
        "broadcast": 1,
        "live post": 1,
        "reminder DMs": len(GOING),
        "reminder in thread": 1,
        "question post": 1,
        "survey DMs": len(GOING),
        "report": 2,  # the organiser and the speaker (enough answers: SURVEY_MIN_RESPONSES=1)
        "chart uploads": 2,
    }
    for post in _report_posts(fake):  # the charts are in the report, uploaded but shared into no conversation
        images = [b["slack_file"]["id"] for b in post.params["blocks"] if b["type"] == "image"]
        assert images and all(fake.files[f]["channel"] is None for f in images), images  # ratings (no reactions)
    live = _posts(fake, kind="live")[0]
    watch = google.live_broadcasts()[0]["id"] if google.live_broadcasts() else "?"
    assert watch in str(live.params), "the live post carries the broadcast's watch link"
    stuck = _db(story, "SELECT flow, status, last_error FROM flow_runs WHERE status <> 'done'")
    assert stuck == [], f"flow runs not done: {stuck}"
    return {
        "duplicates": sum(max(0, counts[k] - expected[k]) for k in counts),
        "losses": sum(max(0, expected[k] - counts[k]) for k in counts),
        **{f"n:{k}": v for k, v in counts.items()},
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not postgres_reachable():
        if os.environ.get("REQUIRE_POSTGRES"):
            raise RuntimeError("REQUIRE_POSTGRES is set but no PostgreSQL answers")
        pytest.skip("no PostgreSQL reachable at TEST_DATABASE_URL")
    return str(request.param)


@pytest.fixture
def story(
    crash_db: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Story]:
    point = request.node.callspec.params["point"]
    fake = FakeSlack(bot_user_id="UBOT", team_id="T1")
    fake.add_user(ORGANISER, locale="en-US", tz="America/New_York")
    fake.add_user(SPEAKER, locale="ja-JP", tz="Asia/Tokyo")
    fake.add_user(ATTENDEE, locale="en-GB", tz="Europe/London")
    fake.add_user(OTHER, locale="en-US", tz="America/Chicago")
    fake.add_channel(GENERAL, name="general")
    with fake, FakeGoogle() as google, fresh_database(crash_db, tmp_path_factory) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOOGLE_", "DATABASE_", "SURVEY_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=url,
            GOOGLE_CREDENTIALS_FILE=str(google.write_authorized_user(tmp_path / "google.json")),
            GOOGLE_API_ROOT_URL=google.base_url,
            GOOGLE_API_RETRIES="1",
            GOOGLE_RETRY_BACKOFF="0",
            MESSAGE_UPDATE_INTERVAL="0",
            SCHEDULER_LEASE_SECONDS="3",
            SCHEDULER_SYNC_SECONDS="0.5",
            FLOW_RETRY_BASE_SECONDS="0.5",
            FLOW_POLL_SECONDS="0.5",
            SURVEY_PRELIMINARY_HOURS="0.003",  # the preliminary report about 11 s after the end
            SURVEY_MIN_RESPONSES="1",
            SURVEY_RETRY_BASE_SECONDS="0.2",
            REMINDER_OFFSETS="1",  # one reminder, a minute before the start
            LOG_LEVEL="INFO",
        )
        story = Story(fake=fake, google=google, env=env, tmp=tmp_path, db_kind=crash_db)
        try:
            story.servers.append(start_server({**env, "CRASH_POINT": point}, tmp_path / "first.log"))
            if crash_db == "postgresql":
                # The first one leads the scheduler (it started first); the second replica survives it.
                _wait_leader(story)
                story.servers.append(start_server(env, tmp_path / "second.log"))
            yield story
        finally:
            for server in story.servers:
                server.kill()


def _wait_leader(story: Story) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _db(story, "SELECT holder FROM scheduler_leases WHERE expires_at > now()"):
            return
        time.sleep(0.1)
    raise AssertionError("no scheduler leader")


@pytest.mark.parametrize("point", POINTS)
def test_a_crash_at_any_point_loses_and_repeats_nothing(story: Story, point: str) -> None:
    started = time.monotonic()
    run_story(story)
    assert story.crashed_at is not None, f"the story never reached {point}"
    result = invariants(story)
    RESULTS.append(
        {
            "point": point,
            "db": story.db_kind,
            "recover_s": story.recovered_in,
            **result,
            "story_s": time.monotonic() - started,
        }
    )
    counts = {k: v for k, v in result.items() if k.startswith("n:")}
    assert (result["duplicates"], result["losses"]) == (0, 0), str(counts)
    # A restarted process on the same host resumes at once, not after the dead one's lease and claims expire.
    assert story.recovered_in is not None and story.recovered_in < 15, story.recovered_in
