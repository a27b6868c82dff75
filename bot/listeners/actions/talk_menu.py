"""The announcement's overflow menu: start now, end now, edit, cancel (organiser, speakers and admins only)."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.container import Container
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import user_and_team
from bot.services.talks.service import NotAllowed
from bot.views.problems import slack_problem


def make_talk_menu_action(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_talk_menu(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        ack()
        choice, _, raw_id = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        if not raw_id.isdigit():
            return
        talk_id = int(raw_id)
        actor = talks.actor(*user_and_team(context, body))
        channel_id = context.channel_id
        try:
            if choice == ids.MENU_EDIT:
                talks.open_edit_modal(actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"])
            elif choice == ids.MENU_AGENDA:
                container.agenda.open_modal(actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"])
            elif choice == ids.MENU_CANCEL:
                talks.open_cancel_modal(actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"])
            elif choice == ids.MENU_START_NOW:
                done = container.lifecycle.start_now(actor=actor, talk_id=talk_id)
                talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=done)
            elif choice == ids.MENU_END_NOW:
                done = container.lifecycle.end_now(actor=actor, talk_id=talk_id)
                talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=done)
            if choice in (ids.MENU_START_NOW, ids.MENU_END_NOW) and (body.get("view") or {}).get("type") == "home":
                # From the Home tab (home): show the talk in its new state there too.
                container.home.publish(user_id=actor.user_id, team_id=actor.team_id)
        except NotAllowed as refusal:
            talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=refusal.message)
        except SlackGatewayError as exc:
            logger.warning("Talk menu %s failed: %s", choice, exc.error)
            text = t(actor.lang, "error.slack.failed", problem=slack_problem(actor.lang, exc.error))
            talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=text)

    return handle_talk_menu
