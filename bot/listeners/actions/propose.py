"""The "Propose a talk" button (board, list, and any surface that places views.proposals.propose_button)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import origin
from bot.listeners.slow import tell_not_opened
from bot.services.talks.service import NotAllowed


def make_propose_action(container: Container) -> Callable[..., None]:
    def handle_propose(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        who = origin(context, body)
        actor = container.talks.actor(who.user_id, who.team_id, who.payload_team_id)
        try:
            container.proposals.open_propose_modal(
                actor=actor, trigger_id=body["trigger_id"], channel_id=who.channel_id
            )
        except NotAllowed as refusal:
            container.talks.tell_ephemeral(channel_id=who.channel_id, user_id=actor.user_id, text=refusal.message)
        except SlackGatewayError as exc:
            tell_not_opened(container, user_id=actor.user_id, channel_id=who.channel_id, error=exc.error)

    return handle_propose
