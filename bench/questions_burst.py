"""Benchmark: a burst of 50 questions and 2,000 votes from 1,000 users on a live talk, over the signed HTTP endpoint of
a real `lunchlearn serve` subprocess against the fake Slack.

Prints: requests answered 200 (every other answer is counted, not fatal), p50/p99 ack latency, the votes stored in
the database against the votes sent (per question), chat.update calls, seconds until the board shows the final
ranking, and memory (the worker's peak RSS, the server's process tree PSS).

    .venv/bin/python bench/questions_burst.py [--interval 3] [--threads 32] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.memory import MemoryProbe  # noqa: E402
from bot import ids  # noqa: E402
from bot.db.models import QuestionVote  # noqa: E402
from bot.db.session import Database  # noqa: E402
from tests.fakes.signing import signed_headers  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.helpers import block_texts, talk_values  # noqa: E402

SECRET = "bench-signing-secret"
ORGANISER, SPEAKER, CHANNEL = "UORG", "USPK", "CGENERAL"
QUESTIONS, VOTES, USERS = 50, 2000, 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Driver:
    def __init__(self, url: str, fake: FakeSlack) -> None:
        self.url = url
        self.fake = fake
        self.session = requests.Session()
        self.n = 0
        self.answers: Counter[str] = Counter()  # "200", "404", "no answer"...

    def _post(self, body: str, content_type: str) -> float:
        headers = signed_headers(SECRET, body, content_type=content_type)
        start = time.perf_counter()
        try:
            response = requests.post(self.url, data=body.encode(), headers=headers, timeout=30)
            self.answers[str(response.status_code)] += 1
        except requests.RequestException as exc:
            self.answers[f"no answer ({type(exc).__name__})"] += 1
        return time.perf_counter() - start

    def command(self, text: str, user: str) -> float:
        self.n += 1
        from urllib.parse import urlencode

        fields = {
            "team_id": "T1",
            "channel_id": CHANNEL,
            "user_id": user,
            "command": "/lunchlearn",
            "text": text,
            "response_url": self.fake.webhook_url(f"cmd-{user}-{self.n}"),
            "trigger_id": f"trigger-{user}-{self.n}-{time.monotonic_ns()}",
        }
        return self._post(urlencode(fields), "application/x-www-form-urlencoded")

    def interactive(self, payload: dict[str, object]) -> float:
        from urllib.parse import urlencode

        return self._post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, action: dict[str, object], *, user: str, message_ts: str) -> float:
        return self.interactive(
            {
                "type": "block_actions",
                "team": {"id": "T1"},
                "user": {"id": user, "team_id": "T1"},
                "trigger_id": f"t-{time.monotonic_ns()}",
                "container": {"type": "message", "channel_id": CHANNEL, "message_ts": message_ts},
                "channel": {"id": CHANNEL},
                "message": {"ts": message_ts},
                "actions": [{"block_id": "b", "action_ts": f"{time.time():.6f}", **action}],
            }
        )


def wait(predicate, timeout: float = 30.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=3.0, help="MESSAGE_UPDATE_INTERVAL (s)")
    parser.add_argument("--threads", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="qbench-")
    db_url = args.database_url or f"sqlite:///{tmp}/bench.db"
    with FakeSlack(bot_user_id="UBOT", team_id="T1") as fake:
        fake.add_user(ORGANISER, name="olivia", locale="en-US", tz="UTC")
        fake.add_user(SPEAKER, name="sora", locale="en-US", tz="UTC")
        fake.add_channel(CHANNEL, name="general")
        for user in [f"UA{i:04d}" for i in range(QUESTIONS)] + [f"UV{u:04d}" for u in range(USERS)]:
            fake.add_user(user, name=user.lower(), locale="en-US", tz="UTC")
        port = free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.base_url,
            "DATABASE_URL": db_url,
            "PORT": str(port),
            "MESSAGE_UPDATE_INTERVAL": str(args.interval),
            "LOG_LEVEL": "WARNING",
            "SCHEDULER_ENABLED": "false",
        }
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "lunchlearn"), "serve", "--threads", str(args.threads)],
            env=env,
            cwd=tmp,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait(lambda: _up(url), 60, "the server")
            probe = MemoryProbe(server.pid)
            driver = Driver(f"{url}/slack/events", fake)

            # A talk created through the modal and started with "Start now".
            driver.command("new", ORGANISER)
            wait(lambda: bool(fake.calls_to("views.open")), what="the modal")
            view = fake.calls_to("views.open")[-1].params["view"]
            driver.interactive(
                {
                    "type": "view_submission",
                    "team": {"id": "T1"},
                    "user": {"id": ORGANISER, "team_id": "T1"},
                    "view": {**view, "id": "VBENCH", "state": {"values": talk_values(speakers=[SPEAKER])}},
                }
            )
            wait(
                lambda: any(c.params["channel"] == CHANNEL for c in fake.calls_to("chat.postMessage")),
                what="announcement",
            )
            announcement = next(c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL)
            talk_id = announcement.params["metadata"]["event_payload"]["talk_id"]
            option = {"text": {"type": "plain_text", "text": "x"}, "value": f"{ids.MENU_START_NOW}:{talk_id}"}
            driver.click(
                {"type": "overflow", "action_id": ids.ACTION_TALK_MENU, "selected_option": option},
                user=ORGANISER,
                message_ts=announcement.response["ts"],
            )
            wait(lambda: len(_boards(fake)) == 2, what="the boards")
            board = next(c for c in _boards(fake) if c.params["channel"] == SPEAKER)
            board_channel, board_ts = board.response["channel"], board.response["ts"]
            updates_before = len(fake.calls_to("chat.update"))

            # The burst: 50 questions from 50 people, then 2,000 votes from 1,000 people (2 each).
            driver.answers.clear()
            latencies: list[float] = []
            burst_start = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                latencies += pool.map(
                    lambda i: driver.command(f"ask Question number {i:02d}?", f"UA{i:04d}"), range(QUESTIONS)
                )
            wait(lambda: len(_question_posts(fake)) >= QUESTIONS, 120, "questions in the thread")
            posts = {
                p.params["metadata"]["event_payload"]["question_id"]: p.response["ts"] for p in _question_posts(fake)
            }
            qids = sorted(posts)
            texts = {
                p.params["metadata"]["event_payload"]["question_id"]: p.params["text"].removeprefix("Question: ")
                for p in _question_posts(fake)
            }
            # Skewed popularity: question k gets votes from users in proportion to its rank, so the ranking is clear.
            weights = [len(qids) - k for k in range(len(qids))]
            plan: list[tuple[str, int]] = []
            for u in range(USERS):
                first = _pick(weights, u)
                second = _pick(weights, u * 7 + 3, avoid=first)
                plan += [(f"UV{u:04d}", qids[first]), (f"UV{u:04d}", qids[second])]
            with ThreadPoolExecutor(args.threads) as pool:
                latencies += pool.map(
                    lambda p: driver.click(
                        {
                            "type": "button",
                            "action_id": ids.ACTION_QUESTION_VOTE,
                            "value": str(p[1]),
                            "text": {"type": "plain_text", "text": "x"},
                        },
                        user=p[0],
                        message_ts=posts[p[1]],
                    ),
                    plan,
                )
            last_ack = time.perf_counter()
            counts = Counter(q for _, q in plan)
            expected = [q for q, _ in sorted(counts.items(), key=lambda kv: (-kv[1], qids.index(kv[0])))]
            # Ties are ordered by arrival time, which concurrent asks make ambiguous: check questions whose count is unique.
            tally = Counter(counts.values())
            top = [texts[q] for q in expected if tally[counts[q]] == 1][:5]

            def board_final() -> bool:
                text = block_texts(fake.message(board_channel, board_ts)["blocks"])
                positions = [text.find(t) for t in top]
                return (
                    all(p >= 0 for p in positions)
                    and positions == sorted(positions)
                    and f":thumbsup: {counts[expected[0]]}" in text
                )

            converged: float | None = None
            try:
                wait(board_final, 60, "the final ranking on the board")
                converged = time.perf_counter() - last_ack
            except SystemExit:
                print(block_texts(fake.message(board_channel, board_ts)["blocks"])[:1500], top, file=sys.stderr)
            db = Database.from_url(db_url)
            with db.session() as session:
                stored = Counter(
                    dict(
                        session.execute(
                            select(QuestionVote.question_id, func.count()).group_by(QuestionVote.question_id)
                        ).all()
                    )
                )
            db.engine.dispose()
            memory = probe.report()
            updates = len(fake.calls_to("chat.update")) - updates_before
            board_updates = len([c for c in fake.calls_to("chat.update") if c.params["ts"] == board_ts])
            total = time.perf_counter() - burst_start
        finally:
            server.terminate()
            server.wait(20)

    latencies.sort()
    answered = sum(driver.answers.values())
    print(f"requests answered 200: {driver.answers['200']} / {answered} sent ({dict(driver.answers)})")
    print(
        f"ack latency p50: {statistics.median(latencies) * 1000:.1f} ms   "
        f"p99: {latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000:.1f} ms"
    )
    print(f"burst duration: {total:.1f} s  ({len(latencies) / total:.0f} requests/s)")
    wrong = {q: (counts[q], stored[q]) for q in set(counts) | set(stored) if counts[q] != stored[q]}
    print(
        f"votes stored: {sum(stored.values())} / {sum(counts.values())} sent; questions whose stored count differs "
        f"from the votes sent: {len(wrong)}" + (f" (sent, stored): {dict(list(wrong.items())[:5])}" if wrong else "")
    )
    print(f"chat.update calls: {updates} in total ({board_updates} on one speaker's board; interval {args.interval} s)")
    print(
        "seconds from the last ack until the board shows the final ranking: "
        + (f"{converged:.1f}" if converged is not None else "never (within 60 s)")
    )
    print(memory)


def _pick(weights: list[int], seed: int, avoid: int | None = None) -> int:
    total = sum(weights)
    x = (seed * 2654435761) % total
    for index, w in enumerate(weights):
        if x < w:
            return index if index != avoid else (index + 1) % len(weights)
        x -= w
    return 0


def _boards(fake: FakeSlack) -> list:  # type: ignore[type-arg]
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.params["channel"] in (ORGANISER, SPEAKER)
        and ids.ACTION_QUESTION_ANSWERED in json.dumps(c.params.get("blocks"))
        or (c.params["channel"] in (ORGANISER, SPEAKER) and "Questions:" in block_texts(c.params.get("blocks") or []))
    ]


def _question_posts(fake: FakeSlack) -> list:  # type: ignore[type-arg]
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if (c.params.get("metadata") or {}).get("event_type") == ids.METADATA_QUESTION_EVENT_TYPE
    ]


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


if __name__ == "__main__":
    main()
