"""series: the series menu in /lunchlearn series: edit, pause / resume, new calendar link (organisers only)."""

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


def make_series_menu_action(container: Container) -> Callable[..., None]:
    series, talks = container.series, container.talks

    def handle_series_menu(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        ack()
        choice, _, raw_id = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        if not (raw_id.isascii() and raw_id.isdigit()):
            return
        series_id = int(raw_id)
        actor = talks.actor(*user_and_team(context, body))
        channel_id = context.channel_id
        try:
            if choice == ids.SERIES_MENU_EDIT:
                series.open_edit_modal(actor=actor, series_id=series_id, trigger_id=body["trigger_id"])
                return
            if choice in (ids.SERIES_MENU_PAUSE, ids.SERIES_MENU_RESUME):
                text = series.set_paused(actor=actor, series_id=series_id, paused=choice == ids.SERIES_MENU_PAUSE)
            elif choice == ids.SERIES_MENU_FEED:
                text = series.rotate_feed(actor=actor, series_id=series_id)
            elif choice == ids.SERIES_MENU_REPORT:
                request = str(body.get("actions", [{}])[0].get("action_ts") or body.get("trigger_id") or "")
                text = series.report_now(actor=actor, series_id=series_id, request_id=request)
            else:
                return
        except NotAllowed as refusal:
            text = refusal.message
        except SlackGatewayError as exc:
            logger.warning("Series menu %s failed: %s", choice, exc.error)
            text = t(actor.lang, "error.slack.failed", problem=slack_problem(actor.lang, exc.error))
        talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=text)

    return handle_series_menu
