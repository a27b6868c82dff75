"""Survey fan-out benchmark: N recipients through the fake Slack with a rate limit on chat.postMessage.

    .venv/bin/python bench/survey_fanout.py [--quick] [--recipients 1000] [--limit 300] [--max-rate 300]

Run 1: one worker drains the outbox, its ceiling (SURVEY_DM_MAX_PER_MINUTE) equal to the fake's limit.
Run 2: the ceiling is twice the limit, so the worker runs into 429s and must back off (honouring Retry-After).
Run 3: a worker in a child process exits hard right after a DM was posted and before it was recorded (the crash
point "survey.after_dm", armed halfway); a new worker finishes, and must find that DM instead of sending it again.
Each run prints total time, the floor (recipients / limit), the ratio, 429s, duplicates and gaps (both must be 0).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.memory import MemoryProbe  # noqa: E402
from bot import crash  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.container import build_container  # noqa: E402
from bot.db import repositories as repo  # noqa: E402
from bot.db.models import StreamKind, SurveyMessage, SurveyMessageStatus, TalkStatus  # noqa: E402
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
    floor = n / (limit / 60)
    duplicates = sum(v - 1 for v in ok.values() if v > 1)
    gaps = n - len(ok)
    ratio = seconds / floor
    print(
        f"{name}: recipients={n} total={seconds:.1f}s floor={floor:.1f}s ratio={ratio:.3f} "
        f"429s={limited} duplicates={duplicates} gaps={gaps}",
        flush=True,
    )
    return ratio


def sent_for_latest_talk() -> Select[tuple[int]]:
    """How many survey DMs of the newest talk (this run's) are recorded as sent."""
    latest = select(func.max(SurveyMessage.talk_id)).scalar_subquery()
    return (
        select(func.count())
        .select_from(SurveyMessage)
        .where(SurveyMessage.status == SurveyMessageStatus.SENT, SurveyMessage.talk_id == latest)
    )


def child_worker(db_url: str, api_url: str, max_rate: float, claim_timeout: float, crash_after: int) -> None:
    settings = settings_for(db_url, api_url, max_rate, claim_timeout)
    container = build_container(settings)
    if crash_after:
        db = Database.from_url(db_url)

        def arm_when_halfway() -> None:
            # Arms the named crash point once `crash_after` DMs are recorded: the next DM posted ends the process
            # before its row says so.
            while True:
                with db.session() as session:
                    sent = session.execute(sent_for_latest_talk()).scalar_one()
                if sent >= crash_after:
                    crash.configure("survey.after_dm")
                    return
                time.sleep(0.05)

        threading.Thread(target=arm_when_halfway, daemon=True).start()
    container.surveys.run_worker(worker_id=f"bench-child-{os.getpid()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 recipients (about 3 minutes in all)")
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=300, help="fake Slack's chat.postMessage limit per minute")
    parser.add_argument("--max-rate", type=float, default=300, help="SURVEY_DM_MAX_PER_MINUTE in runs 1 and 3")
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("DB_URL", "API_URL"))
    parser.add_argument("--crash-after", type=int, default=0)
    parser.add_argument("--claim-timeout", type=float, default=15)
    args = parser.parse_args()
    if args.child:
        child_worker(args.child[0], args.child[1], args.max_rate, args.claim_timeout, args.crash_after)
        return

    n = 200 if args.quick else args.recipients
    probe = MemoryProbe.self_process(interval=1.0)
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(bot_user_id="UBOT") as fake:
        fake.set_rate_limit("chat.postMessage", args.limit, burst=args.burst)
        for i in range(n):  # real people: users.info answers (a few in Japanese)
            fake.add_user(f"U{i:06d}", locale="ja-JP" if i % 5 == 0 else "en-US", tz="UTC")
        db_url = f"sqlite:///{tmp}/bench.db"
        db = Database.from_url(db_url)
        upgrade(db.engine)
        settings = settings_for(db_url, fake.base_url, args.max_rate, args.claim_timeout)

        def refill() -> None:
            time.sleep(max(1.0, 60 / args.limit * args.burst))  # the fake's bucket refills, as between two talks

        # Run 1: one worker, start to finish, its ceiling at the fake's limit.
        ended_talk_with_rsvps(settings, n)
        container = build_container(settings)
        fake.reset_calls()
        started = time.monotonic()
        stats = container.surveys.run_worker(worker_id="bench-1")
        elapsed = time.monotonic() - started
        ok, limited = count(fake)
        report(f"run 1 (one worker, ceiling {args.max_rate:.0f}/min)", n, args.limit, elapsed, ok, limited)
        print(f"  worker stats: {stats}", flush=True)

        # Run 2: the worker's ceiling is twice the limit: Slack's 429s, not the setting, have to hold it back.
        refill()
        ended_talk_with_rsvps(settings, n)
        overdriven = settings_for(db_url, fake.base_url, 2 * args.limit, args.claim_timeout)
        container = build_container(overdriven)
        fake.reset_calls()
        started = time.monotonic()
        stats = container.surveys.run_worker(worker_id="bench-2")
        elapsed = time.monotonic() - started
        ok, limited = count(fake)
        report(f"run 2 (ceiling {2 * args.limit:.0f}/min, twice the limit)", n, args.limit, elapsed, ok, limited)
        print(f"  worker stats: {stats}", flush=True)

        # Run 3: the worker process exits right after posting a DM, before recording it; a new worker finishes.
        refill()
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
                "--crash-after",
                str(n // 2),
            ],
            stderr=subprocess.DEVNULL,
        )
        code = child.wait()
        posted = len(count(fake)[0])
        with db.session() as session:
            recorded = session.execute(sent_for_latest_talk()).scalar_one()
        print(
            f"  worker exited with {code} after {posted} DMs posted in this run, {recorded} recorded "
            f"({time.monotonic() - started:.1f}s)",
            flush=True,
        )
        restarted = build_container(settings)
        stats = restarted.surveys.run_worker(worker_id="bench-3")
        elapsed = time.monotonic() - started
        ok, limited = count(fake)
        report("run 3 (exit after a post, before its record; restarted)", n, args.limit, elapsed, ok, limited)
        print(f"  restarted worker stats: {stats}", flush=True)
        db.engine.dispose()
    print(probe.report(), flush=True)


if __name__ == "__main__":
    main()
