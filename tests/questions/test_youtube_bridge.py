"""The YouTube live chat bridge against the fake Google (real googleapiclient): filtering, de-duplication, paging,
pollingIntervalMillis, the quota budget and stopping at the end."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.container import Container
from bot.db.base import utcnow
from bot.db.models import QuestionChatPoll, QuestionSource, StreamKind, StreamStatus, Talk, TalkStream
from bot.services.questions.youtube_bridge import is_question
from tests.fakes.google_api import FakeGoogle
from tests.fakes.slack_api import FakeSlack
from tests.questions.helpers import live_talk, questions_in_db
from tests.scenario.test_talk_flow import create_talk
from tests.slack_driver import SlackDriver


@pytest.fixture
def google(tmp_path: Path) -> Iterator[FakeGoogle]:
    with FakeGoogle() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, google: FakeGoogle, tmp_path: Path) -> Settings:
    creds = google.write_authorized_user(tmp_path / "google.json")
    return settings.model_copy(
        update={"GOOGLE_CREDENTIALS_FILE": creds, "GOOGLE_API_ROOT_URL": google.base_url, "GOOGLE_RETRY_BACKOFF": 0}
    )


def youtube_live_talk(slack: SlackDriver, fake: FakeSlack, container: Container, google: FakeGoogle) -> int:
    container.question_bridge.autostart = False  # the test drives each poll itself
    talk_id, _ = create_talk(slack, fake, container)
    with container.db.session() as session:
        talk = session.get(Talk, talk_id)
        assert talk is not None
        talk.stream_kind = StreamKind.YOUTUBE
        talk.ends_at = talk.starts_at + timedelta(minutes=60)
        session.add(
            TalkStream(talk_id=talk_id, kind=StreamKind.YOUTUBE, status=StreamStatus.READY, broadcast_id="bc-1")
        )
    google.add_live_broadcast("bc-1", "chat-1")
    assert container.lifecycle.go_live(talk_id)
    return talk_id


def test_question_filter() -> None:
    assert is_question("How fast is it?") and is_question("速いですか？") and is_question("Q: slides")
    assert is_question("q：資料は") and is_question("質問です、資料は共有されますか")
    assert not is_question("Great talk!") and not is_question("")


def test_bridge_brings_questions_once_with_paging_and_budget(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    container: Container,
    google: FakeGoogle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.questions.youtube_bridge")
    google.chat_polling_ms = 2000
    talk_id = youtube_live_talk(slack, fake_slack, container, google)
    bridge = container.question_bridge
    google.add_chat_page(
        "chat-1",
        [("m1", "Yuki", "Hello everyone"), ("m2", "Yuki", "Does it work on Windows?"), ("m3", "Sam", "Q: pricing")],
    )
    now = utcnow()
    wait = bridge.poll_once(talk_id, now=now)
    # The 1,000 units/hour budget allows one 5-unit call every 18 s, more than pollingIntervalMillis asks.
    assert wait == pytest.approx(18.0)
    questions = questions_in_db(container, talk_id)
    assert [(q.text, q.author_name, q.source) for q in questions] == [
        ("Does it work on Windows?", "Yuki", QuestionSource.YOUTUBE),
        ("Q: pricing", "Sam", QuestionSource.YOUTUBE),
    ]
    [post] = fake_slack.wait_for("chat.postMessage", where=lambda c: "Windows" in c.params["text"])
    assert "Yuki via YouTube" in str(post.params["blocks"])

    # Not due yet: no call to Google.
    before = len(google.calls("liveChatMessages.list"))
    assert bridge.poll_once(talk_id, now=now + timedelta(seconds=5)) is not None
    assert len(google.calls("liveChatMessages.list")) == before

    # Next page (the page token is sent), a repeated message id is never brought twice.
    google.add_chat_page("chat-1", [("m2", "Yuki", "Does it work on Windows?"), ("m4", "Ana", "Is it open source？")])
    bridge.poll_once(talk_id, now=now + timedelta(seconds=19))
    calls = google.calls("liveChatMessages.list")
    assert calls[-1].query["pageToken"] == "p1" and "pageToken" not in calls[0].query
    assert [q.text for q in questions_in_db(container, talk_id)] == [
        "Does it work on Windows?",
        "Q: pricing",
        "Is it open source？",
    ]
    with container.db.session() as session:
        poll = session.get(QuestionChatPoll, talk_id)
        assert poll is not None and poll.units == 1 + 5 + 5 and poll.calls == 2 and poll.page_token == "p2"
    assert any("units" in r.getMessage() for r in caplog.records)

    # Budget: a 60-minute talk may spend 1,000 units; pretend we are nearly there.
    with container.db.session() as session:
        poll = session.get(QuestionChatPoll, talk_id)
        assert poll is not None
        poll.units = 996
    assert bridge.poll_once(talk_id, now=now + timedelta(seconds=40)) is None
    assert len(google.calls("liveChatMessages.list")) == 2


def test_bridge_honours_a_slower_polling_interval_and_stops_at_the_end(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, google: FakeGoogle
) -> None:
    google.chat_polling_ms = 30_000
    talk_id = youtube_live_talk(slack, fake_slack, container, google)
    now = utcnow()
    assert container.question_bridge.poll_once(talk_id, now=now) == pytest.approx(30.0)
    container.lifecycle.end(talk_id)
    assert container.question_bridge.poll_once(talk_id, now=now + timedelta(seconds=31)) is None
    assert len(google.calls("liveChatMessages.list")) == 1
    with container.db.session() as session:
        poll = session.get(QuestionChatPoll, talk_id)
        assert poll is not None and poll.finished


def test_non_youtube_talk_has_no_bridge(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk_id, _, _ = live_talk(slack, fake_slack, container)
    assert container.question_bridge.poll_once(talk_id) is None
