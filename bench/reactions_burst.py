"""Burst of reaction events against a real `lunchlearn serve` (gunicorn, subprocess) and the fake Slack.

For SQLite and then PostgreSQL (a fresh schema in TEST_DATABASE_URL's database): one live talk, 15,000 signed
reaction_added/reaction_removed events from 5,000 users, sent as fast as the server accepts them by a pool of
keep-alive HTTP clients. Phase 1 sends 10,000 additions (two emoji per user), phase 2 removes each user's first
one (5,000 removals; after phase 1, so a removal never overtakes its addition). Prints events/s acknowledged
(HTTP 200s over the time to send them), events/s counted (events over the time until the stored counts equal the
expected ones: the ack only queues an event, a writer thread stores it), p50/p99/max ack latency, events lost
(stored counts vs sent), chat.update calls, the worker's peak RSS (VmHWM) and the process tree's PSS (gunicorn
master + worker, sampled every 0.5 s; peak and at the end).

    .venv/bin/python bench/reactions_burst.py [--events 15000] [--users 5000] [--clients 16] [--db sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.memory import MemoryProbe  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.container import build_container  # noqa: E402
from bot.db import questions_repo as qrepo  # noqa: E402
from bot.db import reactions_repo as rrepo  # noqa: E402
from bot.db import repositories as repo  # noqa: E402
from bot.db.models import StreamKind  # noqa: E402
from bot.db.session import Database  # noqa: E402
from bot.domain import TalkInput  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from tests.databases import fresh_database, postgres_reachable  # noqa: E402
from tests.fakes.signing import signed_headers  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
CHANNEL = "CBENCH"
ORGANISER, SPEAKER = "UORG", "USPK"
EMOJI = ["clap", "bulb", "joy", "question", "tada", "+1::skin-tone-2", "heart", "rocket"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, fake: FakeSlack) -> tuple[int, str, str, str]:
    """Migrate, create a talk, announce it and take it live (in this process, against the same database).
    Returns the talk id, the live post's channel and ts, and the ts of the speaker's board (where counts show)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=url,
        MESSAGE_UPDATE_INTERVAL=0,
    )
    db = Database.from_url(url)
    upgrade(db.engine)
    container = build_container(settings, db=db)
    start = datetime.now(UTC) + timedelta(minutes=5)
    organiser = container.talks.actor(ORGANISER, "T1")
    talk_id = container.talks.create_talk(
        actor=organiser,
        data=TalkInput(
            title="Burst test",
            speaker_ids=[SPEAKER],
            starts_at=start,
            duration_minutes=60,
            channel_id=CHANNEL,
            stream_kind=StreamKind.MANUAL,
            stream_url="https://zoom.example.com/j/1",
        ),
        view_id=None,
    )
    container.talks.run_flows(talk_id)  # the announcement, as after the modal's ack
    assert container.lifecycle.go_live(talk_id), "go-live failed"
    container.refresher.flush()
    with db.session() as session:
        live = repo.get_talk(session=session, talk_id=talk_id)
        [board] = [b for b in qrepo.boards(session=session, talk_id=talk_id) if b.user_id == SPEAKER]
    assert live is not None and live.live_channel and live.live_ts
    db.engine.dispose()
    return talk_id, live.live_channel, live.live_ts, board.ts


