"""The one-click 1..5 rating in the survey DM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container


def make_survey_rate_action(container: Container) -> Callable[..., None]:
    def handle_survey_rate(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        talk_raw, _, rating_raw = str(action.get("value", "")).partition(":")
        if not talk_raw.isdigit() or rating_raw not in {"1", "2", "3", "4", "5"}:
            return
        container_info = body.get("container") or {}
        container.surveys.rate(
            talk_id=int(talk_raw),
            user_id=str(context.user_id),
            rating=int(rating_raw),
            channel=container_info.get("channel_id") or context.channel_id,
            ts=container_info.get("message_ts") or (body.get("message") or {}).get("ts"),
            response_url=body.get("response_url"),
        )
        # pipeline: one more answer may lift the talk's "cover next" topics over the k-anonymity threshold.
        container.proposals.survey_answered(int(talk_raw))

    return handle_survey_rate
