"""The survey through the signed HTTP endpoint: recipients, the DM, one-click rating, the modal, edits,
the closed state, the reminder, English and Japanese. Asserts what the fake Slack received and the DB holds."""

from __future__ import annotations

import time
from datetime import timedelta

from bot import ids
from bot.container import Container
from bot.db.models import Question, QuestionSource, QuestionVote, SurveyConfig, SurveyMessageStatus, Talk
from bot.scheduling import jobs
from tests.conftest import ATTENDEE, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import answers, ended_talk, rating_click, rows, survey_dms

JAPANESE = "UJAPAN"
ASKER = "UASKER"
VOTER = "UVOTER"


def _people(fake: FakeSlack) -> None:
    fake.add_user(JAPANESE, name="hana", locale="ja-JP", tz="Asia/Tokyo")
    fake.add_user(ASKER, name="asa", locale="en-US", tz="UTC")
    fake.add_user(VOTER, name="vic", locale="en-US", tz="UTC")


def test_people_who_reacted_during_the_talk_are_asked_too(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    _people(fake_slack)

    def react(talk_id: int) -> None:
        container.lifecycle.go_live(talk_id)
        with container.db.session() as session:
            talk = session.get(Talk, talk_id)
        assert talk is not None and talk.live_ts
        for user, ts, emoji in (
            (VOTER, talk.live_ts, "clap::skin-tone-2"),  # during the talk: asked
            (VOTER, talk.live_ts, "bulb"),  # twice: still asked once
            (ASKER, talk.announcement_ts, "tada"),  # on the announcement before the talk: not asked
            (SPEAKER, talk.live_ts, "clap"),  # speakers get the report instead
        ):
            event = {
                "type": "reaction_added",
                "user": user,
                "reaction": emoji,
                "item": {"type": "message", "channel": talk.live_channel, "ts": ts},
                "item_user": "UBOT",
                "event_ts": f"{time.time():.6f}",
            }
            assert slack.event(event).status_code == 200
        container.reactions.flush()

    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE], during=react)
    assert container.surveys.recipients(talk_id) == {ATTENDEE, VOTER}


def test_recipients_are_rsvps_askers_voters_minus_speakers_each_once(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    _people(fake_slack)

    def questions(talk_id: int) -> None:
        # Questions asked and voted on during the talk (the questions feature's tables).
        with container.db.session() as session:
            question = Question(talk_id=talk_id, text="What about async?", asker_id=ASKER, source=QuestionSource.MODAL)
            session.add(question)
            session.flush()
            session.add(QuestionVote(question_id=question.id, user_id=VOTER))
            session.add(QuestionVote(question_id=question.id, user_id=ATTENDEE))

    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE, SPEAKER, JAPANESE], during=questions)
    assert container.surveys.recipients(talk_id) == {ATTENDEE, JAPANESE, ASKER, VOTER}
    # The talk_ended hook queued them (once each); running it again adds nobody.
    assert sorted(r.user_id for r in rows(container, talk_id)) == sorted([ATTENDEE, JAPANESE, ASKER, VOTER])
    assert container.surveys.open_survey(talk_id) == 0  # the hook running twice adds nobody
    stats = container.surveys.run_worker()
    assert stats.sent == 4
    dms = survey_dms(fake_slack)
    assert sorted(c.params["channel"] for c in dms) == sorted([ATTENDEE, JAPANESE, ASKER, VOTER])
    fake_slack.assert_no_call("conversations.open")  # posted to the user id directly
    assert all(r.status is SurveyMessageStatus.SENT and r.dm_ts for r in rows(container, talk_id))
    # Running the worker again sends nothing.
    assert container.surveys.run_worker().sent == 0
    assert len(survey_dms(fake_slack)) == 4

    english = next(c for c in dms if c.params["channel"] == ATTENDEE)
    text = block_texts(english.params["blocks"])
    assert "Intro to Rust" in text and "How was it overall?" in text and "More feedback" in text
    rating_ids = [
        e["action_id"]
        for b in english.params["blocks"]
        if b.get("block_id") == ids.BLOCK_SURVEY_RATING
        for e in b["elements"]
    ]
    assert rating_ids == [f"{ids.ACTION_SURVEY_RATE}_{n}" for n in range(1, 6)]
    japanese = next(c for c in dms if c.params["channel"] == JAPANESE)
    assert "全体としていかがでしたか" in block_texts(japanese.params["blocks"])
    assert "詳しく回答する" in block_texts(japanese.params["blocks"])