def build_events(n_events: int, n_users: int, channel: str, ts: str) -> tuple[list[list[bytes]], Counter[str]]:
    """Two phases of pre-serialised bodies (signing is done at send time: the timestamp must be fresh)."""
    adds, removes = [], []
    expected: Counter[str] = Counter()
    n_remove = n_events // 3
    n_add = n_events - n_remove
    now = time.time()
    seq = 0

    def body(user: str, name: str, added: bool) -> bytes:
        nonlocal seq
        seq += 1
        event = {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": name,
            "item_user": "UBOT",
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{now + seq / 1000:.6f}",
        }
        envelope = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "AFAKE",
            "event": event,
            "type": "event_callback",
            "event_id": f"EvB{seq:09d}",
            "event_time": int(now),
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
        return json.dumps(envelope).encode()

    firsts: dict[str, str] = {}
    for i in range(n_add):
        user = f"U{i % n_users:06d}"
        name = EMOJI[(i // n_users + i) % len(EMOJI)]
        adds.append(body(user, name, True))
        expected[name.split("::")[0]] += 1
        firsts.setdefault(user, name)
    for user, name in list(firsts.items())[:n_remove]:
        removes.append(body(user, name, False))
        expected[name.split("::")[0]] -= 1
    return [adds, removes], expected


class Client(threading.local):
    conn: http.client.HTTPConnection | None = None


def send_all(port: int, bodies: list[bytes], clients: int) -> tuple[list[float], int]:
    """Send every body (keep-alive connection per thread); returns ack latencies (s) and non-200 count."""
    local = Client()
    failures = 0
    lock = threading.Lock()

    def send(body: bytes) -> float:
        nonlocal failures
        headers = signed_headers(SECRET, body.decode(), content_type="application/json")
        for attempt in range(3):
            if local.conn is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            try:
                local.conn.request("POST", "/slack/events", body=body, headers=headers)
                response = local.conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                local.conn.close()
                local.conn = None
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.status != 200:
                with lock:
                    failures += 1
            if response.getheader("connection", "").lower() == "close":
                local.conn.close()
                local.conn = None
            return elapsed
        raise AssertionError("unreachable")

    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = list(pool.map(send, bodies, chunksize=32))
    return latencies, failures


def run(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    fake = FakeSlack(bot_user_id="UBOT", team_id="T1")
    fake.add_user(ORGANISER, locale="en-US", tz="UTC")
    fake.add_user(SPEAKER, locale="ja-JP", tz="Asia/Tokyo")
    fake.add_channel(CHANNEL, name="bench")
    with fake:
        talk_id, channel, ts, board_ts = prepare(url, fake)
        port = free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.base_url,
            "DATABASE_URL": url,
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "MESSAGE_UPDATE_INTERVAL": "3",
        }
        cmd = [str(Path(sys.executable).parent / "lunchlearn"), "serve", "--threads", str(args.threads)]
        with tempfile.TemporaryDirectory() as cwd, ExitStack() as stack:
            log = stack.enter_context(open(Path(cwd) / "serve.log", "w+"))
            server = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                        conn.request("GET", "/healthz")
                        if conn.getresponse().status == 200:
                            break
                    except OSError:
                        pass
                    if time.monotonic() > deadline or server.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(f"lunchlearn serve did not start:\n{log.read()[-3000:]}")
                    time.sleep(0.2)
                fake.reset_calls()
                probe = MemoryProbe(server.pid)
                idle = probe.figures()
                phases, expected = build_events(args.events, args.users, channel, ts)
                latencies: list[float] = []
                failures = 0
                started = time.perf_counter()
                for bodies in phases:
                    lat, failed = send_all(port, bodies, args.clients)
                    latencies += lat
                    failures += failed
                elapsed = time.perf_counter() - started
                sent = sum(len(p) for p in phases)

                # Wait for the write-behind queue to drain: stored counts stop changing or match.
                db = Database.from_url(url)
                want = {k: v for k, v in expected.items() if v > 0}
                deadline = time.monotonic() + 60
                drained_after = None
                while time.monotonic() < deadline:
                    with db.session() as session:
                        stored = rrepo.totals(session=session, talk_id=talk_id, surface="live")
                        points = rrepo.timeline(session=session, talk_id=talk_id, surface="live")
                    if stored == want:
                        drained_after = time.perf_counter() - started - elapsed
                        break
                    time.sleep(0.2)
                added = sum(p.added for p in points)
                removed = sum(p.removed for p in points)
                lost_events = (sent - failures) - (added + removed)
                lost_counts = sum(abs(want.get(k, 0) - stored.get(k, 0)) for k in set(want) | set(stored))
                time.sleep(args.settle)  # the last coalesced chat.update lands within the interval
                # The counts show on the speakers' boards (the live post is not edited for them): one board's edits.
                updates = [c for c in fake.calls_to("chat.update") if c.params.get("ts") == board_ts]
                memory = probe.stop()
                db.engine.dispose()
            finally:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()
    latencies.sort()
    return {
        "db": kind,
        "sent": sent,
        "non_200": failures,
        "seconds": elapsed,
        "events_per_s": (sent - failures) / elapsed,
        "counted_per_s": sent / (elapsed + drained_after) if drained_after is not None else None,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
        "stored_events": added + removed,
        "lost_events": lost_events,
        "count_mismatch": lost_counts,
        "drained_after_s": drained_after,
        "chat_update": len(updates),
        "updates_per_3s_bound": int((elapsed + (drained_after or 0) + args.settle) // 3) + 1,
        "idle_tree_pss_mb": idle["tree_pss_mb"],
        "idle_master_pss_mb": idle["root_pss_mb"],
        **memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=15_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads (lunchlearn serve --threads)")
    parser.add_argument("--settle", type=float, default=4.0)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as tmp:

        class TmpFactory:
            def mktemp(self, name: str) -> Path:
                path = Path(tmp) / name
                path.mkdir(exist_ok=True)
                return path

        for kind in args.db.split(","):
            if kind == "postgresql" and not postgres_reachable():
                print("postgresql: skipped (nothing answers at TEST_DATABASE_URL)")  # noqa: T201
                continue
            with fresh_database(kind, TmpFactory()) as url:
                results.append(run(kind, url, args))

    print(  # noqa: T201
        f"{args.events} events, {args.users} users, {args.clients} clients, gunicorn threads {args.threads}, "
        f"{os.cpu_count()} CPUs"
    )
    for r in results:
        print(  # noqa: T201
            f"{r['db']:>10}: {r['events_per_s']:7.0f} events/s acknowledged ({r['sent']} in {r['seconds']:.1f}s, "
            f"non-200 {r['non_200']}) | "
            + (
                f"{r['counted_per_s']:.0f} events/s counted (in the database {r['drained_after_s']:.2f}s after "
                f"the last ack)"
                if r["counted_per_s"] is not None
                else "counts never matched within 60 s"
            )
            + f" | ack p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"max {r['max_ms']:.1f} ms | lost {r['lost_events']} events, count mismatch {r['count_mismatch']} "
            f"| chat.update {r['chat_update']} (bound {r['updates_per_3s_bound']})"
        )
        print(  # noqa: T201
            f"{'':>10}  memory: worker peak RSS (VmHWM) {r['worker_peak_rss_mb']:.0f} MB | tree PSS idle "
            f"{r['idle_tree_pss_mb']:.0f} MB (master {r['idle_master_pss_mb']:.0f} MB), under the flood peak "
            f"{r['tree_peak_pss_mb']:.0f} MB, at the end {r['tree_pss_mb']:.0f} MB (goal <= 150 MB)"
        )
        print(  # noqa: T201
            f"{'':>10}  vs goal: {r['events_per_s'] / 500:.2f}x of 500 events/s acknowledged, "
            f"p99 {r['p99_ms'] / 200:.2f}x of 200 ms"
        )
    print(json.dumps(results))  # noqa: T201


if __name__ == "__main__":
    main()
