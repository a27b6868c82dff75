"""/lunchlearn ask in a channel with several live talks: the asker picked the talk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.listeners.payload import user_and_team


def make_question_pick_talk_action(container: Container) -> Callable[..., None]:
    def handle_question_pick_talk(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        value = str((action.get("selected_option") or {}).get("value") or "")
        actor = container.talks.actor(*user_and_team(context, body))
        channel_id = context.channel_id
        container.questions.pick_talk(
            actor=actor, value=value, channel_id=channel_id, response_url=body.get("response_url")
        )

    return handle_question_pick_talk
