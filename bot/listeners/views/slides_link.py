"""Submission of the "Add slides link" modal: an https link (safe_url) or an inline error; stored on the talk."""

from __future__ import annotations

from collections.abc import Callable
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
from bot.views.proposals import parse_slides_url


def make_slides_link_submission(container: Container) -> Callable[..., None]:
    checkins = container.checkins

    def handle_slides_link(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: Logger, context: BoltContext
    ) -> None:
        user_id, team_id, payload_team_id = user_and_team(context, body)
        lang = DEFAULT
        talk_id = id_in(view.get("private_metadata"))
        try:
            actor = container.talks.actor(user_id, team_id, payload_team_id)
            lang = actor.lang
            url, valid = parse_slides_url(view["state"]["values"])
            if not valid or url is None:
                ack(response_action="errors", errors={ids.BLOCK_SLIDES_URL: t(lang, "slides.error.url")})
                return
            checkins.save_slides(actor=actor, talk_id=talk_id, url=url)
        except AckBudgetExceeded:
            logger.warning("Slides link not saved: the ack deadline passed")
            refuse_slow(ack, container, user_id=user_id, lang=lang, block_id=ids.BLOCK_SLIDES_URL)
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={ids.BLOCK_SLIDES_URL: refusal.message})
            return
        except Exception:
            logger.exception("Saving a slides link failed")
            ack(response_action="errors", errors={ids.BLOCK_SLIDES_URL: t(lang, "error.generic")})
            return
        ack()
        checkins.after_slides(talk_id, user_id)

    return handle_slides_link
