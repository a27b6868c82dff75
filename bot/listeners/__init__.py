"""Listeners: parse, ack, call a service. One handler per file, one register() per surface."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners import actions, commands, events, views


def register_listeners(app: App, container: Container) -> None:
    commands.register(app, container)
    actions.register(app, container)
    views.register(app, container)
    events.register(app, container)
