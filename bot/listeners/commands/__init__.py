from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.container import Container
from bot.listeners.commands.lunchlearn import make_lunchlearn_command


def register(app: App, container: Container) -> None:
    app.command(ids.COMMAND)(make_lunchlearn_command(container))
