"""Survey fan-out benchmark: N recipients through the fake Slack with a rate limit on chat.postMessage.

    .venv/bin/python bench/survey_fanout.py [--recipients 1000] [--limit 300] [--max-rate 300]

Run 1: one worker drains the outbox. Run 2: a worker in a child process is killed (SIGKILL) halfway, a new
one is started at once and finishes. Prints total time, ideal time (recipients / limit), the ratio, 429s
received, duplicates and gaps (both must be 0).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings  # noqa: E402
from bot.container import build_container  # noqa: E402
from bot.db import repositories as repo  # noqa: E402
from bot.db.models import StreamKind, TalkStatus  # noqa: E402
from bot.db.session import Database  # noqa: E402
from bot.domain import TalkInput  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402


def settings_for(db_url: str, api_url: str, max_rate: float, claim_timeout: float) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="bench",
        SLACK_API_URL=api_url,
        DATABASE_URL=db_url,
        SURVEY_WORKER_AUTOSTART=False,
        SURVEY_DM_START_PER_MINUTE=min(120.0, max_rate),
        SURVEY_DM_MAX_PER_MINUTE=max_rate,
        SURVEY_CLAIM_TIMEOUT=claim_timeout,
        SURVEY_RETRY_BASE_SECONDS=0.5,
    )


def ended_talk_with_rsvps(settings: Settings, n: int) -> int:
    db = Database.from_url(settings.DATABASE_URL)
    container = build_container(settings, db=db)
    start = datetime.now(UTC) - timedelta(hours=1)
    with db.session() as session:
        talk = repo.create_talk(
            session=session,
            data=TalkInput(
                title="Benchmark talk",
                speaker_ids=["USPEAKER"],
                starts_at=start,
                duration_minutes=45,
                channel_id="CGENERAL",
                stream_kind=StreamKind.MANUAL,
                stream_url="https://example.com/s",
            ),
            team_id="T1",
            organiser_id="UORG",
            timezone="UTC",
            source_view_id=None,
        )
        talk_id = talk.id
        for i in range(n):
            repo.set_rsvp(session=session, talk_id=talk_id, user_id=f"U{i:06d}", going=True)
        talk.status, talk.ended_at = TalkStatus.ENDED, datetime.now(UTC)
    assert container.surveys.open_survey(talk_id) == n
    db.engine.dispose()
    return talk_id


def count(fake: FakeSlack, since: int = 0) -> tuple[Counter[str], int]:
    calls = fake.calls_to("chat.postMessage")[since:]
    ok = Counter(c.params["channel"] for c in calls if c.ok)
    return ok, sum(1 for c in calls if c.status == 429)


def report(name: str, n: int, limit: float, seconds: float, ok: Counter[str], limited: int) -> float:
    ideal = n / (limit / 60)
    duplicates = sum(v - 1 for v in ok.values() if v > 1)
    gaps = n - len(ok)
    ratio = seconds / ideal
    print(
        f"{name}: recipients={n} total={seconds:.1f}s ideal={ideal:.1f}s ratio={ratio:.3f} "
        f"429s={limited} duplicates={duplicates} gaps={gaps}",
        flush=True,
    )
    return ratio


def child_worker(db_url: str, api_url: str, max_rate: float, claim_timeout: float) -> None:
    settings = settings_for(db_url, api_url, max_rate, claim_timeout)
    container = build_container(settings)
    container.surveys.run_worker(worker_id=f"bench-child-{os.getpid()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=300, help="fake Slack's chat.postMessage limit per minute")
    parser.add_argument("--max-rate", type=float, default=300, help="SURVEY_DM_MAX_PER_MINUTE")
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("DB_URL", "API_URL"))
    parser.add_argument("--claim-timeout", type=float, default=15)
    args = parser.parse_args()
    if args.child:
        child_worker(args.child[0], args.child[1], args.max_rate, args.claim_timeout)
        return

    n = args.recipients
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(bot_user_id="UBOT") as fake:
        fake.set_rate_limit("chat.postMessage", args.limit, burst=args.burst)
        for i in range(n):  # real people: users.info answers (a few in Japanese)
            fake.add_user(f"U{i:06d}", locale="ja-JP" if i % 5 == 0 else "en-US", tz="UTC")
        db_url = f"sqlite:///{tmp}/bench.db"
        db = Database.from_url(db_url)
        upgrade(db.engine)
        db.engine.dispose()
        settings = settings_for(db_url, fake.base_url, args.max_rate, args.claim_timeout)

        # Run 1: one worker, start to finish.
        ended_talk_with_rsvps(settings, n)
        container = build_container(settings)
        fake.reset_calls()
        started = time.monotonic()
        stats = container.surveys.run_worker(worker_id="bench-1")
        elapsed = time.monotonic() - started
        ok, limited = count(fake)
        report("run 1 (one worker)", n, args.limit, elapsed, ok, limited)
        print(f"  worker stats: {stats}", flush=True)

        # Run 2: the worker process is killed halfway (SIGKILL), a new worker finishes.
        time.sleep(max(1.0, 60 / args.limit * args.burst))  # let the fake's bucket refill as between two talks
        ended_talk_with_rsvps(settings, n)
        fake.reset_calls()
        started = time.monotonic()
        child = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                db_url,
                fake.base_url,
                "--max-rate",
                str(args.max_rate),
                "--claim-timeout",
                str(args.claim_timeout),
            ]
        )
        while len(count(fake)[0]) < n // 2 and child.poll() is None:
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        killed_at = len(count(fake)[0])
        print(f"  killed the worker after {killed_at} DMs ({time.monotonic() - started:.1f}s)", flush=True)
        restarted = build_container(settings)
        stats = restarted.surveys.run_worker(worker_id="bench-2")
        elapsed = time.monotonic() - started
        ok, limited = count(fake)
        report("run 2 (killed halfway, restarted)", n, args.limit, elapsed, ok, limited)
        print(f"  restarted worker stats: {stats}", flush=True)


if __name__ == "__main__":
    main()