def test_click_modal_edit_and_closed(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    _people(fake_slack)
    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE, JAPANESE], question="Which language next?")
    container.surveys.run_worker()
    dm = next(c for c in survey_dms(fake_slack) if c.params["channel"] == ATTENDEE)
    fake_slack.reset_calls()

    # One click: answer stored, the DM says thanks with the rating.
    assert rating_click(slack, dm, user=ATTENDEE, rating=4).status_code == 200
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["ts"] == dm.response["ts"]
    assert "Thanks, your answer: *4/5*" in block_texts(update.params["blocks"])
    assert answers(container, talk_id)[ATTENDEE].overall == 4

    # More feedback / Edit: the modal, prefilled, with the custom question and an unticked share box.
    fake_slack.reset_calls()
    slack.button(
        ids.ACTION_SURVEY_MORE,
        str(talk_id),
        user=ATTENDEE,
        channel=dm.response["channel"],
        message_ts=dm.response["ts"],
    )
    [opened] = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[ids.BLOCK_SURVEY_OVERALL]["element"]["initial_option"]["value"] == "4"
    assert blocks[ids.BLOCK_SURVEY_CUSTOM]["label"]["text"] == "Which language next?"
    assert "initial_options" not in blocks[ids.BLOCK_SURVEY_SHARE]["element"]
    values = {
        ids.BLOCK_SURVEY_OVERALL: {
            ids.ACTION_SURVEY_OVERALL: {"type": "static_select", "selected_option": {"value": "5"}}
        },
        ids.BLOCK_SURVEY_USEFULNESS: {
            ids.ACTION_SURVEY_USEFULNESS: {"type": "static_select", "selected_option": {"value": "3"}}
        },
        ids.BLOCK_SURVEY_IMPROVE: {ids.ACTION_SURVEY_IMPROVE: {"type": "plain_text_input", "value": "More demos"}},
        ids.BLOCK_SURVEY_TOPICS: {ids.ACTION_SURVEY_TOPICS: {"type": "plain_text_input", "value": "Tokio"}},
        ids.BLOCK_SURVEY_CUSTOM: {ids.ACTION_SURVEY_CUSTOM: {"type": "plain_text_input", "value": "Go"}},
        ids.BLOCK_SURVEY_SHARE: {ids.ACTION_SURVEY_SHARE: {"type": "checkboxes", "selected_options": []}},
    }
    fake_slack.reset_calls()
    response = slack.submit_view({**view, "id": opened.response["view"]["id"]}, values, user=ATTENDEE)
    assert response.status_code == 200 and ack_json(response) == {}
    [update] = fake_slack.wait_for("chat.update")
    assert "Thanks, your answer: *5/5*" in block_texts(update.params["blocks"])
    answer = answers(container, talk_id)[ATTENDEE]
    assert (answer.overall, answer.usefulness, answer.improve, answer.topics, answer.custom_answer) == (
        5,
        3,
        "More demos",
        "Tokio",
        "Go",
    )
    assert answer.share_name is False

    # Edited again with one click: the rating changes, the modal's answers stay.
    fake_slack.reset_calls()
    rating_click(slack, dm, user=ATTENDEE, rating=2)
    fake_slack.wait_for("chat.update")
    answer = answers(container, talk_id)[ATTENDEE]
    assert (answer.overall, answer.improve) == (2, "More demos")

    # Closed: a late click is refused (in the user's language) and changes nothing.
    container.surveys.close(talk_id)
    fake_slack.reset_calls()
    rating_click(slack, dm, user=ATTENDEE, rating=5)
    deadline = time.monotonic() + 5
    replies: list = []
    while time.monotonic() < deadline and not replies:
        replies = [c for c in fake_slack.calls if c.method.startswith("webhook/action-")]
        time.sleep(0.02)
    assert replies and replies[0].params["text"] == "This survey has closed. Thanks anyway!"
    assert answers(container, talk_id)[ATTENDEE].overall == 2
    response = slack.submit_view({**view, "id": opened.response["view"]["id"]}, values, user=ATTENDEE)
    assert ack_json(response)["response_action"] == "errors"
    ja_dm = (
        next(c for c in survey_dms(fake_slack) if c.params["channel"] == JAPANESE) if survey_dms(fake_slack) else None
    )
    assert ja_dm is None  # nothing new was sent after close
    fake_slack.reset_calls()
    slack.button(f"{ids.ACTION_SURVEY_RATE}_3", f"{talk_id}:3", user=JAPANESE, channel=f"D{JAPANESE}", message_ts="1.0")
    deadline = time.monotonic() + 5
    replies = []
    while time.monotonic() < deadline and not replies:
        replies = [c for c in fake_slack.calls if c.method.startswith("webhook/action-")]
        time.sleep(0.02)
    assert replies[0].params["text"] == "このアンケートは締め切りました。ありがとうございました！"


