"""series: submission of the new-series modal: validate inline, store, then generate slots and confirm."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.budget import AckBudgetExceeded
from bot.container import Container
from bot.i18n import DEFAULT, t
from bot.listeners.payload import user_and_team
from bot.listeners.slow import refuse_slow
from bot.services.talks.service import NotAllowed
from bot.views.series import parse_series_submission


def make_series_new_submission(container: Container) -> Callable[..., None]:
    series = container.series

    def handle_series_new(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        lang = DEFAULT
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            data, errors = parse_series_submission(view["state"]["values"], actor.lang)
            if data is not None:
                errors = series.check(data, actor.lang, view_id=view.get("id"))
            if data is None or errors:
                ack(response_action="errors", errors=errors.errors)
                return
            series_id, token = series.create(actor=actor, data=data, view_id=view.get("id"))
        except AckBudgetExceeded:
            logger.warning("New series not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_SERIES_NAME)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_SERIES_NAME: refusal.message})
            return
        except Exception:
            logger.exception("Saving a new series failed")
            ack(response_action="errors", errors={ids.BLOCK_SERIES_NAME: t(lang, "error.generic")})
            return
        ack()
        series.after_create(series_id, actor=actor, token=token)

    return handle_series_new
