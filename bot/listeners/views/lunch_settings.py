"""Submission of the lunch settings modal: validate inline, store, then tell whoever moved on the waitlist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.budget import AckBudgetExceeded
from bot.container import Container
from bot.i18n import DEFAULT, t
from bot.listeners.payload import id_in, user_and_team
from bot.listeners.slow import refuse_slow
from bot.services.talks.service import NotAllowed
from bot.views.lunch import CAPACITY_MAX


def _state(view: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return (view["state"]["values"].get(block_id) or {}).get(action_id) or {}


def make_lunch_settings_submission(container: Container) -> Callable[..., None]:
    lunch = container.lunch

    def handle_lunch_settings(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        talk_id = id_in(view.get("private_metadata"))
        selected = _state(view, ids.BLOCK_LUNCH_ASK, ids.ACTION_LUNCH_ASK).get("selected_options") or []
        enabled = any(o.get("value") == ids.LUNCH_OPTION_ASK for o in selected)
        raw_capacity = str(_state(view, ids.BLOCK_LUNCH_CAPACITY, ids.ACTION_LUNCH_CAPACITY).get("value") or "").strip()
        raw_cutoff = _state(view, ids.BLOCK_LUNCH_CUTOFF, ids.ACTION_LUNCH_CUTOFF).get("selected_date_time")
        lang = DEFAULT
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            capacity = int(raw_capacity) if raw_capacity.isascii() and raw_capacity.isdigit() else None
            if raw_capacity and (capacity is None or capacity > CAPACITY_MAX):
                ack(response_action="errors", errors={ids.BLOCK_LUNCH_CAPACITY: t(lang, "lunch.error.capacity")})
                return
            cutoff = datetime.fromtimestamp(int(raw_cutoff), UTC) if isinstance(raw_cutoff, int) else None
            errors = lunch.save_settings(
                actor=actor, talk_id=talk_id, enabled=enabled, capacity=capacity, cutoff_at=cutoff
            )
            if errors:
                ack(response_action="errors", errors=errors)
                return
        except AckBudgetExceeded:
            logger.warning("Lunch settings not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_LUNCH_CAPACITY)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_LUNCH_CAPACITY: refusal.message})
            return
        except Exception:
            logger.exception("Saving lunch settings failed")
            ack(response_action="errors", errors={ids.BLOCK_LUNCH_CAPACITY: t(lang, "error.generic")})
            return
        ack()
        lunch.deliver(talk_id)

    return handle_lunch_settings
