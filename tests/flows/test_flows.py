"""Flow behaviour that needs no process kill: a step that keeps failing gives up and tells the organiser (it never
loops), and reactions that arrive while the live post is being recorded are counted, not dropped."""

from __future__ import annotations

import threading
import time

import pytest

from bot import ids
from bot.config import Settings
from bot.container import Container
from bot.db import reactions_repo as rrepo
from bot.db import repositories as repo
from bot.db.models import TalkStatus
from bot.i18n import t
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import create_talk, flow_runs, in_days, talks_in_db
from tests.lifecycle.test_lifecycle import crashed_claim
from tests.slack_driver import SlackDriver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"FLOW_MAX_ATTEMPTS": 2, "FLOW_RETRY_BASE_SECONDS": 0})


def test_a_step_that_keeps_failing_gives_up_and_tells_the_organiser_once(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    fake_slack.fail_next("chat.postMessage", "internal_error", times=2)  # both tries of the live post

    assert container.lifecycle.go_live(talk_id)
    container.flows.run_due()  # a worker round later: nothing is retried any more
    time.sleep(0.2)
    container.flows.run_due()

    live_tries = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert len(live_tries) == 2 and all(c.response.get("error") == "internal_error" for c in live_tries)
    assert [(f, s) for f, s in flow_runs(container, talk_id) if f == "live"] == [("live", "failed")]
    told = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]
    expected = t("en", "flows.failed", title="Intro to Rust", what=t("en", "flows.what.live"))
    assert [c.params["text"] for c in told] == [expected]
    talk = talks_in_db(container)[0]
    assert talk.status is TalkStatus.LIVE and talk.live_ts is None


def test_reactions_on_the_live_post_before_its_ts_is_stored_are_counted(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, start=in_days(2))
    # The live post is in Slack's thread, its record not yet in the database (the moment between the two).
    crashed_claim(container, f"live_post:{talk_id}", talk_id, "live_post", GENERAL)
    posted = fake_slack.add_message(
        GENERAL,
        "live",
        user=fake_slack.bot_user_id,
        thread_ts=ts,
        metadata={"event_type": ids.METADATA_EVENT_TYPE, "event_payload": {"talk_id": talk_id, "kind": "live"}},
    )
    fake_slack.set_latency("conversations.replies", 1.5)  # the lookup that finds and records it takes a while
    going_live = threading.Thread(target=container.lifecycle.go_live, args=(talk_id,))
    going_live.start()
    deadline = time.monotonic() + 5
    while talks_in_db(container)[0].status is not TalkStatus.LIVE:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for user in (ATTENDEE, OTHER, ORGANISER):
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": "clap",
            "item": {"type": "message", "channel": GENERAL, "ts": posted["ts"]},
            "item_user": fake_slack.bot_user_id,
            "event_ts": f"{time.time():.6f}",
        }
        assert slack.event(event).status_code == 200
    assert talks_in_db(container)[0].live_ts is None  # still not recorded: the three were kept, not counted yet
    going_live.join(10)
    fake_slack.set_latency("conversations.replies", None)
    container.reactions.flush()

    assert talks_in_db(container)[0].live_ts == posted["ts"]
    with container.db.session() as session:
        assert rrepo.totals(session=session, talk_id=talk_id, surface="live") == {"clap": 3}
        assert repo.get_talk(session=session, talk_id=talk_id) is not None
    # Found again, not posted twice.
    assert not [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
