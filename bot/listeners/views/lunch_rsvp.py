"""Submission of the "in person (with lunch) or remote" modal that Going opens on a talk with lunch."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.container import Container
from bot.listeners.payload import user_and_team
from bot.views.lunch import DIETARY_MAX


def make_lunch_rsvp_submission(container: Container) -> Callable[..., None]:
    def handle_lunch_rsvp(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        values = view["state"]["values"]
        mode = ((values.get(ids.BLOCK_LUNCH_MODE) or {}).get(ids.ACTION_LUNCH_MODE) or {}).get("selected_option") or {}
        note = ((values.get(ids.BLOCK_LUNCH_DIETARY) or {}).get(ids.ACTION_LUNCH_DIETARY) or {}).get("value")
        raw_id, _, raw_channel = str(view.get("private_metadata") or "").partition(":")
        # The radio is required, so Slack sends one; anything else is a forged payload: ignore it.
        if mode.get("value") not in ("in_person", "remote") or not (raw_id.isascii() and raw_id.isdigit()):
            ack()
            return
        ack()
        user_id, team_id, payload_team_id = user_and_team(context, body)
        actor = container.talks.actor(user_id, team_id, payload_team_id)
        channel = raw_channel if raw_channel.isascii() and raw_channel.isalnum() else None
        container.lunch.choose(
            actor=actor,
            talk_id=int(raw_id),
            in_person=mode["value"] == "in_person",
            dietary=" ".join(str(note or "").split())[:DIETARY_MAX] or None,
            channel_id=channel or None,
        )
        if not channel:
            # Going was clicked on the Home tab: show the new state there.
            container.home.publish(user_id=actor.user_id, team_id=actor.team_id)

    return handle_lunch_rsvp
