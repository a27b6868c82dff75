"""The announcement card's "More" overflow: can't go / going, manage, and the calendar links (url options,
which Slack opens itself and still reports as a click)."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import origin
from bot.listeners.slow import tell_not_opened

URL_CHOICES = frozenset({ids.MORE_GOOGLE, ids.MORE_OUTLOOK, ids.MORE_ICS})


def make_card_more_action(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_card_more(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        ack()
        choice, _, raw_id = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        if not raw_id.isascii() or not raw_id.isdigit() or choice in URL_CHOICES:
            return  # a calendar link: the browser opened it, nothing to do here
        talk_id = int(raw_id)
        who = origin(context, body)
        actor = talks.actor(who.user_id, who.team_id, who.payload_team_id)
        try:
            if choice in (ids.MORE_GOING, ids.MORE_NOT_GOING):
                talks.rsvp(actor=actor, talk_id=talk_id, going=choice == ids.MORE_GOING, channel_id=who.channel_id)
            elif choice == ids.MORE_MANAGE:
                talks.open_manage(
                    actor=actor, talk_id=talk_id, trigger_id=body["trigger_id"], channel_id=who.channel_id
                )
        except SlackGatewayError as exc:
            logger.warning("Card menu %s failed: %s", choice, exc.error)
            tell_not_opened(container, user_id=actor.user_id, channel_id=who.channel_id, error=exc.error)

    return handle_card_more
