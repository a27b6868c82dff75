"""Every interactive element the bot rendered during a whole talk (announcement, Home, live post, question posts and
boards, survey DM, ephemerals, modals) is clicked the way Slack sends it, and each click answers 200.

The elements are collected from what the fake Slack recorded, not from a list: a new button without a listener
(or a URL button without an ack) fails here."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_bolt import App

from bot import ids
from bot.config import Settings
from bot.container import Container
from bot.db.models import Talk
from bot.scheduling import jobs
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.edge.conftest import errors_logged, settle
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import create_talk
from tests.proposals.helpers import open_propose, propose_values
from tests.questions.helpers import ask_by_modal, wait_until
from tests.slack_driver import TEAM, SlackDriver
from tests.surveys.helpers import survey_values, wait_rsvps

SELECTS = {
    "static_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "external_select",
    "multi_static_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The survey fan-out runs in the test's thread, at full speed.
    return settings.model_copy(
        update={
            "SURVEY_WORKER_AUTOSTART": False,
            "SURVEY_DM_START_PER_MINUTE": 6000.0,
            "SURVEY_DM_MAX_PER_MINUTE": 6000.0,
        }
    )


def _surfaces(fake: FakeSlack) -> Iterator[tuple[Call, list[dict[str, Any]]]]:
    """(call, blocks) for every message, ephemeral, response_url post, modal and Home tab the bot sent."""
    for call in list(fake.calls):
        if not call.ok:
            continue
        view = call.params.get("view")
        if isinstance(view, dict):
            yield call, list(view.get("blocks") or [])
        elif isinstance(call.params.get("blocks"), list):
            yield call, list(call.params["blocks"])


def _elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for block in blocks:
        block_id = str(block.get("block_id") or "b")
        if block.get("type") == "actions":
            for element in block.get("elements") or []:
                yield block_id, element
        elif isinstance(block.get("accessory"), dict) and "action_id" in block["accessory"]:
            yield block_id, block["accessory"]


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _actions_for(element: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """What Slack sends for a click on (or a choice in) this element: one action per option for menus."""
    kind = element["type"]
    base = {"type": kind, "action_id": element["action_id"]}
    if kind == "button":
        yield {**base, "text": element["text"], **({"value": element["value"]} if "value" in element else {})}
    elif kind in ("overflow", "radio_buttons") or (kind in SELECTS and not kind.startswith("multi_")):
        if kind == "users_select":
            yield {**base, "selected_user": ATTENDEE}
        elif kind in ("conversations_select", "channels_select"):
            yield {**base, f"selected_{kind.split('_')[0][:-1]}": GENERAL}
        else:
            for option in _options(element):
                yield {**base, "selected_option": option}
    elif kind == "checkboxes" or kind.startswith("multi_"):
        yield {**base, "selected_options": _options(element)[:1]}
    elif kind == "datepicker":
        yield {**base, "selected_date": "2030-01-01"}
    else:
        raise AssertionError(f"the bot renders a {kind} element this test does not know how to click")


def _click(slack: SlackDriver, call: Call, block_id: str, action: dict[str, Any], user: str) -> int:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM, "name": user.lower()},
        "api_app_id": "AFAKE",
        "trigger_id": f"trigger-click-{time.monotonic_ns()}",
        "actions": [{"block_id": block_id, "action_ts": f"{time.time():.6f}", **action}],
    }
    view = call.params.get("view")
    if isinstance(view, dict):
        view_id = (call.response.get("view") or {}).get("id", "V1")
        payload["container"] = {"type": "view", "view_id": view_id}
        payload["view"] = {
            **view,
            "id": view_id,
            "team_id": TEAM,
            "state": {"values": {}},
            "hash": "h",
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
        }
    else:
        channel = str(call.response.get("channel") or call.params.get("channel") or GENERAL)
        ts = str(call.response.get("ts") or call.response.get("message_ts") or "1700000000.000100")
        ephemeral = call.method == "chat.postEphemeral" or call.method.startswith("webhook/")
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        payload["channel"] = {"id": channel, "name": channel.lower()}
        payload["message"] = {"type": "message", "ts": ts, "user": "UBOT", "blocks": call.params.get("blocks")}
        payload["response_url"] = slack.fake.webhook_url(f"click-{time.monotonic_ns()}")
    return slack.interactive(payload).status_code


def test_every_rendered_button_answers_200(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    container: Container,
    bolt_app: App,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    recorded: list[Call] = []

    def keep() -> None:
        recorded.extend(fake_slack.calls)
        fake_slack.reset_calls()

    # The story: create (with the survey's fields), RSVP, Home, live, a question, end, survey DMs.
    talk_id, announcement_ts = create_talk(
        slack, fake_slack, container, more=survey_values("Next?"), speakers=[SPEAKER]
    )
    slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=announcement_ts)
    wait_rsvps(container, talk_id, 1)
    # pipeline: a proposal on the board, the speaker's check-in and "slides ready?" DMs.
    view = open_propose(slack, fake_slack, user=ATTENDEE)
    assert slack.submit_view(view, propose_values(), user=ATTENDEE).status_code == 200
    fake_slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == GENERAL and "Rust at scale" in str(c.params)
    )
    with container.db.session() as session:
        starts_at = session.get(Talk, talk_id).starts_at  # type: ignore[union-attr]
    jobs.bind(container)
    jobs.speaker_checkin(talk_id, now=starts_at - timedelta(hours=72))
    jobs.slides_reminder(talk_id, now=starts_at - timedelta(hours=24))
    slack.event({"type": "app_home_opened", "user": OTHER, "channel": "DOTHER", "tab": "home"})
    fake_slack.wait_for("views.publish")
    container.refresher.flush()
    settle(bolt_app)
    keep()
    assert container.lifecycle.go_live(talk_id)
    container.refresher.flush()
    with container.db.session() as session:
        live_ts = str(session.get(Talk, talk_id).live_ts)  # type: ignore[union-attr]
    ask_by_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, text="Why Rust?", message_ts=live_ts)
    wait_until(lambda: any(c.method == "chat.postMessage" and c.params.get("thread_ts") for c in fake_slack.calls))
    container.refresher.flush()
    settle(bolt_app)
    keep()
    assert container.lifecycle.end(talk_id)
    container.surveys.run_worker()
    container.refresher.flush()
    settle(bolt_app)
    keep()
    fake_slack.calls.extend(recorded)

    clicked: dict[tuple[str, str], int] = {}
    surfaces: set[str] = set()
    for call, blocks in _surfaces(fake_slack):
        for block_id, element in _elements(blocks):
            surfaces.add(call.method)
            for action in _actions_for(element):
                choice = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
                key = (action["action_id"], choice)
                if key in clicked:
                    continue
                clicked[key] = _click(slack, call, block_id, action, ORGANISER)
    settle(bolt_app)

    assert set(clicked.values()) == {200}, {k: s for k, s in clicked.items() if s != 200}
    seen = {action_id for action_id, _ in clicked}
    # The story did reach every surface: the URL buttons, the menu, the question and the survey controls.
    assert {
        ids.ACTION_JOIN_STREAM,
        ids.ACTION_CARD_MORE,  # the card's More menu: can't go, calendars, manage
        ids.ACTION_RSVP_GOING,
        ids.ACTION_ASK_QUESTION,
        ids.ACTION_QUESTION_VOTE,
        ids.ACTION_SURVEY_MORE,
        f"{ids.ACTION_SURVEY_RATE}_5",
        ids.ACTION_FOLLOWUP_ADD_LINKS,  # the ended card
        ids.ACTION_PROPOSE,
        ids.ACTION_PROPOSAL_UPVOTE,
        ids.ACTION_PROPOSAL_ACCEPT,
        ids.ACTION_PROPOSAL_DECLINE,
        ids.ACTION_CHECKIN_CONFIRM,
        ids.ACTION_CHECKIN_RESCHEDULE,
        ids.ACTION_ADD_SLIDES,
    } <= seen, sorted(seen)
    assert {"chat.postMessage", "chat.update", "views.publish"} <= surfaces, surfaces
    assert errors_logged(caplog) == []
    logging.getLogger(__name__).info("clicked %d elements: %s", len(clicked), sorted(seen))
