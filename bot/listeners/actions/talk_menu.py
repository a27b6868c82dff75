"""Start now, end now, edit, cancel (organiser, speakers and admins only): the Manage modal's buttons, and the
card's former overflow menu (value "<choice>:<talk id>" either way). From the Manage modal, the edit and cancel
forms replace it and a start or end is reported in it; from a message, as before, by ephemeral."""

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
        raw = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
        choice, _, raw_id = str(raw).partition(":")
        if not raw_id.isascii() or not raw_id.isdigit():
            return
        talk_id = int(raw_id)
        actor = talks.actor(*user_and_team(context, body))
        channel_id = context.channel_id
        view = body.get("view") or {}
        view_id = str(view.get("id") or "") if view.get("type") == "modal" else ""

        def tell(text: str) -> None:
            if view_id:
                talks.show_manage_result(actor=actor, view_id=view_id, text=text)
            else:
                talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=text)

        try:
            if choice == ids.MENU_EDIT:
                talks.open_edit_modal(
                    actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"], view_id=view_id or None
                )
            elif choice == ids.MENU_AGENDA:
                container.agenda.open_modal(
                    actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"], view_id=view_id or None
                )
            elif choice == ids.MENU_CANCEL:
                talks.open_cancel_modal(
                    actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"], view_id=view_id or None
                )
            elif choice == ids.MENU_START_NOW:
                tell(container.lifecycle.start_now(actor=actor, talk_id=talk_id))
            elif choice == ids.MENU_END_NOW:
                tell(container.lifecycle.end_now(actor=actor, talk_id=talk_id))
            if choice in (ids.MENU_START_NOW, ids.MENU_END_NOW) and (body.get("view") or {}).get("type") == "home":
                # From the Home tab (home): show the talk in its new state there too.
                container.home.publish(user_id=actor.user_id, team_id=actor.team_id)
        except NotAllowed as refusal:
            try:
                tell(refusal.message)
            except SlackGatewayError:
                talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=refusal.message)
        except SlackGatewayError as exc:
            logger.warning("Talk menu %s failed: %s", choice, exc.error)
            text = t(actor.lang, "error.slack.failed", problem=slack_problem(actor.lang, exc.error))
            talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=text)

    return handle_talk_menu
