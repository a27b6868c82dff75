"""Live questions through the signed HTTP endpoint against the fake Slack: three ways to ask, votes, the speakers'
boards, moderation, rate limit, anonymity on every surface, after-talk answers, event retries."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot import ids
from bot.container import Container
from bot.db.models import OutboxMessage, QuestionSource, QuestionStatus
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts
from tests.questions.helpers import (
    ask_by_modal,
    live_talk,
    open_ask_modal,
    question_posts,
    question_values,
    questions_in_db,
    vote,
    votes_in_db,
    wait_until,
)
from tests.scenario.test_talk_flow import create_talk
from tests.slack_driver import SlackDriver


def thread_reply(text: str, *, user: str, thread_ts: str, ts: str, **extra: object) -> dict[str, object]:
    return {
        "type": "message",
        "channel": GENERAL,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "event_ts": ts,
        **extra,
    }


def test_ask_button_modal_posts_in_thread_and_opens_boards(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, announcement_ts, live_ts = live_talk(slack, fake_slack, container)
    # The live post carries the ask button; the speaker and the organiser each got a board.
    live_post = fake_slack.message(GENERAL, live_ts)
    assert ids.ACTION_ASK_QUESTION in json.dumps(live_post["blocks"])
    boards = fake_slack.wait_for(
        "chat.postMessage", count=2, where=lambda c: c.params["channel"] in (SPEAKER, ORGANISER)
    )
    assert "まだ質問はありません" in block_texts(
        next(c for c in boards if c.params["channel"] == SPEAKER).params["blocks"]
    )

    view = open_ask_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, message_ts=live_ts)
    assert view["callback_id"] == ids.CALLBACK_QUESTION_ASK
    # Inline errors: empty, too long; nothing stored.
    errors = ack_json(slack.submit_view(view, question_values("   "), user=ATTENDEE))["errors"]
    assert errors == {ids.BLOCK_QUESTION_TEXT: "Write your question first."}
    errors = ack_json(slack.submit_view(view, question_values("x" * 501), user=ATTENDEE))["errors"]
    assert "500 characters" in errors[ids.BLOCK_QUESTION_TEXT]
    assert questions_in_db(container, talk_id) == []

    response = slack.submit_view(
        view, question_values("How does the borrow checker work?"), user=ATTENDEE, view_id="VQ1"
    )
    assert ack_json(response) == {}
    [post] = fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params.get("thread_ts") == announcement_ts and "borrow" in c.params["text"],
    )
    text = block_texts(post.params["blocks"])
    assert "How does the borrow checker work?" in text and f"<@{ATTENDEE}>" in text and ":thumbsup: 0" in text
    wait_until(lambda: questions_in_db(container, talk_id)[0].thread_ts == post.response["ts"])
    [question] = questions_in_db(container, talk_id)
    assert question.source is QuestionSource.MODAL
    assert question.asker_id == ATTENDEE and not question.anonymous
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == ATTENDEE and "is in" in c.params["text"]
    )
    container.refresher.flush()
    with container.db.session() as session:
        from bot.db.models import QuestionBoard

        rows = session.query(QuestionBoard).filter_by(talk_id=talk_id).all()
        assert {r.user_id for r in rows} == {SPEAKER, ORGANISER}
        boards = {r.user_id: (r.channel, r.ts) for r in rows}
    for channel, ts in boards.values():  # both boards re-rendered from the database
        assert "borrow checker" in block_texts(fake_slack.message(channel, ts)["blocks"])

    # Slack re-sending the same submission does not make a second question.
    slack.submit_view(view, question_values("How does the borrow checker work?"), user=ATTENDEE, view_id="VQ1")
    time.sleep(0.3)
    assert len(questions_in_db(container, talk_id)) == 1


def test_questions_in_advance_are_posted_at_go_live(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, announcement_ts = create_talk(slack, fake_slack, container)
    announcement = fake_slack.message(GENERAL, announcement_ts)
    assert ids.ACTION_ASK_QUESTION in json.dumps(announcement["blocks"])
    response = ask_by_modal(
        slack, fake_slack, talk_id=talk_id, user=OTHER, text="Will slides be shared?", message_ts=announcement_ts
    )
    assert ack_json(response) == {}
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: "will be posted when the talk starts" in c.params["text"])
    assert questions_in_db(container, talk_id)[0].thread_ts is None
    container.lifecycle.go_live(talk_id)
    fake_slack.wait_for("chat.postMessage", where=lambda c: "Will slides be shared?" in c.params["text"])
    wait_until(lambda: questions_in_db(container, talk_id)[0].thread_ts is not None)


def test_slash_command_asks_and_picks_among_several_live_talks(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    slack.command("ask Anything?", user=ATTENDEE)
    [reply] = fake_slack.wait_for(slack.last_webhook)
    assert "No talk is live in this channel" in reply.params["text"]

    talk_id, announcement_ts, _ = live_talk(slack, fake_slack, container)
    slack.command("ask What about async Rust?", user=ATTENDEE)
    fake_slack.wait_for("chat.postMessage", where=lambda c: "What about async Rust?" in c.params["text"])
    [question] = questions_in_db(container, talk_id)
    assert question.source is QuestionSource.COMMAND and not question.anonymous

    slack.command("ask anon Is unsafe ever OK?", user=OTHER)
    fake_slack.wait_for("chat.postMessage", where=lambda c: "Is unsafe ever OK?" in c.params["text"])
    anon = questions_in_db(container, talk_id)[-1]
    assert anon.anonymous and anon.text == "Is unsafe ever OK?"

    second_id, _, _ = live_talk(slack, fake_slack, container, title="Second talk")
    fake_slack.reset_calls()
    slack.command("ask Which talk gets this?", user=ATTENDEE)
    [picker] = fake_slack.wait_for(slack.last_webhook)
    select = picker.params["blocks"][0]["accessory"]
    assert select["action_id"] == ids.ACTION_QUESTION_PICK_TALK
    options = {o["text"]["text"]: o["value"] for o in select["options"]}
    assert set(options) == {"Intro to Rust", "Second talk"}
    option = {"text": {"type": "plain_text", "text": "Second talk"}, "value": options["Second talk"]}
    slack.click(
        {"type": "static_select", "action_id": ids.ACTION_QUESTION_PICK_TALK, "selected_option": option},
        user=ATTENDEE,
        channel=GENERAL,
        message_ts="1.0",
    )
    fake_slack.wait_for("chat.postMessage", where=lambda c: "Which talk gets this?" in c.params["text"])
    assert [q.text for q in questions_in_db(container, second_id)] == ["Which talk gets this?"]


def test_thread_reply_becomes_a_question_once(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk_id, announcement_ts, _ = live_talk(slack, fake_slack, container)
    event = thread_reply("Can we use this at work?", user=ATTENDEE, thread_ts=announcement_ts, ts="1800000000.000100")
    assert slack.event(event, event_id="EvQ1").status_code == 200
    retry = slack.event(
        event, event_id="EvQ1", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status_code == 200
    [reaction] = fake_slack.wait_for("reactions.add", where=lambda c: c.params["timestamp"] == "1800000000.000100")
    assert reaction.params["name"] == "eyes"
    fake_slack.wait_for("chat.postMessage", where=lambda c: "Can we use this at work?" in c.params["text"])
    # Not questions: a speaker's reply, the bot's own message, an edit, a reply elsewhere.
    slack.event(thread_reply("Great question!", user=SPEAKER, thread_ts=announcement_ts, ts="1800000000.000200"))
    slack.event(thread_reply("bot", user="UBOT", thread_ts=announcement_ts, ts="1800000000.000300", bot_id="BFAKE"))
    slack.event(
        thread_reply(
            "edited?", user=ATTENDEE, thread_ts=announcement_ts, ts="1800000000.000400", subtype="message_changed"
        )
    )
    slack.event(thread_reply("Unrelated?", user=ATTENDEE, thread_ts="1700000099.000100", ts="1800000000.000500"))
    # The same message delivered again under a new event id (Slack's retries keep the id; be safe anyway).
    slack.event(event, event_id="EvQ2")
    time.sleep(0.5)
    container.refresher.flush()
    [question] = questions_in_db(container, talk_id)
    assert question.source is QuestionSource.THREAD and question.text == "Can we use this at work?"
    assert len(fake_slack.calls_to("reactions.add")) >= 1
    assert len([c for c in question_posts(fake_slack) if "work?" in c.params["text"]]) == 1


def test_votes_toggle_ignore_double_clicks_and_refuse_own_question(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _, live_ts = live_talk(slack, fake_slack, container)
    ask_by_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, text="Votes?", message_ts=live_ts)
    wait_until(lambda: bool(questions_in_db(container, talk_id)) and questions_in_db(container, talk_id)[0].thread_ts)
    question = questions_in_db(container, talk_id)[0]
    assert question.thread_ts is not None

    # A frantic double click counts once.
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: vote(slack, question.id, user=OTHER, ts=question.thread_ts), range(3)))
    wait_until(lambda: votes_in_db(container, question.id) == [OTHER])
    fake_slack.wait_for(
        "chat.update",
        where=lambda c: c.params["ts"] == question.thread_ts and ":thumbsup: 1" in block_texts(c.params["blocks"]),
    )
    # The asker cannot vote for their own question.
    vote(slack, question.id, user=ATTENDEE, ts=question.thread_ts)
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == ATTENDEE and "your own question" in c.params["text"]
    )
    assert votes_in_db(container, question.id) == [OTHER]
    # A later click withdraws the vote.
    time.sleep(1.1)
    vote(slack, question.id, user=OTHER, ts=question.thread_ts)
    wait_until(lambda: votes_in_db(container, question.id) == [])

    def shows_no_vote() -> bool:  # the re-render is queued after the vote's commit: wait for it, then flush
        container.refresher.flush()
        return ":thumbsup: 0" in block_texts(fake_slack.message(GENERAL, question.thread_ts)["blocks"])

    wait_until(shows_no_vote)


def test_board_ranks_by_votes_then_time_and_updates_are_coalesced(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _, live_ts = live_talk(slack, fake_slack, container)
    for user, text in ((ATTENDEE, "First?"), (OTHER, "Second?"), (SPEAKER, "Third?")):
        slack.command(f"ask {text}", user=user)
        wait_until(lambda t=text: any(q.text == t and q.thread_ts for q in questions_in_db(container, talk_id)))
    first, second, third = questions_in_db(container, talk_id)
    container.refresher.flush()
    container.refresher.interval = 0.5  # production uses 3 s; the bound is the same
    fake_slack.reset_calls()
    voters = [f"UV{i:03d}" for i in range(30)]
    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda u: vote(slack, third.id, user=u, ts=third.thread_ts or ""), voters))
        list(pool.map(lambda u: vote(slack, second.id, user=u, ts=second.thread_ts or ""), voters[:10]))
    container.refresher.flush()
    elapsed = time.monotonic() - start
    with container.db.session() as session:
        from bot.db.models import QuestionBoard

        board = session.query(QuestionBoard).filter_by(talk_id=talk_id, user_id=ORGANISER).one()
    updates = [c for c in fake_slack.calls_to("chat.update") if c.params["ts"] == board.ts]
    assert 1 <= len(updates) <= elapsed / 0.5 + 2, (len(updates), elapsed)
    text = block_texts(fake_slack.message(board.channel, board.ts)["blocks"])
    assert text.index("Third?") < text.index("Second?") < text.index("First?")
    assert "*1.* Third?" in text and ":thumbsup: 30" in text


def test_moderation_is_for_organiser_and_speakers(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _, live_ts = live_talk(slack, fake_slack, container)
    ask_by_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, text="Off topic?", message_ts=live_ts)
    ask_by_modal(slack, fake_slack, talk_id=talk_id, user=OTHER, text="On topic?", message_ts=live_ts)
    wait_until(lambda: len([q for q in questions_in_db(container, talk_id) if q.thread_ts]) == 2)
    off, on = questions_in_db(container, talk_id)

    slack.button(ids.ACTION_QUESTION_HIDE, str(off.id), user=OTHER, channel=GENERAL, message_ts=live_ts)
    fake_slack.wait_for(
        "chat.postEphemeral",
        where=lambda c: c.params["user"] == OTHER and "Only the organiser or the speakers" in c.params["text"],
    )
    assert questions_in_db(container, talk_id)[0].status is QuestionStatus.OPEN

    slack.button(ids.ACTION_QUESTION_HIDE, str(off.id), user=SPEAKER, channel=f"D{SPEAKER}", message_ts="1.0")
    fake_slack.wait_for(
        "chat.update", where=lambda c: c.params["ts"] == off.thread_ts and "removed by a moderator" in c.params["text"]
    )
    [dm] = fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == ATTENDEE and "removed by a moderator" in c.params["text"],
    )
    assert "Off topic?" in dm.params["text"]
    assert "Off topic?" not in json.dumps(fake_slack.message(GENERAL, off.thread_ts or "")["blocks"])

    slack.button(ids.ACTION_QUESTION_ANSWERED, str(on.id), user=ORGANISER, channel=f"D{ORGANISER}", message_ts="1.0")
    fake_slack.wait_for(
        "chat.update", where=lambda c: c.params["ts"] == on.thread_ts and "Answered" in block_texts(c.params["blocks"])
    )
    statuses = [q.status for q in questions_in_db(container, talk_id)]
    assert statuses == [QuestionStatus.HIDDEN, QuestionStatus.ANSWERED]
    container.refresher.flush()
    with container.db.session() as session:
        from bot.db.models import QuestionBoard

        board = session.query(QuestionBoard).filter_by(talk_id=talk_id, user_id=SPEAKER).one()
    wait_until(lambda: "~On topic?~" in block_texts(fake_slack.message(board.channel, board.ts)["blocks"]))
    assert "Off topic?" not in block_texts(fake_slack.message(board.channel, board.ts)["blocks"])


def test_rate_limit_per_person(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk_id, _, live_ts = live_talk(slack, fake_slack, container)
    for n in range(5):
        slack.command(f"ask Question {n}?", user=ATTENDEE)
        wait_until(lambda n=n: len(questions_in_db(container, talk_id)) == n + 1)
    slack.command("ask One too many?", user=ATTENDEE)
    [reply] = fake_slack.wait_for(slack.last_webhook)
    assert "You've asked 5 questions in the last minute" in reply.params["text"]
    view = open_ask_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, message_ts=live_ts)
    errors = ack_json(slack.submit_view(view, question_values("Still too many?"), user=ATTENDEE))["errors"]
    assert "try again in" in errors[ids.BLOCK_QUESTION_TEXT]
    assert len(questions_in_db(container, talk_id)) == 5
    # Someone else is not limited.
    slack.command("ask My first?", user=OTHER)
    wait_until(lambda: len(questions_in_db(container, talk_id)) == 6)


def test_anonymous_asker_appears_on_no_surface(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    talk_id, _, live_ts = live_talk(slack, fake_slack, container)
    response = ask_by_modal(
        slack, fake_slack, talk_id=talk_id, user=ATTENDEE, text="Is this a secret?", message_ts=live_ts, anonymous=True
    )
    assert ack_json(response) == {}
    wait_until(
        lambda: bool(questions_in_db(container, talk_id)) and bool(questions_in_db(container, talk_id)[0].thread_ts)
    )
    slack.command("ask anon Second secret?", user=ATTENDEE)
    wait_until(lambda: len([q for q in questions_in_db(container, talk_id) if q.thread_ts]) == 2)
    first, second = questions_in_db(container, talk_id)
    assert first.anonymous and second.anonymous
    vote(slack, first.id, user=OTHER, ts=first.thread_ts or "")
    wait_until(lambda: votes_in_db(container, first.id) == [OTHER])
    # Hidden (asker told privately), then the talk ends and the speaker answers the other one afterwards.
    slack.button(ids.ACTION_QUESTION_HIDE, str(second.id), user=SPEAKER, channel=f"D{SPEAKER}", message_ts="1.0")
    fake_slack.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == ATTENDEE and "removed" in c.params["text"]
    )
    container.lifecycle.end(talk_id)
    [after] = fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params["channel"] == SPEAKER and ids.ACTION_QUESTION_ANSWER_LATER in json.dumps(c.params.get("blocks"))
        ),
    )
    slack.button(
        ids.ACTION_QUESTION_ANSWER_LATER,
        str(first.id),
        user=SPEAKER,
        channel=f"D{SPEAKER}",
        message_ts=after.response["ts"],
    )
    [opened] = fake_slack.wait_for(
        "views.open", where=lambda c: c.params["view"]["callback_id"] == ids.CALLBACK_QUESTION_ANSWER
    )
    answer = {ids.BLOCK_ANSWER_TEXT: {ids.ACTION_ANSWER_TEXT: {"type": "plain_text_input", "value": "Not any more."}}}
    assert ack_json(slack.submit_view(opened.params["view"], answer, user=SPEAKER)) == {}
    [answer_dm] = fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == ATTENDEE and "answered your question" in c.params["text"],
    )
    assert "Is this a secret?" in answer_dm.params["text"]
    container.refresher.flush()
    container.reactions.flush()

    # Every call Slack received that is not addressed to the asker (a DM or an ephemeral to them) and is not a
    # lookup of their profile: the asker's id appears nowhere.
    def to_asker(call: object) -> bool:
        params = call.params  # type: ignore[attr-defined]
        return params.get("channel") in (ATTENDEE, f"D{ATTENDEE}") or params.get("user") == ATTENDEE

    leaks = [
        c.method
        for c in fake_slack.calls
        if c.method != "users.info" and not to_asker(c) and ATTENDEE in json.dumps(c.params)
    ]
    assert leaks == []
    assert "Anonymous" in block_texts(fake_slack.message(GENERAL, first.thread_ts or "")["blocks"])
    # Export/report rows, the outbox (readable by operators) and our log lines.
    export = container.questions.export(talk_id)
    assert [row["asker"] for row in export] == ["Anonymous", "Anonymous"] and ATTENDEE not in json.dumps(export)
    with container.db.session() as session:
        outbox = session.query(OutboxMessage).filter_by(talk_id=talk_id).all()
        assert all(ATTENDEE not in (o.key + o.recipient) for o in outbox)
    ours = [r for r in caplog.records if r.name.startswith("bot.")]
    assert ours and all(ATTENDEE not in r.getMessage() for r in ours)
    # Retention: the asker id is erased after the retention period.
    later = __import__("datetime").datetime.now(__import__("datetime").UTC) + __import__("datetime").timedelta(days=31)
    assert container.questions.erase_anonymous_askers(now=later) == 2
    assert all(q.asker_id is None for q in questions_in_db(container, talk_id))


def test_after_the_talk_each_speaker_can_answer_and_the_asker_is_told(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, announcement_ts, live_ts = live_talk(slack, fake_slack, container)
    slack.command("ask What's next?", user=OTHER)
    wait_until(
        lambda: bool(questions_in_db(container, talk_id)) and bool(questions_in_db(container, talk_id)[0].thread_ts)
    )
    [question] = questions_in_db(container, talk_id)
    container.lifecycle.end(talk_id)
    [after] = fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params["channel"] == SPEAKER and ids.ACTION_QUESTION_ANSWER_LATER in json.dumps(c.params.get("blocks"))
        ),
    )
    assert "What's next?" in block_texts(after.params["blocks"])
    assert after.params["text"].endswith("の1件の質問が、発表中に回答されませんでした。")  # one question, in Japanese
    # Ending again sends nothing new.
    container.questions.on_talk_ended(talk_id)
    fake_slack.assert_no_call(
        "chat.postMessage",
        where=lambda c: (
            c.params["channel"] == SPEAKER and c is not after and "answer_later" in json.dumps(c.params.get("blocks"))
        ),
    )
    # Someone else cannot answer.
    slack.button(ids.ACTION_QUESTION_ANSWER_LATER, str(question.id), user=ATTENDEE, channel=GENERAL, message_ts="1.0")
    fake_slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.params["user"] == ATTENDEE and "Only the organiser" in c.params["text"]
    )
    slack.button(
        ids.ACTION_QUESTION_ANSWER_LATER,
        str(question.id),
        user=SPEAKER,
        channel=f"D{SPEAKER}",
        message_ts=after.response["ts"],
    )
    [opened] = fake_slack.wait_for("views.open")
    answer = {
        ids.BLOCK_ANSWER_TEXT: {ids.ACTION_ANSWER_TEXT: {"type": "plain_text_input", "value": "Part two in May."}}
    }
    slack.submit_view(opened.params["view"], answer, user=SPEAKER)
    [posted] = fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params.get("thread_ts") == announcement_ts and "Part two in May." in c.params["text"],
    )
    assert f"<@{SPEAKER}>" in posted.params["text"]
    fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OTHER and "answered your question" in c.params["text"],
    )
    [stored] = questions_in_db(container, talk_id)
    assert stored.status is QuestionStatus.ANSWERED and stored.answer_text == "Part two in May."
    # A second answer is refused inline.
    errors = ack_json(slack.submit_view(opened.params["view"], answer, user=SPEAKER))["errors"]
    assert errors[ids.BLOCK_ANSWER_TEXT] == "その質問はすでに回答済みです。"  # in the speaker's language


@pytest.mark.parametrize(("user", "retention"), [(ATTENDEE, "erases it 30 days after the talk"), (SPEAKER, "30日後")])
def test_the_question_modal_opens_in_both_languages_and_says_how_long_the_asker_is_kept(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, user: str, retention: str
) -> None:
    """Slack (and so the fake) rejects an option description over 75 characters: the modal must still open."""
    talk_id, announcement_ts, live_ts = live_talk(slack, fake_slack, container)
    for ts in (announcement_ts, live_ts):  # "Ask in advance" / "Ask a question" share the modal
        before = len(fake_slack.calls_to("views.open"))
        response = slack.button(ids.ACTION_ASK_QUESTION, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
        assert response.status_code == 200
        opened = fake_slack.wait_for("views.open", count=before + 1)[-1]
        assert opened.ok, opened.response
        options = next(b for b in opened.params["view"]["blocks"] if b.get("block_id") == ids.BLOCK_QUESTION_OPTIONS)
        assert retention in options["hint"]["text"]
        assert len(options["element"]["options"][0]["description"]["text"]) <= 75
    assert fake_slack.validation_errors == []
