"""Shared steps for the live-questions scenarios."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import Question, QuestionVote
from tests.conftest import GENERAL
from tests.fakes.slack_api import Call, FakeSlack
from tests.scenario.test_talk_flow import create_talk
from tests.slack_driver import SlackDriver


def live_talk(slack: SlackDriver, fake: FakeSlack, container: Container, **values: object) -> tuple[int, str, str]:
    """Create a talk through the modal and make it live: (talk id, announcement ts, live post ts)."""
    talk_id, announcement_ts = create_talk(slack, fake, container, **values)
    assert container.lifecycle.go_live(talk_id)
    container.refresher.flush()
    with container.db.session() as session:
        from bot.db.models import Talk

        talk = session.get(Talk, talk_id)
        assert talk is not None and talk.live_ts
        live_ts = talk.live_ts
    return talk_id, announcement_ts, live_ts


def question_values(text: str, *, anonymous: bool = False) -> dict[str, Any]:
    selected = [{"value": ids.OPTION_ANONYMOUS, "text": {"type": "plain_text", "text": "x"}}] if anonymous else []
    return {
        ids.BLOCK_QUESTION_TEXT: {ids.ACTION_QUESTION_TEXT: {"type": "plain_text_input", "value": text}},
        ids.BLOCK_QUESTION_OPTIONS: {
            ids.ACTION_QUESTION_ANONYMOUS: {"type": "checkboxes", "selected_options": selected}
        },
    }


def open_ask_modal(slack: SlackDriver, fake: FakeSlack, *, talk_id: int, user: str, message_ts: str) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    slack.button(ids.ACTION_ASK_QUESTION, str(talk_id), user=user, channel=GENERAL, message_ts=message_ts)
    calls = fake.wait_for("views.open", count=before + 1)
    return dict(calls[-1].params["view"])


def ask_by_modal(
    slack: SlackDriver, fake: FakeSlack, *, talk_id: int, user: str, text: str, message_ts: str, anonymous: bool = False
) -> Any:
    view = open_ask_modal(slack, fake, talk_id=talk_id, user=user, message_ts=message_ts)
    return slack.submit_view(view, question_values(text, anonymous=anonymous), user=user)


def questions_in_db(container: Container, talk_id: int) -> list[Question]:
    with container.db.session() as session:
        stmt = select(Question).where(Question.talk_id == talk_id).order_by(Question.id)
        return list(session.execute(stmt).scalars())


def votes_in_db(container: Container, question_id: int) -> list[str]:
    with container.db.session() as session:
        stmt = select(QuestionVote.user_id).where(QuestionVote.question_id == question_id)
        return sorted(session.execute(stmt).scalars())


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def question_posts(fake: FakeSlack) -> list[Call]:
    return fake.calls_to("chat.postMessage") and [
        c
        for c in fake.calls_to("chat.postMessage")
        if (c.params.get("metadata") or {}).get("event_type") == ids.METADATA_QUESTION_EVENT_TYPE
    ]


def vote(slack: SlackDriver, question_id: int, *, user: str, ts: str) -> Any:
    return slack.button(ids.ACTION_QUESTION_VOTE, str(question_id), user=user, channel=GENERAL, message_ts=ts)
