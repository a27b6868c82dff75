"""The new/edit talk form through the signed endpoint, in English and Japanese: labels as Slack shows them,
reminder presets that round-trip into the talk and back into the edit form, errors that keep the input, only the
chosen stream kind's fields (redrawn with views.update and the view's hash), and the rarely used fields behind
"More options", kept or defaulted when hidden."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from bot import ids
from bot.container import Container
from bot.db.models import StreamKind, SurveyConfig, Talk
from tests.conftest import GENERAL, ORGANISER, RANDOM, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import (
    ack_json,
    block_texts,
    choose_stream,
    more_options,
    open_full_form,
    open_new_modal,
    reminder_values,
    talk_values,
    talks_in_db,
)
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


# What the form shows before "More options" (new talk; the edit form has no channel).
FIRST_SIGHT = [
    ids.BLOCK_TITLE,
    ids.BLOCK_DESCRIPTION,
    ids.BLOCK_SPEAKERS,
    ids.BLOCK_START,
    ids.BLOCK_DURATION,
    ids.BLOCK_CHANNEL,
    ids.BLOCK_STREAM_KIND,
    ids.BLOCK_STREAM_URL,
    ids.BLOCK_TALK_FORM_SUMMARY,
    ids.BLOCK_TALK_FORM_MORE,
]
RARE = {ids.BLOCK_LANGUAGE, ids.BLOCK_REMINDERS, ids.BLOCK_SURVEY_QUESTION, ids.BLOCK_SURVEY_OPTIONS}
MORE = {"en": "More options", "ja": "詳細設定"}
NOT_SHOWN = {
    "en": "Choose “Link I'll provide” again to show the field for the link.",
    "ja": "リンクの入力欄を表示するには、「リンクを自分で用意」をもう一度選んでください。",
}
PRESETS_PHRASE = {"en": "1 day before and 1 hour before", "ja": "1日前と1時間前"}
SUMMARY_LINE = {
    "en": "Announcement in English · Reminders: 1 day before and 10 minutes before",
    "ja": "お知らせの言語：日本語・リマインダー：1日前と10分前",
}


def _ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"]]


def _wait_announced(container: Container) -> Talk:
    deadline = time.monotonic() + 5
    while not (talks := talks_in_db(container)) or talks[-1].announcement_ts is None:
        assert time.monotonic() < deadline, "no announcement"
        time.sleep(0.02)
    return talks[-1]


def _create(
    slack: SlackDriver, fake: FakeSlack, container: Container, user: str, *, more: bool = False, **values: Any
) -> Talk:
    view = open_full_form(slack, fake, user=user) if more else open_new_modal(slack, fake, user=user)
    response = slack.submit_view(view, talk_values(speakers=[user], **values), user=user)
    assert ack_json(response) == {}
    return _wait_announced(container)


def _open_edit(slack: SlackDriver, fake: FakeSlack, talk: Talk, user: str) -> dict[str, Any]:
    """The edit form as Slack holds it (with its id and hash)."""
    before = len(fake.calls_to("views.open"))
    slack.overflow(
        ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk.id}", user=user, channel=GENERAL, message_ts=talk.announcement_ts
    )
    return dict(fake.wait_for("views.open", count=before + 1)[before].response["view"])


def _open_new(slack: SlackDriver, fake: FakeSlack, user: str) -> dict[str, Any]:
    """The new-talk form as Slack holds it (with its id and hash)."""
    before = len(fake.calls_to("views.open"))
    assert slack.command("new", user=user, channel=GENERAL).status_code == 200
    return dict(fake.wait_for("views.open", count=before + 1)[before].response["view"])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_form_labels_have_no_handwritten_optional_and_options_are_positive(
    slack: SlackDriver, fake_slack: FakeSlack, lang: str
) -> None:
    view = open_full_form(slack, fake_slack, user=LANGS[lang])
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
    talk = _create(slack, fake_slack, container, user, more=True, reminders=["1440", "60"])
    assert talk.reminder_offsets == "1440,60"

    opened = _open_edit(slack, fake_slack, talk, user)
    edit = _blocks(more_options(slack, fake_slack, opened, user=user))[ids.BLOCK_REMINDERS]["element"]
    assert [o["value"] for o in edit["initial_options"]] == ["1440", "60"]
    assert [o["text"]["text"] for o in edit["initial_options"]] == PRESETS[lang][:2]

    # Cleared, the talk goes back to the deployment's usual reminders.
    view = more_options(slack, fake_slack, _open_edit(slack, fake_slack, talk, user), user=user)
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

    view = more_options(slack, fake_slack, _open_edit(slack, fake_slack, talk, ORGANISER), user=ORGANISER)
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
    view = open_full_form(slack, fake_slack, user=user)
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
    # "Link I'll provide" chosen and submitted before the form showed the link field: the error is on the choice.
    youtube = choose_stream(slack, fake_slack, view, "youtube", user=user, values=talk_values(speakers=[user]))
    body = ack_json(slack.submit_view(youtube, talk_values(speakers=[user], stream="manual"), user=user))
    assert body["response_action"] == "errors" and list(body["errors"]) == [ids.BLOCK_STREAM_KIND]
    assert body["errors"][ids.BLOCK_STREAM_KIND] == NOT_SHOWN[lang]


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


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_form_first_shows_the_usual_fields_and_the_link_only_for_a_link_of_ones_own(
    slack: SlackDriver, fake_slack: FakeSlack, lang: str
) -> None:
    user = LANGS[lang]
    view = _open_new(slack, fake_slack, user)
    assert _ids(view) == FIRST_SIGHT
    blocks = _blocks(view)
    kind = blocks[ids.BLOCK_STREAM_KIND]
    assert kind["dispatch_action"] is True and kind["element"]["initial_option"]["value"] == "manual"
    assert blocks[ids.BLOCK_STREAM_URL].get("optional", False) is False  # shown only when it is needed
    assert blocks[ids.BLOCK_TALK_FORM_SUMMARY]["elements"][0]["text"] == SUMMARY_LINE[lang]
    [button] = blocks[ids.BLOCK_TALK_FORM_MORE]["elements"]
    assert (button["action_id"], button["text"]["text"]) == (ids.ACTION_TALK_FORM_MORE, MORE[lang])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_choosing_the_stream_kind_redraws_the_form_keeping_what_was_typed(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    user = LANGS[lang]
    opened = _open_new(slack, fake_slack, user)
    typed = talk_values(speakers=[user], title="Typed título 発表", description="Typed\nacross lines", duration="50")

    # YouTube: the bot updates this very form (its id and hash, so a newer form is never overwritten).
    youtube = choose_stream(slack, fake_slack, opened, "youtube", user=user, values=typed)
    [update] = fake_slack.calls_to("views.update")
    assert (update.params["view_id"], update.params["hash"]) == (opened["id"], opened["hash"])
    assert ids.BLOCK_STREAM_URL not in _ids(youtube)
    blocks = _blocks(youtube)
    assert blocks[ids.BLOCK_TITLE]["element"]["initial_value"] == "Typed título 発表"
    assert blocks[ids.BLOCK_DESCRIPTION]["element"]["initial_value"] == "Typed\nacross lines"
    assert blocks[ids.BLOCK_DURATION]["element"]["initial_value"] == "50"
    assert blocks[ids.BLOCK_SPEAKERS]["element"]["initial_users"] == [user]
    assert blocks[ids.BLOCK_CHANNEL]["element"]["initial_conversation"] == GENERAL
    assert blocks[ids.BLOCK_STREAM_KIND]["element"]["initial_option"]["value"] == "youtube"
    assert youtube["private_metadata"] == opened["private_metadata"]

    # More options: the rare fields appear (with the announce-link option, a YouTube one), the rest is kept.
    typed = {**typed, ids.BLOCK_STREAM_KIND: talk_values(stream="youtube")[ids.BLOCK_STREAM_KIND]}
    full = more_options(slack, fake_slack, youtube, user=user, values=typed)
    assert RARE | {ids.BLOCK_ANNOUNCE_LINK} <= set(_ids(full))
    assert ids.BLOCK_TALK_FORM_MORE not in _ids(full) and ids.BLOCK_STREAM_URL not in _ids(full)
    assert _blocks(full)[ids.BLOCK_TITLE]["element"]["initial_value"] == "Typed título 発表"
    assert fake_slack.calls_to("views.update")[-1].params["hash"] == youtube["hash"]

    # Back to a link of one's own: the link field is back, the rare fields stay open with their choices.
    other = "ja" if lang == "en" else "en"
    typed = {
        **typed,
        ids.BLOCK_LANGUAGE: talk_values(language=other)[ids.BLOCK_LANGUAGE],
        ids.BLOCK_REMINDERS: reminder_values(["60"]),
        ids.BLOCK_SURVEY_QUESTION: {ids.ACTION_SURVEY_QUESTION: {"type": "plain_text_input", "value": "What next?"}},
        ids.BLOCK_SURVEY_OPTIONS: {ids.ACTION_SURVEY_OPTIONS: {"type": "checkboxes", "selected_options": []}},
    }
    manual = choose_stream(slack, fake_slack, full, "manual", user=user, values=typed)
    blocks = _blocks(manual)
    assert ids.BLOCK_STREAM_URL in blocks and ids.BLOCK_ANNOUNCE_LINK not in blocks
    assert blocks[ids.BLOCK_LANGUAGE]["element"]["initial_option"]["value"] == other
    assert [o["value"] for o in blocks[ids.BLOCK_REMINDERS]["element"]["initial_options"]] == ["60"]
    assert blocks[ids.BLOCK_SURVEY_QUESTION]["element"]["initial_value"] == "What next?"
    assert "initial_options" not in blocks[ids.BLOCK_SURVEY_OPTIONS]["element"]
    assert blocks[ids.BLOCK_DESCRIPTION]["element"]["initial_value"] == "Typed\nacross lines"
    assert fake_slack.validation_errors == []

    # Submitted with everything shown: the talk has what was chosen.
    final = {**typed, **talk_values(speakers=[user], title="Typed título 発表", description="Typed\nacross lines")}
    final = {**final, ids.BLOCK_LANGUAGE: typed[ids.BLOCK_LANGUAGE], ids.BLOCK_REMINDERS: typed[ids.BLOCK_REMINDERS]}
    assert ack_json(slack.submit_view(manual, final, user=user)) == {}
    talk = _wait_announced(container)
    assert (talk.title, talk.description, talk.stream_kind, talk.stream_url) == (
        "Typed título 発表",
        "Typed\nacross lines",
        StreamKind.MANUAL,
        "https://zoom.example.com/j/123",
    )
    assert (talk.language, talk.reminder_offsets) == (other, "60")
    with container.db.session() as session:
        config = session.get(SurveyConfig, talk.id)
        assert config is not None and (config.custom_question, config.post_summary) == ("What next?", False)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_submission_without_the_hidden_fields_uses_the_defaults(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    user = LANGS[lang]
    opened = _open_new(slack, fake_slack, user)
    meet = choose_stream(slack, fake_slack, opened, "meet", user=user, values=talk_values(speakers=[user]))
    # Whatever the test passes, only the fields on screen reach the bot (the driver keeps what Slack would send).
    values = talk_values(speakers=[user], stream="meet", title="Hidden defaults", reminders=["60"], language="ja")
    assert ack_json(slack.submit_view(meet, values, user=user)) == {}
    talk = _wait_announced(container)
    assert (talk.title, talk.stream_kind, talk.stream_url) == ("Hidden defaults", StreamKind.MEET, None)
    assert (talk.language, talk.reminder_offsets, talk.announce_link) == (lang, None, False)
    with container.db.session() as session:
        config = session.get(SurveyConfig, talk.id)
        assert config is None or (config.custom_question, config.post_summary) == (None, True)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_edit_form_keeps_the_talks_own_values_in_the_fields_it_hides(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    user = LANGS[lang]
    other = "ja" if lang == "en" else "en"
    full = open_full_form(slack, fake_slack, user=user)
    meet = choose_stream(slack, fake_slack, full, "meet", user=user, values=talk_values(speakers=[user]))
    values = talk_values(speakers=[user], stream="meet", language=other, reminders=["1440", "60"])
    values[ids.BLOCK_ANNOUNCE_LINK] = {
        ids.ACTION_ANNOUNCE_LINK: {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
    }
    assert ack_json(slack.submit_view(meet, values, user=user)) == {}
    talk = _wait_announced(container)
    assert (talk.language, talk.reminder_offsets, talk.announce_link) == (other, "1440,60", True)

    # The edit form hides them, says what they hold, and saving leaves them as they are.
    edit = _open_edit(slack, fake_slack, talk, user)
    assert not RARE & set(_ids(edit)) and ids.BLOCK_CHANNEL not in _ids(edit)
    summary = _blocks(edit)[ids.BLOCK_TALK_FORM_SUMMARY]["elements"][0]["text"]
    assert PRESETS_PHRASE[lang] in summary
    renamed = talk_values(include_channel=False, speakers=[user], stream="meet", title="Renamed")
    assert ack_json(slack.submit_view(edit, renamed, user=user)) == {}
    fake_slack.wait_for("chat.update")
    saved = talks_in_db(container)[-1]
    assert (saved.title, saved.language, saved.reminder_offsets, saved.announce_link) == (
        "Renamed",
        other,
        "1440,60",
        True,
    )

    # "More options" in the edit form shows the talk's values, not the defaults.
    edit = _open_edit(slack, fake_slack, saved, user)
    typed = talk_values(include_channel=False, speakers=[user], stream="meet", title="Renamed again")
    shown = _blocks(more_options(slack, fake_slack, edit, user=user, values=typed))
    assert shown[ids.BLOCK_LANGUAGE]["element"]["initial_option"]["value"] == other
    assert [o["value"] for o in shown[ids.BLOCK_REMINDERS]["element"]["initial_options"]] == ["1440", "60"]
    assert shown[ids.BLOCK_ANNOUNCE_LINK]["element"]["initial_options"][0]["value"] == "yes"
    assert shown[ids.BLOCK_TITLE]["element"]["initial_value"] == "Renamed again"
    assert ids.BLOCK_SURVEY_QUESTION not in shown  # survey choices belong to the new-talk form only


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_stale_hash_leaves_the_form_as_it_is_without_an_error_to_the_user(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    user = LANGS[lang]
    opened = _open_new(slack, fake_slack, user)
    values = talk_values(speakers=[user])
    youtube = choose_stream(slack, fake_slack, opened, "youtube", user=user, values=values)
    # A second choice whose payload still carries the first hash (its redraw raced the first one).
    slack.view_radio(opened, ids.ACTION_STREAM_KIND, "meet", user=user, values=values)
    [_, stale] = fake_slack.wait_for("views.update", count=2)
    assert stale.params["hash"] == opened["hash"] and stale.response["error"] == "hash_conflict"
    assert fake_slack.views[opened["id"]]["hash"] == youtube["hash"]  # the newer form stays
    for method in ("chat.postEphemeral", "chat.postMessage"):
        fake_slack.assert_no_call(method, within=0.3)
    # The form on screen still works.
    done = talk_values(speakers=[user], stream="youtube", title="After a race")
    assert ack_json(slack.submit_view(youtube, done, user=user)) == {}
    assert _wait_announced(container).stream_kind is StreamKind.YOUTUBE


def test_the_click_is_acknowledged_at_once_and_the_redraw_follows_when_slack_is_slow(
    slack: SlackDriver, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """views.update needs no trigger_id: it runs after the ack, so a slow Slack never costs the click its 3 s."""
    opened = _open_new(slack, fake_slack, SPEAKER)
    fake_slack.delay_next("views.update", 3.5)
    started = time.monotonic()
    response = slack.view_button(opened, ids.ACTION_TALK_FORM_MORE, "more", user=SPEAKER, values={})
    assert response.status_code == 200 and time.monotonic() - started < 1.5
    [update] = fake_slack.wait_for("views.update", timeout=8)
    assert update.ok and ids.BLOCK_LANGUAGE in _ids(update.response["view"])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(("bot", "lunchlearn"))]
