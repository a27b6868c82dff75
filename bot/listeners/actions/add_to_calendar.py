"""The calendar button is a link; Slack still sends the click, which only needs an ack."""

from __future__ import annotations

from slack_bolt import Ack


def handle_add_to_calendar(ack: Ack) -> None:
    ack()
