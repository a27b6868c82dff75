"""A talk with an agenda: three parts, two speakers sharing one lunch. Set through the modal, shown on the card,
"Now:" on the live post and the boards, moved on by the clock and by "Next", questions routed to the speaker on now
(or the one the asker chose), each speaker's board holding their own questions."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot import ids
from bot.container import Container
from bot.db.models import Talk
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, wait_flows
from tests.questions.helpers import live_talk, open_ask_modal, question_values, questions_in_db, wait_until
from tests.slack_driver import SlackDriver

PARTS = [(SPEAKER, "The product", "15"), (OTHER, "On-device ML, part 1", "15"), (OTHER, "On-device ML, part 2", "15")]


def agenda_values(rows: list[tuple[str | None, str | None, str | None]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for n in range(1, ids.AGENDA_ROWS + 1):
        speaker, title, minutes = rows[n - 1] if n <= len(rows) else (None, None, None)
        values[f"{ids.BLOCK_AGENDA_SPEAKER}{n}"] = {
            ids.ACTION_AGENDA_SPEAKER: {"type": "users_select", "selected_user": speaker}
        }
        values[f"{ids.BLOCK_AGENDA_TITLE}{n}"] = {ids.ACTION_AGENDA_TITLE: {"type": "plain_text_input", "value": title}}
        values[f"{ids.BLOCK_AGENDA_MINUTES}{n}"] = {
            ids.ACTION_AGENDA_MINUTES: {"type": "number_input", "value": minutes}
        }
    return values


def _talk(container: Container, talk_id: int) -> Talk:
    with container.db.session() as session:
        talk = session.get(Talk, talk_id)
        assert talk is not None
        session.expunge(talk)
        return talk


def _open_agenda(slack: SlackDriver, fake: FakeSlack, talk_id: int, ts: str, *, user: str) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_AGENDA}:{talk_id}", user=user, channel=GENERAL, message_ts=ts)
    return dict(fake.wait_for("views.open", count=before + 1)[-1].params["view"])


def _set_agenda(slack: SlackDriver, fake: FakeSlack, container: Container, talk_id: int, ts: str) -> None:
    view = _open_agenda(slack, fake, talk_id, ts, user=ORGANISER)
    assert view["callback_id"] == ids.CALLBACK_AGENDA
    assert ack_json(slack.submit_view(view, agenda_values(PARTS), user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    container.refresher.flush()


def test_the_agenda_is_checked_inline_and_only_managers_set_it(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts, _ = live_talk(slack, fake_slack, container)
    view = _open_agenda(slack, fake_slack, talk_id, ts, user=ORGANISER)
    # A half-filled row, minutes out of range, then parts longer than the talk (45 min): inline, nothing saved.
    errors = ack_json(slack.submit_view(view, agenda_values([(SPEAKER, "Intro", None)]), user=ORGANISER))["errors"]
    incomplete = "Fill in the speaker, the topic and the minutes, or leave all three empty."
    assert errors == {f"{ids.BLOCK_AGENDA_MINUTES}1": incomplete}
    errors = ack_json(slack.submit_view(view, agenda_values([(SPEAKER, "Intro", "0")]), user=ORGANISER))["errors"]
    assert errors == {f"{ids.BLOCK_AGENDA_MINUTES}1": "Enter whole minutes, from 1 to 180."}
    too_long = [(SPEAKER, "Intro", "30"), (OTHER, "Deep dive", "30")]
    errors = ack_json(slack.submit_view(view, agenda_values(too_long), user=ORGANISER))["errors"]
    assert "add up to 60 minutes, but the talk lasts 45" in errors[f"{ids.BLOCK_AGENDA_MINUTES}2"]
    assert _talk(container, talk_id).segments == []
    # Someone who does not run the talk cannot open it, nor submit it.
    fake_slack.reset_calls()
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_AGENDA}:{talk_id}", user=ATTENDEE, channel=GENERAL, message_ts=ts)
    [refusal] = fake_slack.wait_for("chat.postEphemeral")
    assert refusal.params["user"] == ATTENDEE and "Only the organiser" in refusal.params["text"]
    fake_slack.assert_no_call("views.open")
    errors = ack_json(slack.submit_view(view, agenda_values(PARTS), user=ATTENDEE))["errors"]
    assert "Only the organiser" in errors[f"{ids.BLOCK_AGENDA_SPEAKER}1"]
    assert _talk(container, talk_id).segments == []


def test_an_agenda_routes_questions_moves_by_the_clock_and_by_next(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts, live_ts = live_talk(slack, fake_slack, container)
    _set_agenda(slack, fake_slack, container, talk_id, ts)
    talk = _talk(container, talk_id)
    assert [(s.speaker_id, s.title, s.minutes) for s in talk.segments] == [(u, t, int(m)) for u, t, m in PARTS]
    assert OTHER in talk.speaker_ids  # a part's speaker is one of the talk's speakers (a board, no survey)

    # The card lists the parts, each at its start time in the reader's time zone.
    card = block_texts(fake_slack.message(GENERAL, ts)["blocks"])
    start = int(talk.starts_at.timestamp())
    assert f"<!date^{start + 15 * 60}^{{time}}|" in card and f"<@{OTHER}>: On-device ML, part 1 (15 min)" in card
    # The live post says who is on now and who is next.
    live = block_texts(fake_slack.message(GENERAL, live_ts)["blocks"])
    assert f"*Now:* <@{SPEAKER}>: The product" in live and f"Next: <@{OTHER}>: On-device ML, part 1" in live

    # A question goes to the speaker on now, unless the asker picks another from the agenda's speakers.
    view = open_ask_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, message_ts=live_ts)
    [choice] = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_QUESTION_FOR]
    assert [o["value"] for o in choice["element"]["options"]] == [SPEAKER, OTHER]
    assert choice["element"]["initial_option"]["value"] == SPEAKER
    slack.submit_view(view, question_values("What does it cost?"), user=ATTENDEE)
    view = open_ask_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, message_ts=live_ts)
    picked = question_values("Which models run on a phone?")
    picked[ids.BLOCK_QUESTION_FOR] = {
        ids.ACTION_QUESTION_FOR: {"type": "radio_buttons", "selected_option": {"value": OTHER}}
    }
    slack.submit_view(view, picked, user=ATTENDEE)
    wait_until(lambda: len(questions_in_db(container, talk_id)) == 2)
    assert [(q.text, q.speaker_id) for q in questions_in_db(container, talk_id)] == [
        ("What does it cost?", SPEAKER),
        ("Which models run on a phone?", OTHER),
    ]

    # Each speaker's board holds their own questions; the organiser's holds both. The Japanese speaker reads
    # "Now" in Japanese.
    def settled() -> bool:
        container.refresher.flush()
        boards = _boards(fake_slack)
        return all(u in boards for u in (SPEAKER, OTHER, ORGANISER)) and "Which models" in boards[ORGANISER]

    wait_until(settled)
    boards = _boards(fake_slack)
    assert "What does it cost?" in boards[SPEAKER] and "Which models" not in boards[SPEAKER]
    assert "Which models run on a phone?" in boards[OTHER] and "What does it cost?" not in boards[OTHER]
    assert "What does it cost?" in boards[ORGANISER] and "Which models" in boards[ORGANISER]
    assert f"*現在：* <@{SPEAKER}>「The product」" in boards[SPEAKER]

    # The clock passes the first part's end: once, whatever how often the job runs.
    went_live = talk.went_live_at
    assert went_live is not None
    assert container.agenda.follow_clock(went_live + timedelta(minutes=14)) == []
    assert container.agenda.follow_clock(went_live + timedelta(minutes=16)) == [talk_id]
    assert container.agenda.follow_clock(went_live + timedelta(minutes=17)) == []
    wait_flows(container, talk_id)
    container.refresher.flush()
    live = block_texts(fake_slack.message(GENERAL, live_ts)["blocks"])
    assert f"*Now:* <@{OTHER}>: On-device ML, part 1" in live and f"Next: <@{OTHER}>: On-device ML, part 2" in live

    # "Next" from a board: an attendee is refused; the organiser moves on; at the last part it says so.
    fake_slack.reset_calls()
    slack.button(ids.ACTION_AGENDA_NEXT, str(talk_id), user=ATTENDEE, channel=f"D{ATTENDEE}", message_ts="1.0")
    [refused] = fake_slack.wait_for("chat.postEphemeral")
    assert "Only the organiser" in refused.params["text"] and _talk(container, talk_id).segment_index is None
    fake_slack.reset_calls()
    slack.button(ids.ACTION_AGENDA_NEXT, str(talk_id), user=ORGANISER, channel=f"D{ORGANISER}", message_ts="1.0")
    [moved] = fake_slack.wait_for("chat.postEphemeral")
    assert moved.params["text"] == "Moved on to part 3: On-device ML, part 2."
    # The clock no longer moves it: the organiser has taken over.
    assert container.agenda.follow_clock(went_live + timedelta(minutes=50)) == []
    slack.button(ids.ACTION_AGENDA_NEXT, str(talk_id), user=ORGANISER, channel=f"D{ORGANISER}", message_ts="1.0")
    wait_until(lambda: len(fake_slack.calls_to("chat.postEphemeral")) == 2)
    assert fake_slack.calls_to("chat.postEphemeral")[-1].params["text"] == "This is already the last part."
    assert _talk(container, talk_id).segment_index == 2
    wait_flows(container, talk_id)
    container.refresher.flush()
    live = block_texts(fake_slack.message(GENERAL, live_ts)["blocks"])
    assert f"*Now:* <@{OTHER}>: On-device ML, part 2" in live and "Next:" not in live
    # A question asked now goes to the part-2 speaker by default.
    slack.command("ask Is part 3 coming?", user=ATTENDEE)
    wait_until(lambda: len(questions_in_db(container, talk_id)) == 3)
    assert questions_in_db(container, talk_id)[-1].speaker_id == OTHER


def _boards(fake: FakeSlack) -> dict[str, str]:
    """The current text of each person's board (the first DM with the board's header)."""
    out: dict[str, str] = {}
    for call in fake.calls_to("chat.postMessage"):
        channel = str(call.response.get("channel", ""))
        if call.ok and channel.startswith("D") and "questions.board" not in json.dumps(call.params):
            message = fake.message(channel, str(call.response["ts"]))
            text = block_texts(message.get("blocks") or [])
            if call.params.get("text", "").startswith(("Questions for", "「")):
                out.setdefault(channel[1:], text)
    return out
