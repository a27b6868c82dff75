"""The survey DM outbox under 429 Retry-After, 5xx, a crash mid-fan-out, and two workers on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest

from bot.container import Container
from bot.db import surveys_repo as srepo
from bot.db.base import utcnow
from bot.db.models import SurveyMessageStatus
from tests.fakes.slack_api import FakeSlack
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk, rows, survey_dms

CROWD = [f"UCROWD{n:03d}" for n in range(12)]


def _assert_exactly_once(fake: FakeSlack, people: list[str]) -> None:
    sent = Counter(c.params["channel"] for c in survey_dms(fake))
    assert sent == Counter(people), f"duplicates or gaps: {sent}"


def test_429_with_retry_after_and_5xx_are_retried_without_duplicates(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=CROWD[:6])
    fake_slack.rate_limit_next("chat.postMessage", retry_after=1)
    fake_slack.fail_next("chat.postMessage", "internal_error", status=500)
    fake_slack.fail_next("chat.postMessage", "service_unavailable", status=503)
    stats = container.surveys.run_worker()
    assert (stats.sent, stats.rate_limited, stats.retried) == (6, 1, 2)
    _assert_exactly_once(fake_slack, CROWD[:6])
    attempts = fake_slack.calls_to("chat.postMessage")
    # The 429 was honoured: the next chat.postMessage (the limited method) came at least Retry-After (1 s) later.
    limited = next(i for i, c in enumerate(attempts) if c.status == 429)
    gap = attempts[limited + 1].at - attempts[limited].at
    assert gap >= 1.0, f"next chat.postMessage {gap:.3f} s after the 429"
    assert len(attempts) == 9
    assert all(r.status is SurveyMessageStatus.SENT for r in rows(container, talk_id))


def test_crash_mid_fan_out_new_worker_finishes_without_duplicates_or_gaps(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=CROWD)
    # Worker "dead" sent 4 DMs, then crashed twice over: one DM posted but not recorded, one claimed not posted.
    dead = container.surveys.worker(worker_id="dead")
    dead.run(max_seconds=0.0)  # nothing (deadline passed at once)
    long_ago = utcnow() - timedelta(minutes=10)
    for _ in range(4):
        with container.db.session() as session:
            claimed = srepo.claim_next(session=session, worker="dead", now=utcnow(), stale_before=long_ago)
        assert claimed is not None
        dead._process(claimed, utcnow)
    with container.db.session() as session:
        posted_not_recorded = srepo.claim_next(session=session, worker="dead", now=utcnow(), stale_before=long_ago)
        claimed_not_posted = srepo.claim_next(session=session, worker="dead", now=utcnow(), stale_before=long_ago)
    assert posted_not_recorded and claimed_not_posted
    with container.db.session() as session:  # the dead worker's claims are old by now
        for claimed in (posted_not_recorded, claimed_not_posted):
            row = srepo.get_message(session=session, message_id=claimed.id)
            assert row is not None and row.status is SurveyMessageStatus.SENDING
            row.claimed_at = long_ago
    from bot.views.survey import survey_metadata

    container.slack.post_dm_attempt(
        user_id=posted_not_recorded.user_id, text="survey", metadata=survey_metadata(talk_id, "invite")
    )
    assert len(survey_dms(fake_slack)) == 5

    stats = container.surveys.run_worker(worker_id="new")
    assert stats.recovered == 1 and stats.sent == len(CROWD) - 5
    _assert_exactly_once(fake_slack, CROWD)
    assert all(r.status is SurveyMessageStatus.SENT and r.dm_ts for r in rows(container, talk_id))


def test_two_workers_claim_disjoint_rows_on_postgresql(
    db_kind: str, slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    if db_kind != "postgresql":
        pytest.skip("SQLite is single-process: SKIP LOCKED claiming is a PostgreSQL feature")
    people = [f"UPG{n:03d}" for n in range(40)]
    talk_id, _ = ended_talk(slack, fake_slack, container, going=people)
    fake_slack.delay_next("chat.postMessage", 0.01, times=40)
    results = {}

    def run(name: str) -> None:
        results[name] = container.surveys.worker(worker_id=name).run()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("replica-a", "replica-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    _assert_exactly_once(fake_slack, people)
    assert results["replica-a"].sent + results["replica-b"].sent == 40
    assert results["replica-a"].sent > 0 and results["replica-b"].sent > 0
    assert all(r.status is SurveyMessageStatus.SENT for r in rows(container, talk_id))