def test_reminder_only_to_non_respondents_once(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    _people(fake_slack)
    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE, OTHER, JAPANESE])
    container.surveys.run_worker()
    dm = next(c for c in survey_dms(fake_slack) if c.params["channel"] == ATTENDEE)
    rating_click(slack, dm, user=ATTENDEE, rating=5)
    deadline = time.monotonic() + 5
    while ATTENDEE not in answers(container, talk_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    fake_slack.reset_calls()

    with container.db.session() as session:
        config = session.get(SurveyConfig, talk_id)
        assert config is not None and config.reminder_at is not None and config.closes_at is not None
        reminder_at, closes_at = config.reminder_at, config.closes_at
        assert closes_at - reminder_at == timedelta(hours=48)  # defaults 24 h and 72 h after the end
    jobs.bind(container)
    jobs.survey_reminder(talk_id, now=reminder_at)
    container.surveys.run_worker()
    reminders = survey_dms(fake_slack, "reminder")
    assert sorted(c.params["channel"] for c in reminders) == sorted([OTHER, JAPANESE])
    assert "A last reminder" in block_texts(next(c for c in reminders if c.params["channel"] == OTHER).params["blocks"])
    assert "最後のお願い" in block_texts(next(c for c in reminders if c.params["channel"] == JAPANESE).params["blocks"])
    # Running the job again (a retry, a second replica) sends nothing more; after close it does nothing.
    jobs.survey_reminder(talk_id, now=reminder_at + timedelta(minutes=5))
    container.surveys.run_worker()
    assert len(survey_dms(fake_slack, "reminder")) == 2
    assert container.surveys.send_reminders(talk_id, now=closes_at) == 0


def test_talk_modal_offers_survey_choices(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    from tests.helpers import open_full_form

    view = open_full_form(slack, fake_slack)  # behind "More options"
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert ids.BLOCK_SURVEY_QUESTION in block_ids and ids.BLOCK_SURVEY_OPTIONS in block_ids
    fake_slack.reset_calls()
    talk_id, _ = ended_talk(slack, fake_slack, container, going=[], question="  Favourite   crate? ", no_summary=True)
    with container.db.session() as session:
        config = session.get(SurveyConfig, talk_id)
        assert config is not None
        assert (config.custom_question, config.post_summary) == ("Favourite crate?", False)


def test_talk_ended_hook_opens_the_survey_and_undeliverable_users_are_recorded(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    # lifecycle.end fired talk_ended: the rows exist already (ended_talk called it).
    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE, OTHER, ORGANISER])
    assert sorted(r.user_id for r in rows(container, talk_id)) == sorted([ATTENDEE, OTHER, ORGANISER])
    fake_slack.fail_next("chat.postMessage", "account_inactive")  # the first row in id order
    stats = container.surveys.run_worker()
    assert (stats.sent, stats.undeliverable) == (2, 1)
    [dead] = [r for r in rows(container, talk_id) if r.status is SurveyMessageStatus.UNDELIVERABLE]
    assert dead.last_error == "account_inactive"
    assert container.surveys.run_worker().sent == 0  # not retried
    # Tried once, never sent, and the one attempt was the only DM the fake saw for that person.
    assert (dead.attempts, dead.sent_at, dead.dm_ts) == (1, None, None)
    attempts = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == dead.user_id]
    assert [c.error for c in attempts] == ["account_inactive"]
