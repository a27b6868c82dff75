"""The shared id-button listener: acknowledges every click, ignores a value that is not an id, and answers in the
clicker's channel otherwise."""

from __future__ import annotations

import logging

import pytest

from bot import ids
from tests.conftest import ATTENDEE, GENERAL
from tests.fakes.slack_api import FakeSlack
from tests.slack_driver import SlackDriver

ID_BUTTONS = [
    ids.ACTION_RSVP_GOING,
    ids.ACTION_RSVP_NOT_GOING,
    ids.ACTION_ASK_QUESTION,
    ids.ACTION_QUESTION_VOTE,
    ids.ACTION_QUESTION_ANSWERED,
    ids.ACTION_QUESTION_HIDE,
    ids.ACTION_QUESTION_ANSWER_LATER,
    ids.ACTION_STREAM_ADD_LINK,
]


@pytest.mark.parametrize("action_id", ID_BUTTONS)
def test_a_value_that_is_not_an_id_is_acknowledged_and_ignored(
    slack: SlackDriver, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, action_id: str
) -> None:
    response = slack.button(action_id, "not-a-number", user=ATTENDEE, channel=GENERAL, message_ts="1.1")
    assert response.status_code == 200 and response.text == ""
    # The listener runs after the ack: not even the clicker's language is looked up, and nothing fails.
    fake_slack.assert_no_call("users.info")
    assert {call.method for call in fake_slack.calls} <= {"auth.test"}, fake_slack.describe_calls()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_click_on_a_missing_talk_answers_the_clicker_in_the_clicked_channel(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    assert slack.button(ids.ACTION_RSVP_GOING, "999", user=ATTENDEE, channel=GENERAL, message_ts="1.1").ok
    [notice] = fake_slack.wait_for("chat.postEphemeral")
    assert notice.params["channel"] == GENERAL and notice.params["user"] == ATTENDEE
