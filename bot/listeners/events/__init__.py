"""Events the manifest subscribes to. Until a feature handles one, it is acknowledged here:
an unhandled event answers 404, and Slack disables apps that fail too many deliveries."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners.events.noop import handle_unused_event


def register(app: App, container: Container) -> None:
    for event in ("reaction_added", "reaction_removed", "message", "app_home_opened"):
        app.event(event)(handle_unused_event)
