"""Crafted payloads from someone who may not manage the talk: a view_submission carrying the talk id in
private_metadata, menu values, moderation buttons, report/export commands. Slack lets anyone send these (a modal
can be replayed, a menu value edited), so each must be refused with nothing changed in the database or in Slack."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.base import Base
from tests.conftest import ATTENDEE, GENERAL, OTHER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, talk_values
from tests.questions.helpers import ask_by_modal, live_talk, questions_in_db, wait_until
from tests.scenario.test_talk_flow import create_talk
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk

# Bookkeeping that a refused request may legitimately touch.
_IGNORED_TABLES = {"processed_deliveries", "apscheduler_jobs", "scheduler_lease"}
# What a refusal may send: the private notice, a response_url reply, and reads.
_READS = {"users.info", "conversations.info", "chat.getPermalink"}


def db_snapshot(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    with container.db.session() as session:
        return {
            table.name: sorted((tuple(map(repr, row)) for row in session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
            if table.name not in _IGNORED_TABLES
        }


def slack_snapshot(fake: FakeSlack) -> tuple[str, str]:
    return repr(sorted(fake.messages.items())), repr(sorted(fake.views.items()))


def settle(fake: FakeSlack, container: Container, quiet: float = 0.4) -> None:
    """Let the setup's own background work (coalesced re-renders, question posts) finish before the snapshot."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        container.refresher.flush()
        seen = len(fake.calls)
        time.sleep(quiet)
        if len(fake.calls) == seen:
            return
    raise AssertionError("the fake Slack never went quiet:\n" + fake.describe_calls())


def assert_refused_and_unchanged(
    fake: FakeSlack, container: Container, act: Callable[[], None], refusal: Callable[[], None]
) -> None:
    settle(fake, container)
    before_db, before_slack = db_snapshot(container), slack_snapshot(fake)
    assert before_db["talks"] and before_slack[0] != "[]"  # the snapshots see the state they guard
    fake.reset_calls()
    act()
    refusal()
    time.sleep(0.5)  # anything the bot would do after the refusal has had time to reach the fake
    writes = {c.method for c in fake.calls} - _READS - {"chat.postEphemeral"}
    assert not {m for m in writes if not m.startswith("webhook/")}, fake.describe_calls()
    assert db_snapshot(container) == before_db
    assert slack_snapshot(fake) == before_slack


def ephemeral_to(fake: FakeSlack, user: str, fragment: str) -> Callable[[], None]:
    return lambda: (
        fake.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == user and fragment in c.params["text"])
        and None
    )


def test_crafted_edit_submission_by_a_non_manager_is_refused(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = create_talk(slack, fake_slack, container)
    # The edit modal as the organiser would get it, submitted by someone else with new values.
    view = {"type": "modal", "callback_id": ids.CALLBACK_TALK_EDIT, "private_metadata": str(talk_id), "blocks": []}
    values = talk_values(title="Hijacked", speakers=[OTHER], include_channel=False)
    answers: list[dict[str, Any]] = []

    def act() -> None:
        answers.append(ack_json(slack.submit_view(view, values, user=OTHER)))

    assert_refused_and_unchanged(fake_slack, container, act, lambda: None)
    [answer] = answers
    assert answer["response_action"] == "errors"
    assert "Only the organiser, the speakers or a workspace admin" in answer["errors"][ids.BLOCK_TITLE]


def test_crafted_cancel_submission_by_a_non_manager_is_refused(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = create_talk(slack, fake_slack, container)
    slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts="1.0")
    fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == ATTENDEE)
    container.refresher.flush()
    view = {"type": "modal", "callback_id": ids.CALLBACK_TALK_CANCEL, "private_metadata": str(talk_id), "blocks": []}
    reason = {ids.BLOCK_CANCEL_REASON: {ids.ACTION_CANCEL_REASON: {"type": "plain_text_input", "value": "ha"}}}
    answers: list[dict[str, Any]] = []

    def act() -> None:
        answers.append(ack_json(slack.submit_view(view, reason, user=OTHER)))

    assert_refused_and_unchanged(fake_slack, container, act, lambda: None)
    [answer] = answers
    assert answer["response_action"] == "errors" and ids.BLOCK_CANCEL_REASON in answer["errors"]


@pytest.mark.parametrize("choice", [ids.MENU_START_NOW, ids.MENU_EDIT, ids.MENU_CANCEL])
def test_menu_choices_on_a_scheduled_talk_by_a_non_manager_are_refused(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, choice: str
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container)

    def act() -> None:
        slack.overflow(ids.ACTION_TALK_MENU, f"{choice}:{talk_id}", user=OTHER, channel=GENERAL, message_ts=ts)

    refusal = ephemeral_to(fake_slack, OTHER, "Only the organiser, the speakers or a workspace admin")
    assert_refused_and_unchanged(fake_slack, container, act, refusal)


@pytest.mark.parametrize("crafted", ["end", "hide", "answered"])
def test_end_and_moderation_on_a_live_talk_by_a_non_manager_are_refused(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, crafted: str
) -> None:
    talk_id, _, live_ts = live_talk(slack, fake_slack, container)
    ask_by_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, text="Is it fast?", message_ts=live_ts)
    wait_until(
        lambda: bool(questions_in_db(container, talk_id)) and bool(questions_in_db(container, talk_id)[0].thread_ts)
    )
    [question] = questions_in_db(container, talk_id)
    container.refresher.flush()

    def act() -> None:
        if crafted == "end":
            value = f"{ids.MENU_END_NOW}:{talk_id}"
            slack.overflow(ids.ACTION_TALK_MENU, value, user=OTHER, channel=GENERAL, message_ts=live_ts)
        else:
            action = ids.ACTION_QUESTION_HIDE if crafted == "hide" else ids.ACTION_QUESTION_ANSWERED
            slack.button(action, str(question.id), user=OTHER, channel=GENERAL, message_ts=live_ts)

    fragment = "Only the organiser, the speakers or a workspace admin" if crafted == "end" else "Only the organiser"
    assert_refused_and_unchanged(fake_slack, container, act, ephemeral_to(fake_slack, OTHER, fragment))


@pytest.mark.parametrize("command", ["report", "export"])
def test_report_and_export_by_a_non_manager_are_refused(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, command: str
) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE])
    container.surveys.run_worker()
    fake_slack.reset_calls()

    def refusal() -> None:
        [reply] = fake_slack.wait_for(slack.last_webhook)
        assert "Only the organiser" in reply.params["text"]

    assert_refused_and_unchanged(
        fake_slack, container, lambda: slack.command(f"{command} {talk_id}", user=OTHER), refusal
    )
    assert fake_slack.calls_to("files.completeUploadExternal") == []
