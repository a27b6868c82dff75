from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.container import Container
from bot.listeners.actions.add_to_calendar import handle_add_to_calendar
from bot.listeners.actions.rsvp import make_rsvp_action
from bot.listeners.actions.talk_menu import make_talk_menu_action


def register(app: App, container: Container) -> None:
    app.action(ids.ACTION_RSVP_GOING)(make_rsvp_action(container, going=True))
    app.action(ids.ACTION_RSVP_NOT_GOING)(make_rsvp_action(container, going=False))
    app.action(ids.ACTION_ADD_TO_CALENDAR)(handle_add_to_calendar)
    app.action(ids.ACTION_TALK_MENU)(make_talk_menu_action(container))
