"""A no-show DM that Slack fails is retried by the flow (with backoff), and the ones already sent are not repeated."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.container import Container
from tests.conftest import ORGANISER, OTHER
from tests.fakes.slack_api import FakeSlack
from tests.followup.helpers import JAPANESE, ended_talk, link_values, no_show_dms, open_links_modal
from tests.helpers import ack_json, flow_runs, wait_flows
from tests.slack_driver import SlackDriver

SLIDES = "https://slides.example.com/rust"
VIDEO = "https://video.example.com/rust"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"FLOW_RETRY_BASE_SECONDS": 0.2, "FLOW_POLL_SECONDS": 0.1, "SURVEY_WORKER_AUTOSTART": False}
    )


def test_failed_no_show_dm_is_retried_and_none_is_repeated(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    fake_slack.add_user(JAPANESE, name="hana", locale="ja-JP", tz="Asia/Tokyo")
    talk_id, ts = ended_talk(slack, fake_slack, container, going=[OTHER, JAPANESE])
    container.flows.start_worker()
    try:
        view = open_links_modal(slack, fake_slack, talk_id, user=ORGANISER, ts=ts)
        # Slides first: the thread post goes out (no recording, so no DM yet).
        assert ack_json(slack.submit_view(view, link_values(SLIDES, None), user=ORGANISER)) == {}
        wait_flows(container, talk_id)
        assert no_show_dms(fake_slack) == []
        fake_slack.reset_calls()
        fake_slack.fail_next("chat.postMessage", "internal_error")  # the first DM (hana's) fails once
        assert ack_json(slack.submit_view(view, link_values(SLIDES, VIDEO), user=ORGANISER)) == {}
        fake_slack.wait_for("chat.postMessage", count=3)  # the failed one, the other DM, the retried one
        wait_flows(container, talk_id)
    finally:
        container.flows.stop_worker()
    [failed] = [c for c in fake_slack.calls_to("chat.postMessage") if not c.ok]
    assert failed.params["channel"] == JAPANESE and failed.params["metadata"]["event_payload"]["kind"] == "noshow"
    assert sorted(c.params["channel"] for c in no_show_dms(fake_slack)) == sorted([OTHER, JAPANESE])
    assert flow_runs(container, talk_id)[-1] == ("links", "done")
