"""Helpers for the reaction tests: a live talk, reaction events as Slack sends them, reading the counts back."""

from __future__ import annotations

import time
from typing import Any

from bot import ids
from bot.container import Container
from bot.db import questions_repo as qrepo
from bot.db import reactions_repo as rrepo
from bot.db import repositories as repo
from bot.db.models import Talk
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import block_texts, talk_values
from tests.scenario.test_talk_flow import create_talk
from tests.slack_driver import SlackDriver


def more_values(*, language: str | None = None, nudges: bool = False) -> dict[str, Any]:
    """What the talk form's "More options" fields hold when submitted: the talk's language, the nudges opt-in."""
    selected = [{"value": ids.NUDGES_ON, "text": {"type": "plain_text", "text": "x"}}] if nudges else []
    values: dict[str, Any] = {
        ids.BLOCK_NUDGES: {ids.ACTION_NUDGES: {"type": "checkboxes", "selected_options": selected}},
    }
    if language:
        values[ids.BLOCK_LANGUAGE] = talk_values(language=language)[ids.BLOCK_LANGUAGE]
    return values


def live_talk(
    slack: SlackDriver,
    fake: FakeSlack,
    container: Container,
    *,
    language: str | None = None,
    nudges: bool | None = None,
    **values: object,
) -> Talk:
    """A talk announced through the modal, then taken live by the lifecycle (live post + legend seeded).
    `language`, `nudges`: set behind "More options" (left alone when None)."""
    more = more_values(language=language, nudges=bool(nudges)) if language or nudges is not None else None
    talk_id, _ = create_talk(slack, fake, container, more=more, **values)  # type: ignore[arg-type]
    assert container.lifecycle.go_live(talk_id)
    with container.db.session() as session:
        talk = repo.get_talk(session=session, talk_id=talk_id)
    assert talk is not None and talk.live_channel and talk.live_ts
    return talk


def reaction_event(
    user: str,
    name: str,
    channel: str,
    ts: str,
    *,
    added: bool = True,
    at: float | None = None,
    item_type: str = "message",
) -> dict[str, Any]:
    return {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": name,
        "item_user": "UBOT",
        "item": {"type": item_type, "channel": channel, "ts": ts},
        "event_ts": f"{at if at is not None else time.time():.6f}",
    }


def react(
    slack: SlackDriver, user: str, name: str, channel: str, ts: str, *, added: bool = True, **kwargs: Any
) -> None:
    event_id = kwargs.pop("event_id", None)
    response = slack.event(reaction_event(user, name, channel, ts, added=added, **kwargs), event_id=event_id)
    assert response.status_code == 200, response.text


def settle(container: Container, talk_id: int, events: int, timeout: float = 10.0) -> None:
    """Wait until `events` reaction events of this talk are written (Bolt runs listeners after the ack, so the
    HTTP response comes back before the event is even queued), then a little longer for strays."""
    deadline = time.monotonic() + timeout
    while True:
        container.reactions.flush()
        with container.db.session() as session:
            points = rrepo.timeline(session=session, talk_id=talk_id, surface="live")
            points += rrepo.timeline(session=session, talk_id=talk_id, surface="announcement")
        written = sum(p.added + p.removed for p in points)
        if written >= events or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    time.sleep(0.2)
    container.reactions.flush()


def totals(container: Container, talk_id: int, surface: str = "live") -> dict[str, int]:
    container.reactions.flush()
    with container.db.session() as session:
        return rrepo.totals(session=session, talk_id=talk_id, surface=surface)


def timeline(container: Container, talk_id: int, surface: str = "live") -> list[rrepo.TimelinePoint]:
    container.reactions.flush()
    with container.db.session() as session:
        return rrepo.timeline(session=session, talk_id=talk_id, surface=surface)


def give_reactions(fake: FakeSlack, channel: str, ts: str, reactions: dict[str, list[str]]) -> None:
    """Set the reactions Slack holds on a message (people reacting while Slack was not sending us events)."""
    with fake._lock:
        message = fake._find_message(channel, ts)
        assert message is not None
        kept = [
            r for r in message.get("reactions", []) if fake.bot_user_id in r["users"] and r["name"] not in reactions
        ]
        for r in kept:
            r["users"], r["count"] = [fake.bot_user_id], 1
        for name, users in reactions.items():
            bot = (
                [fake.bot_user_id]
                if any(r["name"] == name for r in message.get("reactions", []) if fake.bot_user_id in r["users"])
                else []
            )
            kept.append({"name": name, "users": users + bot, "count": len(users) + len(bot)})
        message["reactions"] = kept


def board_text(container: Container, fake: FakeSlack, talk_id: int, user: str) -> str:
    """What `user`'s private board shows now (after the coalesced refreshes ran)."""
    container.reactions.flush()
    container.refresher.flush()
    with container.db.session() as session:
        [board] = [b for b in qrepo.boards(session=session, talk_id=talk_id) if b.user_id == user]
        channel, ts = board.channel, board.ts
    return block_texts(fake.message(channel, ts)["blocks"])


def channel_calls(fake: FakeSlack, channel: str) -> list[Call]:
    """Every post and edit the bot sent to a channel (the live post, the announcement, questions...)."""
    calls = fake.calls_to("chat.postMessage") + fake.calls_to("chat.update")
    return [c for c in calls if c.params["channel"] == channel]
