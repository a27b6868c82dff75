"""Helpers for survey scenarios: a talk created through the modal, RSVPs through the buttons, then ended."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import SurveyAnswer, SurveyMessage
from tests.conftest import GENERAL
from tests.fakes.slack_api import Call, FakeSlack
from tests.scenario.test_talk_flow import create_talk
from tests.slack_driver import SlackDriver


def survey_values(question: str | None = None, *, no_summary: bool = False) -> dict[str, Any]:
    selected = [] if no_summary else [{"value": ids.SURVEY_OPTION_POST_SUMMARY}]
    return {
        ids.BLOCK_SURVEY_QUESTION: {ids.ACTION_SURVEY_QUESTION: {"type": "plain_text_input", "value": question}},
        ids.BLOCK_SURVEY_OPTIONS: {ids.ACTION_SURVEY_OPTIONS: {"type": "checkboxes", "selected_options": selected}},
    }


def ended_talk(
    slack: SlackDriver,
    fake: FakeSlack,
    container: Container,
    *,
    going: list[str],
    question: str | None = None,
    no_summary: bool = False,
    during: Callable[[int], None] | None = None,
    **values: object,
) -> tuple[int, str]:
    """Create a talk through the modal (with the survey fields), RSVP `going` through the button, end it."""
    more = survey_values(question, no_summary=no_summary)
    talk_id, ts = create_talk(slack, fake, container, more=more, **values)  # type: ignore[arg-type]
    for user in going:
        slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
    container.refresher.flush()
    wait_rsvps(container, talk_id, len(going))
    if during is not None:
        during(talk_id)
    assert container.lifecycle.end(talk_id)
    fake.reset_calls()
    return talk_id, ts


def wait_rsvps(container: Container, talk_id: int, count: int) -> None:
    import time

    from bot.db import repositories as repo

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with container.db.session() as session:
            if repo.count_going(session=session, talk_id=talk_id) >= count:
                return
        time.sleep(0.02)
    raise AssertionError("RSVPs not recorded")


def survey_dms(fake: FakeSlack, kind: str = "invite") -> list[Call]:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.ok and (c.params.get("metadata") or {}).get("event_payload", {}).get("kind") == kind
    ]


def rows(container: Container, talk_id: int) -> list[SurveyMessage]:
    with container.db.session() as session:
        stmt = select(SurveyMessage).where(SurveyMessage.talk_id == talk_id).order_by(SurveyMessage.id)
        return list(session.execute(stmt).scalars())


def answers(container: Container, talk_id: int) -> dict[str, SurveyAnswer]:
    with container.db.session() as session:
        stmt = select(SurveyAnswer).where(SurveyAnswer.talk_id == talk_id)
        return {a.user_id: a for a in session.execute(stmt).scalars()}


def rating_click(slack: SlackDriver, dm: Call, *, user: str, rating: int) -> Any:
    talk_id = dm.params["metadata"]["event_payload"]["talk_id"]
    return slack.button(
        f"{ids.ACTION_SURVEY_RATE}_{rating}",
        f"{talk_id}:{rating}",
        user=user,
        channel=dm.response["channel"],
        message_ts=dm.response["ts"],
        block_id=ids.BLOCK_SURVEY_RATING,
    )


def ran_for(container: Container, talk_id: int, minutes: float) -> None:
    """The talk went live `minutes` before it ended (a talk planned for 45 minutes can end at 25)."""
    from datetime import timedelta

    from bot.db import repositories as repo

    with container.db.session() as session:
        talk = repo.get_talk(session=session, talk_id=talk_id)
        assert talk is not None and talk.ended_at is not None
        talk.went_live_at = talk.ended_at - timedelta(minutes=minutes)
