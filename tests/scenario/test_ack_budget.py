"""The 3-second ack: work before `ack()` is bounded by one deadline; work that missed it is refused, said, undone."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot import budget, ids
from bot.config import Settings
from bot.container import Container
from bot.db import repositories as repo
from bot.db.models import ProcessedDelivery
from bot.i18n import t
from bot.views.problems import slack_problem
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, RANDOM
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, create_talk, open_new_modal, talk_values, talks_in_db
from tests.slack_driver import SlackDriver

# Slack gives up on an ack after 3 s (Bolt answers 404 then); "well before" leaves room for the network.
WELL_BEFORE_SLACKS_LIMIT = 2.8


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # One listener thread: a request can then be made to wait for one, as under load.
    return settings.model_copy(update={"LISTENER_THREADS": 1})


def _is_channel_post(call: object) -> bool:
    return str(getattr(call, "params", {}).get("channel", "")).startswith(("C", "G"))


def test_new_talk_behind_two_slow_slack_calls_is_refused_in_time_and_creates_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    view = open_new_modal(slack, fake_slack)
    fake_slack.reset_calls()
    # The finding: users.info (a submitter not cached yet) and conversations.info (a channel to join) each take
    # 1.6 s, inside the old 2 s per-call timeout, 3.2 s together.
    fake_slack.delay_next("users.info", 1.6)
    fake_slack.delay_next("conversations.info", 1.6)

    started = time.monotonic()
    response = slack.submit_view(view, talk_values(channel=RANDOM, speakers=[ATTENDEE]), user=ATTENDEE)
    took = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert took < WELL_BEFORE_SLACKS_LIMIT
    assert ack_json(response) == {
        "response_action": "errors",
        "errors": {ids.BLOCK_TITLE: t("en", "error.slack_slow")},
    }
    assert talks_in_db(container) == []
    fake_slack.assert_no_call("conversations.join", within=1.0)
    fake_slack.assert_no_call("chat.postMessage", within=0.2, where=_is_channel_post)

    # The modal stayed open with the input: submitting again (Slack no longer slow) creates the talk, once.
    response = slack.submit_view(view, talk_values(channel=RANDOM, speakers=[ATTENDEE]), user=ATTENDEE)
    assert response.status_code == 200 and ack_json(response) == {}
    [post] = fake_slack.wait_for("chat.postMessage", where=_is_channel_post)
    assert post.params["channel"] == RANDOM
    [talk] = talks_in_db(container)
    assert talk.organiser_id == ATTENDEE


def test_submission_that_waited_past_slacks_limit_saves_nothing_and_tells_the_user(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)
    view = open_new_modal(slack, fake_slack)
    fake_slack.reset_calls()
    # The only listener thread is busy for 3.5 s after an RSVP click (its confirmation is slow to post).
    fake_slack.delay_next("chat.postEphemeral", 3.5)
    click = slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=ts)
    assert click.status_code == 200

    started = time.monotonic()
    response = slack.submit_view(view, talk_values(title="Queued", speakers=[ORGANISER]), user=ORGANISER)
    took = time.monotonic() - started

    # Bolt gave up waiting for the ack (Slack shows the user an error): the talk must not appear later.
    assert response.status_code == 404
    assert took < 3.5
    [dm] = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER)
    assert dm.params["text"] == t("en", "error.slack_slow_dm")
    assert [talk.title for talk in talks_in_db(container)] == ["Intro to Rust"]
    fake_slack.assert_no_call("chat.postMessage", within=0.5, where=_is_channel_post)


def test_a_commit_after_the_deadline_is_rolled_back(container: Container) -> None:
    """The unit of work refuses to commit for a listener that has not acked and is past its deadline."""
    budget.open_window(budget.AckWindow(time.monotonic() - budget.ACK_BUDGET))
    try:
        with pytest.raises(budget.AckBudgetExceeded), container.db.session() as session:
            repo.claim_delivery(session=session, key="too-late")
    finally:
        budget.open_window(None)
    with container.db.session() as session:
        repo.claim_delivery(session=session, key="outside-any-request")
    with container.db.session() as session:
        keys = session.execute(select(ProcessedDelivery.key)).scalars()
        assert sorted(keys) == ["outside-any-request"]


def test_a_form_that_cannot_open_within_the_trigger_window_is_reported(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)
    # Slack answers views.open after the click's trigger_id has expired (3 s): the form never opens.
    fake_slack.delay_next("views.open", 3.5)
    click = slack.button(ids.ACTION_STREAM_ADD_LINK, str(talk_id), user=ORGANISER, channel=GENERAL, message_ts=ts)
    assert click.status_code == 200

    [told] = fake_slack.wait_for("chat.postEphemeral", timeout=6)
    assert told.params["user"] == ORGANISER
    assert told.params["text"] == t("en", "error.slack.failed", problem=slack_problem("en", "TimeoutError"))
