"""Buttons that open a link. Slack still sends block_actions when one is clicked; without an ack Bolt answers 404
and the person sees a warning icon next to the button. Every `url=` button in bot/views/ is listed here."""

from __future__ import annotations

from logging import Logger
from typing import Any

from slack_bolt import Ack, App

from bot import ids

URL_BUTTONS = (
    ids.ACTION_ADD_TO_CALENDAR,  # announcement: opens Google Calendar's template page
    ids.ACTION_JOIN_STREAM,  # live post and the live card: opens the stream
)


def handle_url_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], logger: Logger) -> None:
    ack()
    # A join click is where attendance could be recorded (value is the talk id); nothing is recorded today.
    logger.debug("%s clicked by %s for %s", action["action_id"], body["user"]["id"], action.get("value"))


def register(app: App) -> None:
    for action_id in URL_BUTTONS:
        app.action(action_id)(handle_url_button)
