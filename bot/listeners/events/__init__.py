"""Events the manifest subscribes to. Every subscribed event needs a listener: an unhandled event answers 404,
and Slack disables apps that fail too many deliveries."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners.events.app_home_opened import make_app_home_opened
from bot.listeners.events.message import make_message_listener
from bot.listeners.events.reaction_added import make_reaction_added
from bot.listeners.events.reaction_removed import make_reaction_removed


def register(app: App, container: Container) -> None:
    app.event("app_home_opened")(make_app_home_opened(container))
    # Live questions: replies in a live post's thread
    app.event("message")(make_message_listener(container))
    # Reactions as live feedback
    app.event("reaction_added")(make_reaction_added(container))
    app.event("reaction_removed")(make_reaction_removed(container))
