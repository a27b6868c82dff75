"""The new/edit talk form through the signed endpoint, in English and Japanese: labels as Slack shows them,
reminder presets that round-trip into the talk and back into the edit form, and errors that keep the input."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot import ids
from bot.container import Container
from bot.db.models import Talk
from tests.conftest import GENERAL, ORGANISER, RANDOM, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, open_new_modal, talk_values, talks_in_db
from tests.slack_driver import SlackDriver

LANGS = {"en": ORGANISER, "ja": SPEAKER}  # SPEAKER's Slack locale is ja-JP
PRESETS = {
    "en": ["1 day before", "1 hour before", "10 minutes before"],
    "ja": ["1日前", "1時間前", "10分前"],
}
USUAL = {"en": "1 day before and 10 minutes before", "ja": "1日前と10分前"}  # REMINDER_OFFSETS=1440,10
SUMMARY = {"en": "Post a summary of the answers", "ja": "回答の集計をお知らせのスレッドに投稿する"}


def _blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def _create(slack: SlackDriver, fake: FakeSlack, container: Container, user: str, **values: Any) -> Talk:
    view = open_new_modal(slack, fake, user=user)
    response = slack.submit_view(view, talk_values(speakers=[user], **values), user=user)
    assert ack_json(response) == {}
    deadline = time.monotonic() + 5
    while not (talks := talks_in_db(container)) or talks[-1].announcement_ts is None:
        assert time.monotonic() < deadline, "no announcement"
        time.sleep(0.02)
    return talks[-1]


def _open_edit(slack: SlackDriver, fake: FakeSlack, talk: Talk, user: str) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    slack.overflow(
        ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk.id}", user=user, channel=GENERAL, message_ts=talk.announcement_ts
    )
    return fake.wait_for("views.open", count=before + 1)[-1].params["view"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_form_labels_have_no_handwritten_optional_and_options_are_positive(
    slack: SlackDriver, fake_slack: FakeSlack, lang: str
) -> None:
    view = open_new_modal(slack, fake_slack, user=LANGS[lang])
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    everything = block_texts(view["blocks"])
    # Slack itself adds "(optional)" to optional inputs: the form never writes it.
    for word in ("optional", "任意", "Don't", "しない"):
        assert word not in everything, word
    assert len(labels) == len(set(labels))

    blocks = _blocks(view)
    reminders = blocks[ids.BLOCK_REMINDERS]
    assert reminders["optional"] is True and reminders["element"]["type"] == "multi_static_select"
    assert [o["text"]["text"] for o in reminders["element"]["options"]] == PRESETS[lang]
    assert [o["value"] for o in reminders["element"]["options"]] == ["1440", "60", "10"]
    assert "initial_options" not in reminders["element"]  # empty means the deployment's usual reminders
    assert USUAL[lang] in reminders["hint"]["text"]

    # Posting the summary is said positively and ticked by default.
    survey = blocks[ids.BLOCK_SURVEY_OPTIONS]["element"]
    assert survey["options"][0]["text"]["text"].startswith(SUMMARY[lang])
    assert survey["initial_options"] == survey["options"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_reminder_choices_round_trip_into_the_talk_and_back_into_the_edit_form(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    user = LANGS[lang]
    talk = _create(slack, fake_slack, container, user, reminders=["1440", "60"])
    assert talk.reminder_offsets == "1440,60"

    edit = _blocks(_open_edit(slack, fake_slack, talk, user))[ids.BLOCK_REMINDERS]["element"]
    assert [o["value"] for o in edit["initial_options"]] == ["1440", "60"]
    assert [o["text"]["text"] for o in edit["initial_options"]] == PRESETS[lang][:2]

    # Cleared, the talk goes back to the deployment's usual reminders.
    view = _open_edit(slack, fake_slack, talk, user)
    values = talk_values(include_channel=False, speakers=[user], reminders=[])
    assert ack_json(slack.submit_view(view, values, user=user)) == {}
    fake_slack.wait_for("chat.update")
    assert talks_in_db(container)[-1].reminder_offsets is None


def test_a_lead_from_the_old_typed_field_is_offered_selected_and_kept(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = _create(slack, fake_slack, container, ORGANISER)
    with container.db.session() as session:
        stored = session.get(Talk, talk.id)
        assert stored is not None
        stored.reminder_offsets = "1440,45"  # typed by hand before the presets existed

    view = _open_edit(slack, fake_slack, talk, ORGANISER)
    element = _blocks(view)[ids.BLOCK_REMINDERS]["element"]
    assert [o["text"]["text"] for o in element["options"]] == [
        "1 day before",
        "1 hour before",
        "45 minutes before",
        "10 minutes before",
    ]
    kept = [o["value"] for o in element["initial_options"]]
    assert kept == ["1440", "45"]
    values = talk_values(include_channel=False, speakers=[ORGANISER], title="Renamed", reminders=kept)
    assert ack_json(slack.submit_view(view, values, user=ORGANISER)) == {}
    fake_slack.wait_for("chat.update")
    saved = talks_in_db(container)[-1]
    assert (saved.title, saved.reminder_offsets) == ("Renamed", "1440,45")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_error_keeps_what_was_typed(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    """An error answers with `response_action: errors` only: Slack then keeps the form and everything in it.
    Answering with a view (update/push) or calling views.update would replace what the person typed."""
    user = LANGS[lang]
    view = open_new_modal(slack, fake_slack, user=user)
    fake_slack.reset_calls()
    cases: list[dict[str, Any]] = [
        {"title": " "},
        {"speakers": []},
        {"start": int(time.time()) - 3600},
        {"duration": "5"},
        {"url": "http://insecure.example.com"},
        {"reminders": ["1440", "60", "10", "30", "20", "5"]},  # more than the five Slack lets through
    ]
    for overrides in cases:
        values = talk_values(**{"speakers": [user], **overrides})
        body = ack_json(slack.submit_view(view, values, user=user))
        assert set(body) == {"response_action", "errors"} and body["response_action"] == "errors", overrides
    # A Slack problem while checking the channel keeps the form too.
    fake_slack.rate_limit_next("conversations.info", retry_after=30)
    body = ack_json(slack.submit_view(view, talk_values(speakers=[user], channel=RANDOM), user=user))
    assert set(body) == {"response_action", "errors"}
    # The edit form behaves the same.
    talk = _create(slack, fake_slack, container, user)
    fake_slack.reset_calls()
    edit = _open_edit(slack, fake_slack, talk, user)
    body = ack_json(slack.submit_view(edit, talk_values(include_channel=False, title="", speakers=[user]), user=user))
    assert set(body) == {"response_action", "errors"}
    for method in ("views.update", "views.push"):
        fake_slack.assert_no_call(method, within=0.2)
    assert [t.title for t in talks_in_db(container)] == ["Intro to Rust"]
    # Corrected, the same form goes through.
    assert ack_json(slack.submit_view(view, talk_values(speakers=[user], title="Second talk"), user=user)) == {}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "That didn't work. Slack took too long to answer: please try again."),
        ("ja", "うまくいきませんでした。Slackの応答に時間がかかりすぎました。もう一度お試しください。"),
    ],
)
def test_a_slack_failure_on_the_menu_says_what_to_do_without_the_code(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str, expected: str
) -> None:
    user = LANGS[lang]
    talk = _create(slack, fake_slack, container, user)
    fake_slack.reset_calls()
    fake_slack.fail_next("views.open", "expired_trigger_id")
    slack.overflow(
        ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk.id}", user=user, channel=GENERAL, message_ts=talk.announcement_ts
    )
    [notice] = fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == user)
    assert notice.params["text"] == expected
