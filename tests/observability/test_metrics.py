"""GET /metrics through the real HTTP app: ack latency after signed requests, Slack 429s, queue depth read from
the database at scrape time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot import ids
from bot.container import Container
from bot.db.base import utcnow
from bot.db.models import OutboxMessage, OutboxStatus
from bot.observability.metrics import FLOW_RUNS, OUTBOX, QueueCollector, QueueSpec, has_table, queue_state
from tests.conftest import ATTENDEE, GENERAL, OTHER
from tests.fakes.slack_api import FakeSlack
from tests.flow_runs_table import add_flow_runs
from tests.slack_driver import SlackDriver

NAMES = {
    "lunchlearn_ack_seconds",
    "lunchlearn_queue_depth",
    "lunchlearn_queue_oldest_age_seconds",
    "lunchlearn_flow_step_retries",
    "lunchlearn_flow_step_failures",
    "lunchlearn_scheduler_leader",
    "lunchlearn_slack_rate_limited",
    "lunchlearn_google_quota_units",
}


def scrape(bot_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics, keyed by (sample name, sorted labels)."""
    response = requests.get(f"{bot_url}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def families(bot_url: str) -> set[str]:
    text = requests.get(f"{bot_url}/metrics", timeout=10).text
    return {family.name for family in text_string_to_metric_families(text)}


def test_metrics_lists_every_metric_and_times_each_ack_by_request_kind(
    slack: SlackDriver, bot_url: str, fake_slack: FakeSlack
) -> None:
    assert NAMES <= families(bot_url)
    before = scrape(bot_url)

    # A modal submission is acknowledged only after the submitter's language is looked up (users.info), so a slow
    # Slack shows in its ack time.
    fake_slack.delay_next("users.info", 0.4)
    cancel = {"type": "modal", "callback_id": ids.CALLBACK_TALK_CANCEL, "private_metadata": "999"}
    assert slack.submit_view(cancel, {}, user=OTHER).status_code == 200
    kind = f"view_submission:{ids.CALLBACK_TALK_CANCEL}"
    after = scrape(bot_url)
    assert (
        value(after, "lunchlearn_ack_seconds_count", kind=kind)
        - value(before, "lunchlearn_ack_seconds_count", kind=kind)
        == 1
    )
    spent = value(after, "lunchlearn_ack_seconds_sum", kind=kind) - value(
        before, "lunchlearn_ack_seconds_sum", kind=kind
    )
    assert 0.4 <= spent < 3
    assert value(after, "lunchlearn_ack_seconds_bucket", kind=kind, le="0.25") == value(
        before, "lunchlearn_ack_seconds_bucket", kind=kind, le="0.25"
    )

    before = after
    assert slack.command("help", user=ATTENDEE).status_code == 200
    assert slack.button(ids.ACTION_RSVP_GOING, "999", user=ATTENDEE, channel=GENERAL, message_ts="1.1").ok
    # An action id the bot never defined is labelled "other": a forged payload cannot add label values.
    assert slack.button("made_up_action", "1", user=ATTENDEE, channel=GENERAL, message_ts="1.1").status_code == 404

    after = scrape(bot_url)
    for kind in ("command", f"block_actions:{ids.ACTION_RSVP_GOING}", "block_actions:other"):
        count = value(after, "lunchlearn_ack_seconds_count", kind=kind) - value(
            before, "lunchlearn_ack_seconds_count", kind=kind
        )
        assert count == 1, kind
        spent = value(after, "lunchlearn_ack_seconds_sum", kind=kind) - value(
            before, "lunchlearn_ack_seconds_sum", kind=kind
        )
        assert 0 < spent < 3, (kind, spent)
    assert not any(
        name == "lunchlearn_ack_seconds_count" and ("kind", "made_up_action") in labels for name, labels in after
    )


def test_slack_429s_are_counted_by_method_whether_the_sdk_retried_them_or_not(
    slack: SlackDriver, bot_url: str, fake_slack: FakeSlack
) -> None:
    before = scrape(bot_url)
    # Three 429s in a row: the SDK's handler retries two (the gateway never sees those), the third reaches the
    # gateway as an error. Each one counts once.
    fake_slack.rate_limit_next("chat.postEphemeral", retry_after=0, times=3)
    assert slack.button(ids.ACTION_RSVP_GOING, "999", user=ATTENDEE, channel=GENERAL, message_ts="1.1").ok
    fake_slack.wait_for("chat.postEphemeral", count=3, timeout=10)

    def counted() -> float:
        return value(scrape(bot_url), "lunchlearn_slack_rate_limited_total", method="chat.postEphemeral") - value(
            before, "lunchlearn_slack_rate_limited_total", method="chat.postEphemeral"
        )

    # The last 429 is counted when the gateway gets the answer, a moment after the fake recorded the call.
    deadline = time.monotonic() + 5
    while counted() < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counted() == 3
    assert value(scrape(bot_url), "lunchlearn_slack_rate_limited_total", method="chat.postMessage") == value(
        before, "lunchlearn_slack_rate_limited_total", method="chat.postMessage"
    )


def test_queue_depth_and_oldest_age_come_from_the_database_at_scrape_time(bot_url: str, container: Container) -> None:
    samples = scrape(bot_url)
    assert value(samples, "lunchlearn_queue_depth", queue="outbox", status="sending") == 0
    with container.db.session() as session:
        session.add_all(
            [
                OutboxMessage(
                    key="k1",
                    kind="dm",
                    recipient="U1",
                    status=OutboxStatus.SENDING,
                    created_at=utcnow() - timedelta(minutes=5),
                ),
                OutboxMessage(
                    key="k2",
                    kind="dm",
                    recipient="U2",
                    status=OutboxStatus.FAILED,
                    created_at=utcnow() - timedelta(hours=2),
                ),
                OutboxMessage(
                    key="k3",
                    kind="dm",
                    recipient="U3",
                    status=OutboxStatus.SENT,
                    created_at=utcnow() - timedelta(days=1),
                ),
            ]
        )
    samples = scrape(bot_url)
    assert value(samples, "lunchlearn_queue_depth", queue="outbox", status="sending") == 1
    assert value(samples, "lunchlearn_queue_depth", queue="outbox", status="failed") == 1
    assert value(samples, "lunchlearn_queue_depth", queue="outbox", status="pending") == 0
    # The sent row of a day ago is done and the failed one of two hours ago gave up (it shows in the failed depth):
    # the oldest item still waiting is five minutes old.
    assert 299 <= value(samples, "lunchlearn_queue_oldest_age_seconds", queue="outbox") < 400


def test_flow_steps_queue_is_reported_once_the_flow_runs_table_exists(
    bot_url: str, container: Container, db_kind: str
) -> None:
    if db_kind != "sqlite":
        pytest.skip("the rows name no real talk, which only SQLite's unenforced foreign keys allow")
    if not has_table(container.db.engine, FLOW_RUNS.table):
        assert not any(labels and ("queue", "flow_steps") in labels for _, labels in scrape(bot_url))
    now = utcnow()
    add_flow_runs(
        container.settings.DATABASE_URL,
        ("pending", now - timedelta(minutes=2), now - timedelta(minutes=1)),
        ("running", now, None),
        ("done", now - timedelta(days=1), None),
        ("failed", now - timedelta(hours=1), None),
    )
    samples = scrape(bot_url)
    assert value(samples, "lunchlearn_queue_depth", queue="flow_steps", status="pending") == 1
    assert value(samples, "lunchlearn_queue_depth", queue="flow_steps", status="running") == 1
    assert value(samples, "lunchlearn_queue_depth", queue="flow_steps", status="failed") == 1
    assert 119 <= value(samples, "lunchlearn_queue_oldest_age_seconds", queue="flow_steps") < 200


def test_a_queue_whose_table_does_not_exist_yet_is_skipped(container: Container) -> None:
    with container.db.session() as session:
        session.add(OutboxMessage(key="k1", kind="dm", recipient="U1", status=OutboxStatus.PENDING))
    state = queue_state(container.db.engine, OUTBOX)
    assert state.by_status == {"pending": 1, "sending": 0, "failed": 0}
    assert state.oldest is not None

    missing = QueueSpec("later", "no_such_table", ("pending",), ("pending",))
    collector = QueueCollector(container.db.engine, [OUTBOX, missing])
    depth, _age = list(collector.collect())
    assert {sample.labels["queue"] for sample in depth.samples} == {"outbox"}
