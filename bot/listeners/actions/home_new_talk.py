"""Home's "Plan a talk" button: the same new-talk form as `/lunchlearn new`."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import user_and_team
from bot.listeners.slow import tell_not_opened
from bot.services.talks.service import NotAllowed


def make_home_new_talk_action(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_home_new_talk(ack: Ack, body: dict[str, Any], context: BoltContext, logger: Logger) -> None:
        ack()
        actor = talks.actor(*user_and_team(context, body))
        try:
            talks.open_new_modal(actor=actor, trigger_id=body["trigger_id"], channel_id=None, title="")
        except NotAllowed as refusal:
            talks.tell_ephemeral(channel_id=None, user_id=actor.user_id, text=refusal.message)
        except SlackGatewayError as exc:
            logger.warning("Opening the new-talk form from Home failed: %s", exc.error)
            tell_not_opened(container, user_id=actor.user_id, channel_id=None, error=exc.error)

    return handle_home_new_talk
