"""Helpers for the speaker pipeline: the propose form as Slack sends it, the board as the fake Slack holds it."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import Proposal, ProposalVote
from bot.views.formatting import mrkdwn_escape
from tests.conftest import GENERAL
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import ack_json
from tests.slack_driver import SlackDriver


def in_days(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def propose_values(
    *,
    title: str | None = "Rust at scale",
    abstract: str | None = "What we learned.",
    dates: list[str] | None = None,
    channel: str | None = GENERAL,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        ids.BLOCK_PROPOSAL_TITLE: {ids.ACTION_PROPOSAL_TITLE: {"type": "plain_text_input", "value": title}},
        ids.BLOCK_PROPOSAL_ABSTRACT: {ids.ACTION_PROPOSAL_ABSTRACT: {"type": "plain_text_input", "value": abstract}},
        ids.BLOCK_PROPOSAL_CHANNEL: {
            ids.ACTION_PROPOSAL_CHANNEL: {"type": "conversations_select", "selected_conversation": channel}
        },
    }
    for n in range(1, ids.PROPOSAL_DATE_COUNT + 1):
        picked = (dates or [])[n - 1] if dates and len(dates) >= n else None
        values[f"{ids.BLOCK_PROPOSAL_DATE}_{n}"] = {
            ids.ACTION_PROPOSAL_DATE: {"type": "datepicker", "selected_date": picked}
        }
    return values


def open_propose(slack: SlackDriver, fake: FakeSlack, *, user: str, text: str = "propose") -> dict[str, Any]:
    fake.reset_calls()
    assert slack.command(text, user=user, channel=GENERAL).status_code == 200
    [call] = fake.wait_for("views.open")
    return {**call.params["view"], "id": call.response["view"]["id"]}


def propose(slack: SlackDriver, fake: FakeSlack, container: Container, *, user: str, **values: Any) -> int:
    """Propose through the command and the modal; returns the proposal id once the board shows it."""
    view = open_propose(slack, fake, user=user)
    response = slack.submit_view(view, propose_values(**values), user=user)
    assert response.status_code == 200 and ack_json(response) == {}, response.text
    shown = mrkdwn_escape(values.get("title", "Rust at scale"))
    board_when(fake, lambda board: shown in entry_titles(board), values.get("channel", GENERAL))
    return proposals_in_db(container)[-1].id


def proposals_in_db(container: Container) -> list[Proposal]:
    with container.db.session() as session:
        return list(session.execute(select(Proposal).order_by(Proposal.id)).scalars())


def votes_of(container: Container, proposal_id: int) -> list[str]:
    with container.db.session() as session:
        stmt = select(ProposalVote.user_id).where(ProposalVote.proposal_id == proposal_id)
        return sorted(session.execute(stmt).scalars())


def board_posts(fake: FakeSlack) -> list[Call]:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.ok and (c.params.get("metadata") or {}).get("event_type") == ids.METADATA_PROPOSALS_EVENT_TYPE
    ]


def board_message(fake: FakeSlack, channel: str = GENERAL) -> dict[str, Any]:
    """The board as it stands now in the fake Slack's channel (after every chat.update)."""
    boards = [
        m
        for m in list(fake.messages.get(channel, []))
        if (m.get("metadata") or {}).get("event_type") == ids.METADATA_PROPOSALS_EVENT_TYPE
    ]
    assert len(boards) == 1, f"{len(boards)} boards in {channel}"
    return fake.message(channel, boards[0]["ts"])


def board_when(fake: FakeSlack, ready: Any, channel: str = GENERAL, timeout: float = 5) -> dict[str, Any]:
    """The board once `ready(board)` holds: the listener refreshes it after its ack, in its own thread."""
    deadline = time.monotonic() + timeout
    while True:
        boards = [
            m
            for m in list(fake.messages.get(channel, []))
            if (m.get("metadata") or {}).get("event_type") == ids.METADATA_PROPOSALS_EVENT_TYPE
        ]
        if len(boards) == 1 and ready(fake.message(channel, boards[0]["ts"])):
            return fake.message(channel, boards[0]["ts"])
        assert time.monotonic() < deadline, f"board in {channel} not as expected: {boards}"
        time.sleep(0.02)


def entry_titles(board: dict[str, Any]) -> list[str]:
    """Titles of the board's entries, top first (each entry's section starts with *title*)."""
    return [
        b["text"]["text"].split("\n")[0].strip("*")
        for b in board["blocks"]
        if str(b.get("block_id", "")).startswith("proposal_") and b["type"] == "section"
    ]


def upvote_label(board: dict[str, Any], proposal_id: int) -> str:
    [block] = [b for b in board["blocks"] if b.get("block_id") == f"proposal_{proposal_id}"]
    return str(block["accessory"]["text"]["text"])


def upvote(slack: SlackDriver, proposal_id: int, *, user: str, ts: str, action_ts: float) -> Any:
    return slack.click(
        {
            "type": "button",
            "action_id": ids.ACTION_PROPOSAL_UPVOTE,
            "value": str(proposal_id),
            "text": {"type": "plain_text", "text": "x"},
            "action_ts": f"{action_ts:.6f}",
        },
        user=user,
        channel=GENERAL,
        message_ts=ts,
    )


def wait_until(predicate: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def today() -> date:
    return datetime.now(UTC).date()
