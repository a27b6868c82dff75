"""Buttons that open a link. Slack still sends block_actions when one is clicked; without an ack Bolt answers 404
and the person sees a warning icon next to the button. Every `url=` button in bot/views/ is listed here.
A click on Join (value: the talk id) is attendance: it is recorded after the ack."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import ids
from bot.container import Container
from bot.listeners.payload import origin

URL_BUTTONS = (
    ids.ACTION_ADD_TO_CALENDAR,  # announcement: opens Google Calendar's template page
    ids.ACTION_JOIN_STREAM,  # live post: opens the stream
)
ATTENDANCE_BUTTONS = (ids.ACTION_JOIN_STREAM,)


def make_url_button(container: Container) -> Callable[..., None]:
    def handle_url_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, logger: Logger
    ) -> None:
        ack()
        raw = str(action.get("value") or "")
        if action.get("action_id") not in ATTENDANCE_BUTTONS or not raw.isdigit():
            return
        who = origin(context, body)
        if who.user_id:
            container.attendance.record_join(talk_id=int(raw), user_id=who.user_id)

    return handle_url_button


def register(app: App, container: Container) -> None:
    handler = make_url_button(container)
    for action_id in URL_BUTTONS:
        app.action(action_id)(handler)
