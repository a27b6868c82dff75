"""Helpers for follow-up scenarios: an ended talk, the "Add links" modal, what went into the thread and DMs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bot import ids
from bot.container import Container
from bot.db.models import ReactionUser, Talk
from tests.conftest import GENERAL
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import create_talk, wait_flows
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import wait_rsvps

JAPANESE = "UJAPAN"


def talk_row(container: Container, talk_id: int) -> Talk:
    with container.db.session() as session:
        talk = session.get(Talk, talk_id)
        assert talk is not None
        return talk


def react(slack: SlackDriver, container: Container, talk_id: int, user: str, emoji: str = "clap") -> None:
    """A reaction on the live post, as Slack sends it."""
    talk = talk_row(container, talk_id)
    assert talk.live_channel and talk.live_ts
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": emoji,
        "item": {"type": "message", "channel": talk.live_channel, "ts": talk.live_ts},
        "item_user": "UBOT",
        "event_ts": f"{time.time():.6f}",
    }
    assert slack.event(event).status_code == 200
    # The event is handled after its ack: wait until the reaction is recorded (while the talk is still live).
    deadline = time.monotonic() + 5
    while True:
        container.reactions.flush()
        with container.db.session() as session:
            if session.get(ReactionUser, (talk_id, user)) is not None:
                return
        assert time.monotonic() < deadline, "reaction not recorded"
        time.sleep(0.02)


def ended_talk(
    slack: SlackDriver,
    fake: FakeSlack,
    container: Container,
    *,
    going: list[str] = (),  # type: ignore[assignment]
    during: Callable[[int], None] | None = None,
    live: bool = True,
    **values: object,
) -> tuple[int, str]:
    """Create a talk through the modal, RSVP `going` through the button, go live, `during`, end it."""
    fake.reset_calls()  # create_talk expects the one views.open of its own modal
    talk_id, ts = create_talk(slack, fake, container, **values)
    for user in going:
        slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
    container.refresher.flush()
    wait_rsvps(container, talk_id, len(going))
    if live:
        assert container.lifecycle.go_live(talk_id)
        wait_flows(container, talk_id)
    if during is not None:
        during(talk_id)
    assert container.lifecycle.end(talk_id)
    wait_flows(container, talk_id)
    container.refresher.flush()
    return talk_id, ts


def link_values(slides: str | None = None, recording: str | None = None) -> dict[str, Any]:
    return {
        ids.BLOCK_FOLLOWUP_SLIDES: {ids.ACTION_FOLLOWUP_SLIDES: {"type": "plain_text_input", "value": slides}},
        ids.BLOCK_FOLLOWUP_RECORDING: {ids.ACTION_FOLLOWUP_RECORDING: {"type": "plain_text_input", "value": recording}},
    }


def open_links_modal(slack: SlackDriver, fake: FakeSlack, talk_id: int, *, user: str, ts: str) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    slack.button(ids.ACTION_FOLLOWUP_ADD_LINKS, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
    call = fake.wait_for("views.open", count=before + 1)[-1]
    view: dict[str, Any] = call.params["view"]
    return view


def thread_posts(fake: FakeSlack, ts: str, kind: str = "followup") -> list[Call]:
    return [
        c for c in fake.calls_to("chat.postMessage") if c.ok and c.params.get("thread_ts") == ts and _kind(c) == kind
    ]


def no_show_dms(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if c.ok and _kind(c) == "noshow"]


def _kind(call: Call) -> str | None:
    kind = ((call.params.get("metadata") or {}).get("event_payload") or {}).get("kind")
    return str(kind) if kind is not None else None


def card(fake: FakeSlack, ts: str) -> str:
    """The announcement card as it stands now (its latest text and blocks)."""
    return json.dumps(fake.message(GENERAL, ts), ensure_ascii=False)
