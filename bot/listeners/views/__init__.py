from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.container import Container
from bot.listeners.views.talk_cancel import make_talk_cancel_submission
from bot.listeners.views.talk_edit import make_talk_edit_submission
from bot.listeners.views.talk_new import make_talk_new_submission


def register(app: App, container: Container) -> None:
    app.view(ids.CALLBACK_TALK_NEW)(make_talk_new_submission(container))
    app.view(ids.CALLBACK_TALK_EDIT)(make_talk_edit_submission(container))
    app.view(ids.CALLBACK_TALK_CANCEL)(make_talk_cancel_submission(container))
