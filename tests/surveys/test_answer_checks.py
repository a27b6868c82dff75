"""Survey answers are taken only from people the survey was sent to (never a speaker), and a rating click only
updates the survey DMs the bot recorded sending, whatever message the payload names."""

from __future__ import annotations

import time

from bot import ids
from bot.container import Container
from tests.conftest import ADMIN, ATTENDEE, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import answers, ended_talk, rating_click, survey_dms

REFUSAL = {
    ADMIN: "This survey wasn't sent to you, so I can't take your answer.",
    SPEAKER: "このアンケートはあなたに送られていないため、回答を受け付けられません。",  # the speaker reads Japanese
}


def _replies(fake: FakeSlack) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [str(c.params.get("text")) for c in fake.calls if c.method.startswith("webhook/action-")]
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no reply: {fake.describe_calls()}")


def test_answers_only_from_recipients_and_only_recorded_dms_updated(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE, OTHER])
    container.surveys.run_worker()
    dms = {c.params["channel"]: c for c in survey_dms(fake_slack)}
    assert set(dms) == {ATTENDEE, OTHER}

    # A speaker and someone never asked (an admin, even) click a rating with a made-up message: refused, not stored.
    for user in (SPEAKER, ADMIN):
        fake_slack.reset_calls()
        slack.button(
            f"{ids.ACTION_SURVEY_RATE}_1",
            f"{talk_id}:1",
            user=user,
            channel=f"D{user}",
            message_ts="1700000000.000001",
            block_id=ids.BLOCK_SURVEY_RATING,
        )
        assert _replies(fake_slack) == [REFUSAL[user]]
        assert fake_slack.calls_to("chat.update") == []
    # ...nor through the feedback modal, submitted directly.
    view = {"type": "modal", "callback_id": ids.CALLBACK_SURVEY_FEEDBACK, "private_metadata": str(talk_id)}
    overall = {ids.ACTION_SURVEY_OVERALL: {"type": "static_select", "selected_option": {"value": "1"}}}
    for user in (SPEAKER, ADMIN):
        response = slack.submit_view({**view, "blocks": []}, {ids.BLOCK_SURVEY_OVERALL: overall}, user=user)
        assert ack_json(response) == {"response_action": "errors", "errors": {ids.BLOCK_SURVEY_OVERALL: REFUSAL[user]}}
    # ...nor does "More feedback" open the modal for them.
    fake_slack.reset_calls()
    slack.button(ids.ACTION_SURVEY_MORE, str(talk_id), user=SPEAKER, channel=f"D{SPEAKER}", message_ts="1.0")
    assert _replies(fake_slack) == [REFUSAL[SPEAKER]]
    assert fake_slack.calls_to("views.open") == []
    assert answers(container, talk_id) == {}

    # A recipient's click naming someone else's DM: their answer counts, but only their own recorded DM changes.
    fake_slack.reset_calls()
    other_dm = dms[OTHER].response
    slack.button(
        f"{ids.ACTION_SURVEY_RATE}_4",
        f"{talk_id}:4",
        user=ATTENDEE,
        channel=other_dm["channel"],
        message_ts=other_dm["ts"],
        block_id=ids.BLOCK_SURVEY_RATING,
    )
    [update] = fake_slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (
        dms[ATTENDEE].response["channel"],
        dms[ATTENDEE].response["ts"],
    )
    fake_slack.assert_no_call("chat.update", where=lambda c: c.params["ts"] == other_dm["ts"])
    assert "4/5" in block_texts(update.params["blocks"])
    assert {user: a.overall for user, a in answers(container, talk_id).items()} == {ATTENDEE: 4}

    # The ordinary path still works for the other recipient.
    fake_slack.reset_calls()
    rating_click(slack, dms[OTHER], user=OTHER, rating=5)
    fake_slack.wait_for("chat.update", where=lambda c: c.params["ts"] == other_dm["ts"])
    assert {user: a.overall for user, a in answers(container, talk_id).items()} == {ATTENDEE: 4, OTHER: 5}
