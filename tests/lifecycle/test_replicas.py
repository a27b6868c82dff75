"""Two real `lunchlearn serve` processes on one PostgreSQL database: one runs the scheduler, every scheduled
action happens once, and when the leader is killed the other takes over within the lease bound."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import GENERAL, ORGANISER, SECRET, SPEAKER
from tests.databases import fresh_database, postgres_reachable
from tests.fakes.slack_api import FakeSlack
from tests.helpers import talk_values
from tests.slack_driver import SlackDriver

pytestmark = pytest.mark.skipif(not postgres_reachable(), reason="no PostgreSQL reachable at TEST_DATABASE_URL")

LEASE_SECONDS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--threads", "4"],
        env={**env, "PORT": str(port)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # gunicorn's worker dies with its master when we kill the group
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"lunchlearn serve did not start:\n{log.read_text()}")


def _kill(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(10)


@pytest.fixture
def cluster(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:  # type: ignore[type-arg]
    fake = FakeSlack(bot_user_id="UBOT", team_id="T1")
    fake.add_user(ORGANISER, locale="en-US", tz="America/New_York")
    fake.add_user(SPEAKER, locale="ja-JP", tz="Asia/Tokyo")
    fake.add_channel(GENERAL, name="general")
    with fake, fresh_database("postgresql", tmp_path_factory) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOOGLE_", "DATABASE_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=url,
            MESSAGE_UPDATE_INTERVAL="0",
            SCHEDULER_LEASE_SECONDS=str(LEASE_SECONDS),
            SCHEDULER_SYNC_SECONDS="0.5",
            LOG_LEVEL="INFO",
        )
        ports = [_free_port(), _free_port()]
        procs = [_start(env, ports[0], tmp_path / "a.log")]  # the first one migrates alone
        procs.append(_start(env, ports[1], tmp_path / "b.log"))
        engine = create_engine(url)
        try:
            yield fake, engine, procs, ports
        finally:
            for proc in procs:
                _kill(proc)
            engine.dispose()


def _leader_pid(engine) -> int | None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        row = conn.execute(text("SELECT holder, expires_at > now() FROM scheduler_leases")).first()
    if row is None or not row[1]:
        return None
    return int(row[0].split(":")[1])


def _create_talk(fake: FakeSlack, port: int, title: str, starts_in: int) -> str:
    """Through the replica's HTTP endpoint: command, then the modal submission. Returns the announcement ts."""
    driver = SlackDriver(url=f"http://127.0.0.1:{port}/slack/events", secret=SECRET, fake=fake)
    before = len(fake.calls_to("views.open"))
    assert driver.command("new", user=ORGANISER).status_code == 200
    view = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    values = talk_values(title=title, speakers=[SPEAKER], start=int(time.time()) + starts_in, duration="15")
    assert driver.submit_view(view, values, user=ORGANISER).status_code == 200
    [post] = fake.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == GENERAL and title in str(c.params)
    )
    return str(post.response["ts"])


def _live_posts(fake: FakeSlack, ts: str) -> list:  # type: ignore[type-arg]
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == ts
        and (c.params.get("metadata") or {}).get("event_payload", {}).get("kind") == "live"
    ]


def test_one_leader_runs_each_job_once_and_a_survivor_takes_over(cluster) -> None:  # type: ignore[no-untyped-def]
    fake, engine, procs, ports = cluster
    deadline = time.monotonic() + 10
    while _leader_pid(engine) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    leader = _leader_pid(engine)
    pids = [p.pid for p in procs]
    # gunicorn runs the app in a worker (a child of the master we started).
    leader_index = next(i for i, p in enumerate(procs) if leader is not None and _is_descendant(leader, p.pid))
    follower_index = 1 - leader_index
    assert leader is not None and pids

    # A talk created on the follower goes live, once, through the leader's scheduler.
    ts = _create_talk(fake, ports[follower_index], "Created on the follower", starts_in=4)
    fake.wait_for("chat.postMessage", where=lambda c: c in _live_posts(fake, ts), timeout=20)
    time.sleep(1.5)  # a few more scheduler rounds on both processes
    assert len(_live_posts(fake, ts)) == 1

    # Kill the leader without any chance to release the lease: the survivor takes over within the bound.
    killed_at = time.monotonic()
    _kill(procs[leader_index])
    new_leader = None
    while time.monotonic() - killed_at < 30:
        new_leader = _leader_pid(engine)
        if new_leader is not None and new_leader != leader:
            break
        time.sleep(0.2)
    takeover = time.monotonic() - killed_at
    assert new_leader is not None and new_leader != leader, "nobody took over the scheduler"
    assert takeover < 30
    assert takeover <= LEASE_SECONDS + 3

    ts2 = _create_talk(fake, ports[follower_index], "After the takeover", starts_in=3)
    fake.wait_for("chat.postMessage", where=lambda c: c in _live_posts(fake, ts2), timeout=20)
    time.sleep(1.0)
    assert len(_live_posts(fake, ts2)) == 1
    assert len(_live_posts(fake, ts)) == 1


def _is_descendant(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return False
