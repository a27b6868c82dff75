"""A choice inside the talk form (the stream kind, "More options"): redraw the form with the fields that apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import ids
from bot.container import Container
from bot.listeners.payload import id_in, user_and_team
from bot.views.talk_modal import form_shows_more


def make_talk_form_redraw_action(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_talk_form_redraw(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        # Acked at once; views.update needs no trigger_id, so the redraw may take its time after the ack.
        ack()
        view = body.get("view")
        if not isinstance(view, dict) or view.get("callback_id") not in (ids.CALLBACK_TALK_NEW, ids.CALLBACK_TALK_EDIT):
            return
        editing = view["callback_id"] == ids.CALLBACK_TALK_EDIT
        metadata = str(view.get("private_metadata") or "")
        blocks = view.get("blocks")
        shown = form_shows_more(blocks if isinstance(blocks, list) else [])
        talks.redraw_form(
            actor=talks.actor(*user_and_team(context, body)),
            view_id=str(view["id"]),
            view_hash=view.get("hash"),
            talk_id=id_in(metadata) if editing else None,
            private_metadata=metadata,
            values=(view.get("state") or {}).get("values") or {},
            more=action.get("action_id") == ids.ACTION_TALK_FORM_MORE or shown,
        )

    return handle_talk_form_redraw
