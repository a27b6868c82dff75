"""Ack budget benchmark: every slash subcommand, action and view submission through the signed endpoint while the
fake Slack answers every Web API call late (300 ms, then 1 s). Reports the ack time per path (p50, p99, max) and
what the ack said, so a path that stays fast by refusing the work shows as such.

    .venv/bin/python bench/ack_budget.py [--quick] [--reps 10] [--latency 0.3 --latency 1.0] [--db URL]

Goal: p99 < 2.5 s on every path with 1 s of injected latency. The bot, the fake Slack and this client share one
process (the bot behind werkzeug's threaded server, as in the tests), so the figures include their GIL contention.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.memory import MemoryProbe  # noqa: E402
from bot import ids  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.container import build_container  # noqa: E402
from bot.db.models import Question, Talk  # noqa: E402
from bot.db.session import Database  # noqa: E402
from bot.i18n import CATALOGS  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.web import create_web_app  # noqa: E402
from tests.conftest import ADMIN, ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.helpers import create_talk, talk_values  # noqa: E402
from tests.questions.helpers import live_talk, question_values  # noqa: E402
from tests.slack_driver import SlackDriver  # noqa: E402
from tests.surveys.helpers import ended_talk  # noqa: E402

SECRET = "bench-signing-secret"
POOL = 40  # extra people, so that user lookups are not all cached after the first request


def fake_slack() -> FakeSlack:
    fake = FakeSlack(bot_user_id="UBOT", team_id="T1")
    fake.add_user(ORGANISER, name="olivia", locale="en-US", tz="America/New_York")
    fake.add_user(SPEAKER, name="sora", locale="ja-JP", tz="Asia/Tokyo")
    fake.add_user(ATTENDEE, name="ana", locale="en-GB", tz="Europe/London")
    fake.add_user(OTHER, name="otto", locale="en-US", tz="America/Chicago")
    fake.add_user(ADMIN, name="ada", locale="en-US", tz="UTC", is_admin=True)
    for i in range(POOL):
        fake.add_user(f"UP{i:03d}", name=f"p{i}", locale="ja-JP" if i % 2 else "en-US", tz="UTC")
    fake.add_channel(GENERAL, name="general")
    return fake.start()


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def outcome(response: requests.Response) -> str:
    if response.status_code != 200:
        return f"http_{response.status_code}"
    if not response.text:
        return "ok"
    body = response.json()
    if body.get("response_action") == "errors":
        slow = {CATALOGS[lang].get("error.slack_slow") for lang in CATALOGS}  # .get: older code has no such text
        return "refused_slow" if set(body.get("errors", {}).values()) & slow else "inline_error"
    return "ok"


class Bench:
    def __init__(self, db_url: str) -> None:
        self.fake = fake_slack()
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.fake.base_url,
            DATABASE_URL=db_url,
            DEFAULT_TIMEZONE="UTC",
            SURVEY_WORKER_AUTOSTART=False,
        )
        db = Database.from_url(db_url)
        upgrade(db.engine)
        self.container = build_container(self.settings, db=db)
        self.server = make_server(
            "127.0.0.1", 0, create_web_app(create_app(self.container), db, signing_secret=SECRET), threaded=True
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.slack = SlackDriver(
            url=f"http://127.0.0.1:{self.server.server_port}/slack/events", secret=SECRET, fake=self.fake
        )
        self.seq = 0

    def person(self) -> str:
        self.seq += 1
        return f"UP{self.seq % POOL:03d}"

    def setup(self, reps: int) -> None:
        """Talks in every state the paths need, made with no latency."""
        s, f, c = self.slack, self.fake, self.container
        self.talk_id, self.ts = create_talk(s, f, c)
        self.live_id, _, self.live_ts = live_talk(s, f, c, title="Live one")
        response = s.submit_view(
            {"type": "modal", "callback_id": ids.CALLBACK_QUESTION_ASK, "private_metadata": f"{self.live_id}|"},
            question_values("What about lifetimes?"),
            user=ATTENDEE,
        )
        assert response.status_code == 200 and not response.text, response.text
        with c.db.session() as session:
            self.question_id = session.execute(select(Question.id).where(Question.talk_id == self.live_id)).scalar()
        assert self.question_id is not None
        # One open question per answer submission (an answered question refuses a second answer).
        self.answerable: list[int] = []
        for i in range(reps):
            response = s.submit_view(
                {"type": "modal", "callback_id": ids.CALLBACK_QUESTION_ASK, "private_metadata": f"{self.live_id}|"},
                question_values(f"Open question {i}?"),
                user=self.person(),
            )
            assert response.status_code == 200 and not response.text, response.text
        with c.db.session() as session:
            self.answerable = list(
                session.execute(
                    select(Question.id).where(Question.talk_id == self.live_id, Question.id != self.question_id)
                ).scalars()
            )
        self.ended_id, _ = ended_talk(s, f, c, going=[ATTENDEE], title="Ended one")
        # One disposable talk per cancel / start request: those change the talk for good.
        self.spare = iter([create_talk(s, f, c, title=f"Spare {i}")[0] for i in range(2 * reps)])
        self.started: list[int] = []  # talks "start now" made live, for "end now"
        f.reset_calls()

    def paths(self) -> dict[str, Callable[[], requests.Response]]:
        s = self.slack

        def command(text: str) -> Callable[[], requests.Response]:
            return lambda: s.command(text, user=self.person() if text != "new" else ORGANISER)

        def button(action_id: str, value: Callable[[], str], user: str | None = None, **kw: Any) -> Any:
            where = {"channel": GENERAL, "message_ts": self.ts, **kw}
            return lambda: s.button(action_id, value(), user=user or self.person(), **where)

        def menu(choice: str, talk: Callable[[], int]) -> Callable[[], requests.Response]:
            return lambda: s.overflow(
                ids.ACTION_TALK_MENU, f"{choice}:{talk()}", user=ORGANISER, channel=GENERAL, message_ts=self.ts
            )

        def submit(callback: str, metadata: Callable[[], str], values: Callable[[], dict], user: str | None = None):  # type: ignore[no-untyped-def]
            def go() -> requests.Response:
                view = {"type": "modal", "callback_id": callback, "private_metadata": metadata()}
                self.seq += 1
                return s.submit_view(view, values(), user=user or self.person(), view_id=f"VB{self.seq}")

            return go

        spare, started = self.spare, self.started

        def start_one() -> int:
            started.append(next(spare))
            return started[-1]

        talk, live, question, ended = (
            lambda: str(self.talk_id),
            lambda: str(self.live_id),
            lambda: str(self.question_id),
            lambda: str(self.ended_id),
        )
        feedback = {
            ids.BLOCK_SURVEY_OVERALL: {
                ids.ACTION_SURVEY_OVERALL: {"type": "static_select", "selected_option": {"value": "4"}}
            }
        }
        return {
            "/lunchlearn new": command("new"),
            "/lunchlearn list": command("list"),
            "/lunchlearn ask": command("ask Will it be recorded?"),
            "/lunchlearn report": command("report"),
            "/lunchlearn export": command("export"),
            "/lunchlearn help": command("help"),
            "rsvp going": button(ids.ACTION_RSVP_GOING, talk),
            "rsvp not going": button(ids.ACTION_RSVP_NOT_GOING, talk),
            "add to calendar": button(ids.ACTION_ADD_TO_CALENDAR, talk),
            "menu: edit": menu(ids.MENU_EDIT, lambda: self.talk_id),
            "menu: cancel": menu(ids.MENU_CANCEL, lambda: self.talk_id),
            "menu: start now": menu(ids.MENU_START_NOW, start_one),
            "menu: end now": menu(ids.MENU_END_NOW, lambda: started.pop(0) if started else next(spare)),
            "retry announce": button(ids.ACTION_RETRY_ANNOUNCE, talk, user=ORGANISER),
            "stream: add link": button(ids.ACTION_STREAM_ADD_LINK, talk, user=ORGANISER),
            "ask question": button(ids.ACTION_ASK_QUESTION, live, message_ts=self.live_ts),
            "question vote": button(ids.ACTION_QUESTION_VOTE, question, message_ts=self.live_ts),
            "question answered": button(ids.ACTION_QUESTION_ANSWERED, question, user=ORGANISER),
            "question hide": button(ids.ACTION_QUESTION_HIDE, question, user=ORGANISER),
            "question answer later": button(ids.ACTION_QUESTION_ANSWER_LATER, question, user=ORGANISER),
            "question pick talk": lambda: s.click(
                {
                    "type": "static_select",
                    "action_id": ids.ACTION_QUESTION_PICK_TALK,
                    "selected_option": {"value": f"{self.live_id}:expired-token"},
                },
                user=self.person(),
                channel=GENERAL,
                message_ts=self.ts,
            ),
            "survey rate": button(f"{ids.ACTION_SURVEY_RATE}_4", lambda: f"{self.ended_id}:4", user=ATTENDEE),
            "survey more": button(ids.ACTION_SURVEY_MORE, ended, user=ATTENDEE),
            "view: new talk": submit(
                ids.CALLBACK_TALK_NEW, lambda: "", lambda: talk_values(speakers=[ORGANISER]), user=ORGANISER
            ),
            "view: edit talk": submit(
                ids.CALLBACK_TALK_EDIT, talk, lambda: talk_values(title="Edited", speakers=[SPEAKER]), user=ORGANISER
            ),
            "view: cancel talk": submit(
                ids.CALLBACK_TALK_CANCEL,
                lambda: str(next(spare)),
                lambda: {
                    ids.BLOCK_CANCEL_REASON: {
                        ids.ACTION_CANCEL_REASON: {"type": "plain_text_input", "value": "Speaker ill"}
                    }
                },
                user=ORGANISER,
            ),
            "view: stream link": submit(
                ids.CALLBACK_STREAM_LINK,
                talk,
                lambda: {
                    ids.BLOCK_STREAM_LINK: {
                        ids.ACTION_STREAM_LINK: {"type": "url_text_input", "value": "https://meet.example.com/x"}
                    }
                },
                user=ORGANISER,
            ),
            "view: ask question": submit(
                ids.CALLBACK_QUESTION_ASK, lambda: f"{self.live_id}|{GENERAL}", lambda: question_values("Why?")
            ),
            "view: answer question": submit(
                ids.CALLBACK_QUESTION_ANSWER,
                lambda: str(self.answerable.pop()),
                lambda: {
                    ids.BLOCK_ANSWER_TEXT: {ids.ACTION_ANSWER_TEXT: {"type": "plain_text_input", "value": "Yes."}}
                },
                user=ORGANISER,
            ),
            "view: survey feedback": submit(ids.CALLBACK_SURVEY_FEEDBACK, ended, lambda: feedback, user=ATTENDEE),
        }

    def run(self, latency: float, reps: int, gap: float, *, cold: bool) -> dict[str, tuple[list[float], Counter[str]]]:
        self.fake.set_latency("*", latency)
        results: dict[str, tuple[list[float], Counter[str]]] = defaultdict(lambda: ([], Counter()))
        for name, request in self.paths().items():
            for _ in range(reps):
                if cold:
                    # Every request from someone this process has not looked up yet (a restart, another replica).
                    self.container.slack._users.clear()
                started = time.monotonic()
                response = request()
                took = time.monotonic() - started
                results[name][0].append(took)
                results[name][1][outcome(response)] += 1
                time.sleep(gap)  # the work after the ack keeps going meanwhile, as in real use
        self.fake.set_latency("*", None)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 requests per path (about a minute per latency)")
    parser.add_argument("--reps", type=int, default=10, help="requests per path and latency")
    parser.add_argument("--latency", type=float, action="append", help="seconds per Slack call (repeatable)")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between requests")
    parser.add_argument("--cold", action="store_true", help="forget cached users before every request")
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the refusals and Slack timeouts are counted, not logged
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    reps = 3 if args.quick else args.reps
    latencies = args.latency or [0.3, 1.0]
    tmp = tempfile.mkdtemp(prefix="ackbench-")
    db_url = args.db or f"sqlite:///{tmp}/bench.db"
    probe = MemoryProbe.self_process()

    bench = Bench(db_url)
    bench.setup(reps * len(latencies))
    print(f"{len(bench.paths())} paths, {reps} requests each, Slack latency {latencies} s, db {db_url.split(':')[0]}")
    worst: dict[float, float] = {}
    new_talk_outcomes: list[Counter[str]] = []
    for latency in latencies:
        results = bench.run(latency, reps, args.gap, cold=args.cold)
        new_talk_outcomes.append(results["view: new talk"][1])
        print(f"\n### {latency * 1000:.0f} ms per Slack call{', user cache cold' if args.cold else ''}\n")
        print("| path | n | p50 ack (s) | p99 ack (s) | max (s) | acks |")
        print("|---|---:|---:|---:|---:|---|")
        for name, (times, outcomes) in results.items():
            said = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
            p99 = nearest_rank(times, 0.99)
            worst[latency] = max(worst.get(latency, 0.0), p99)
            print(f"| {name} | {len(times)} | {statistics.median(times):.3f} | {p99:.3f} | {max(times):.3f} | {said} |")
    time.sleep(2 * max(latencies))  # let the work after the last acks finish before reading memory
    print()
    # A refused or timed-out submission must leave nothing behind: count what the new-talk requests stored.
    acked_ok = sum(outcomes["ok"] for outcomes in new_talk_outcomes)
    with bench.container.db.session() as session:
        stored = session.execute(
            select(func.count()).select_from(Talk).where(Talk.source_view_id.like("VB%"))
        ).scalar_one()
    print(f"view: new talk: {acked_ok} acked ok, {stored} talks stored (must be equal)")
    for latency, p99 in worst.items():
        verdict = "OK" if p99 < 2.5 else "OVER"
        print(f"worst p99 at {latency * 1000:.0f} ms: {p99:.3f} s ({verdict}: goal < 2.5 s)")
    print(probe.report())
    bench.server.shutdown()
    bench.fake.stop()


if __name__ == "__main__":
    main()
