"""A YouTube talk's recording is its broadcast's watch URL by default: on the card, in the thread, and DMed to the
people who RSVPed and did not attend, as soon as the talk ends; and with SURVEY_SKIP_NO_SHOWS, they get that DM
instead of the survey's "thanks for joining"."""

from __future__ import annotations

import json

import pytest

from bot.container import Container
from bot.db.models import StreamStatus
from tests.conftest import ATTENDEE, OTHER
from tests.fakes.google_api import FakeGoogle
from tests.fakes.slack_api import FakeSlack
from tests.followup.helpers import JAPANESE, card, ended_talk, no_show_dms, react, talk_row, thread_posts
from tests.helpers import block_texts
from tests.slack_driver import SlackDriver
from tests.streams.test_streams import wait_stream
from tests.surveys.helpers import survey_dms


@pytest.fixture
def google_overrides() -> dict[str, object]:
    return {"SURVEY_SKIP_NO_SHOWS": True, "SURVEY_WORKER_AUTOSTART": False}


def test_youtube_watch_url_is_the_recording_and_no_shows_get_it_instead_of_the_survey(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    fake_slack.add_user(JAPANESE, name="hana", locale="ja-JP", tz="Asia/Tokyo")
    created: dict[str, str] = {}

    def during(talk_id: int) -> None:
        created["link"] = wait_stream(container, talk_id, StreamStatus.READY).link or ""
        react(slack, container, talk_id, ATTENDEE)

    talk_id, ts = ended_talk(
        slack, fake_slack, container, going=[ATTENDEE, OTHER, JAPANESE], during=during, stream="youtube"
    )
    [broadcast] = fake_google.live_broadcasts()
    watch = f"https://www.youtube.com/watch?v={broadcast['id']}"
    assert created["link"] == watch
    assert talk_row(container, talk_id).recording_url == watch

    # At the end, without anyone adding it: the card, the thread, the no-shows' DMs.
    assert f"<{watch}|Recording>" in card(fake_slack, ts)
    [post] = thread_posts(fake_slack, ts)
    assert f"<{watch}|Recording>" in post.params["text"]
    dms = no_show_dms(fake_slack)
    assert sorted(c.params["channel"] for c in dms) == sorted([OTHER, JAPANESE])
    ja = next(c for c in dms if c.params["channel"] == JAPANESE)
    assert f"<{watch}|録画>" in ja.params["text"]

    # They get no survey ("thanks for joining"); the attendee does, with the recording in it.
    assert container.surveys.recipients(talk_id) == {ATTENDEE}
    container.surveys.run_worker()
    [survey] = survey_dms(fake_slack)
    assert survey.params["channel"] == ATTENDEE
    assert "Thanks for joining" in json.dumps(survey.params) and watch in block_texts(survey.params["blocks"])
    assert len(no_show_dms(fake_slack)) == 2
