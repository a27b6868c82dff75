"""Small builders for realistic Slack payload pieces used across scenario tests."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import FlowRun, FlowStatus, Rsvp, Talk
from tests.fakes.slack_api import FakeSlack
from tests.slack_driver import SlackDriver


def in_days(days: float, hour: int = 12) -> int:
    start = (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return int(start.timestamp())


def talk_values(
    *,
    title: str | None = "Intro to Rust",
    description: str | None = "Ownership without tears.",
    speakers: list[str] | None = None,
    start: int | None = None,
    duration: str | None = "45",
    channel: str | None = "CGENERAL",
    stream: str = "manual",
    url: str | None = "https://zoom.example.com/j/123",
    language: str | None = None,
    include_channel: bool = True,
    reminders: list[str] | None = None,
) -> dict[str, Any]:
    """The view.state.values Slack sends for the talk modal."""
    values: dict[str, Any] = {
        ids.BLOCK_TITLE: {ids.ACTION_TITLE: {"type": "plain_text_input", "value": title}},
        ids.BLOCK_DESCRIPTION: {ids.ACTION_DESCRIPTION: {"type": "plain_text_input", "value": description}},
        ids.BLOCK_SPEAKERS: {ids.ACTION_SPEAKERS: {"type": "multi_users_select", "selected_users": speakers or []}},
        ids.BLOCK_START: {
            ids.ACTION_START: {
                "type": "datetimepicker",
                "selected_date_time": start if start is not None else in_days(2),
            }
        },
        ids.BLOCK_DURATION: {ids.ACTION_DURATION: {"type": "number_input", "value": duration}},
        ids.BLOCK_STREAM_KIND: {
            ids.ACTION_STREAM_KIND: {"type": "radio_buttons", "selected_option": {"value": stream}}
        },
        ids.BLOCK_STREAM_URL: {ids.ACTION_STREAM_URL: {"type": "url_text_input", "value": url}},
        ids.BLOCK_LANGUAGE: {
            ids.ACTION_LANGUAGE: {
                "type": "static_select",
                "selected_option": {"value": language} if language else None,
            }
        },
    }
    if reminders is not None:
        values[ids.BLOCK_REMINDERS] = reminder_values(reminders)
    if include_channel:
        values[ids.BLOCK_CHANNEL] = {
            ids.ACTION_CHANNEL: {"type": "conversations_select", "selected_conversation": channel}
        }
    return values


def reminder_values(minutes: list[str]) -> dict[str, Any]:
    """The reminders multi-select as Slack sends it (values are minute counts)."""
    selected = [{"text": {"type": "plain_text", "text": m}, "value": m} for m in minutes]
    return {ids.ACTION_REMINDERS: {"type": "multi_static_select", "selected_options": selected}}


def ack_json(response: Any) -> dict[str, Any]:
    return json.loads(response.text) if response.text else {}


def talks_in_db(container: Container) -> list[Talk]:
    with container.db.session() as session:
        return list(session.execute(select(Talk).order_by(Talk.id)).scalars())


def rsvps_in_db(container: Container, talk_id: int) -> list[Rsvp]:
    with container.db.session() as session:
        return list(session.execute(select(Rsvp).where(Rsvp.talk_id == talk_id)).scalars())


def flow_runs(container: Container, talk_id: int) -> list[tuple[str, str]]:
    """(flow, status) of every flow run of a talk, oldest first."""
    with container.db.session() as session:
        rows = session.execute(
            select(FlowRun.flow, FlowRun.status).where(FlowRun.talk_id == talk_id).order_by(FlowRun.id)
        )
        return [(flow, status.value) for flow, status in rows]


def wait_flows(container: Container, talk_id: int, timeout: float = 10) -> None:
    """Wait until no flow run of the talk is pending or running (the listener runs them after its ack)."""
    deadline = time.monotonic() + timeout
    unfinished = (FlowStatus.PENDING.value, FlowStatus.RUNNING.value)
    while any(status in unfinished for _, status in flow_runs(container, talk_id)):
        assert time.monotonic() < deadline, f"flows still unfinished: {flow_runs(container, talk_id)}"
        time.sleep(0.02)


def block_texts(blocks: list[dict[str, Any]]) -> str:
    """Every text in a block list, joined: for asserting what a person would read."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


def open_new_modal(slack: SlackDriver, fake: FakeSlack, *, user: str = "UORG", text: str = "new") -> dict:
    response = slack.command(text, user=user, channel="CGENERAL")
    assert response.status_code == 200
    [call] = fake.wait_for("views.open")
    return call.params["view"]


def form_redrawn(fake: FakeSlack, before: int) -> dict[str, Any]:
    """The view the bot's views.update number `before + 1` put on screen (with its new id and hash)."""
    call = fake.wait_for("views.update", count=before + 1)[before]
    assert call.ok, call.response
    return dict(call.response["view"])


def choose_stream(
    slack: SlackDriver, fake: FakeSlack, view: dict[str, Any], kind: str, *, user: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Pick a stream kind in the talk form on screen (`view` with its id and hash); returns the redrawn form."""
    before = len(fake.calls_to("views.update"))
    values = {**values, ids.BLOCK_STREAM_KIND: talk_values(stream=kind)[ids.BLOCK_STREAM_KIND]}
    slack.view_radio(view, ids.ACTION_STREAM_KIND, kind, user=user, values=values)
    return form_redrawn(fake, before)


def more_options(
    slack: SlackDriver, fake: FakeSlack, view: dict[str, Any], *, user: str, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Click "More options" in the talk form on screen; returns the redrawn form."""
    before = len(fake.calls_to("views.update"))
    slack.view_button(view, ids.ACTION_TALK_FORM_MORE, "more", user=user, values=values or {})
    return form_redrawn(fake, before)


def open_full_form(slack: SlackDriver, fake: FakeSlack, *, user: str = "UORG", text: str = "new") -> dict[str, Any]:
    """The new-talk form with "More options" open (language, reminders, survey fields shown)."""
    before = len(fake.calls_to("views.open"))
    assert slack.command(text, user=user, channel="CGENERAL").status_code == 200
    opened = fake.wait_for("views.open", count=before + 1)[before]
    return more_options(slack, fake, opened.response["view"], user=user)


def create_talk(
    slack: SlackDriver,
    fake: FakeSlack,
    container: Container,
    *,
    more: dict[str, Any] | None = None,
    **values: object,
) -> tuple[int, str]:
    """Create a talk through the modal; returns (talk id, announcement ts). `more`: values of the fields behind
    "More options" (clicked first when given)."""
    view = open_full_form(slack, fake) if more is not None else open_new_modal(slack, fake)
    fake.reset_calls()
    values.setdefault("speakers", ["USPK"])
    form = {**talk_values(**values), **(more or {})}  # type: ignore[arg-type]
    response = slack.submit_view(view, form, user="UORG")
    assert response.status_code == 200 and ack_json(response) == {}
    [post] = fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"].startswith(("C", "G")))
    talk = talks_in_db(container)[-1]
    deadline = time.monotonic() + 5
    while talk.announcement_ts is None and time.monotonic() < deadline:
        time.sleep(0.02)
        talk = talks_in_db(container)[-1]
    assert talk.announcement_ts == post.response["ts"]
    wait_flows(container, talk.id)
    fake.reset_calls()
    return talk.id, talk.announcement_ts
