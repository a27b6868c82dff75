"""A view submission without `state.values` (Slack always sends it for a modal with inputs) gets an inline error
on the modal's first input instead of reaching a listener that reads the values."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.container import Container
from bot.i18n import t

logger = logging.getLogger(__name__)


def make_view_state_check(container: Container) -> Callable[..., BoltResponse]:
    def view_state_check(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body or {}
        view = body.get("view")
        if body.get("type") != "view_submission" or not isinstance(view, dict):
            return next()
        values = (view.get("state") or {}).get("values") if isinstance(view.get("state"), dict) else None
        if isinstance(values, dict):
            return next()
        block_id = _first_input_block(view.get("blocks"))
        logger.warning("A %r view submission arrived without state.values", view.get("callback_id"))
        if block_id is None:
            return BoltResponse(status=400, body=json.dumps({"error": "view_state_missing"}))
        user_id = str((body.get("user") or {}).get("id") or "")
        lang = container.slack.user(user_id).lang
        errors = {block_id: t(lang, "error.form_incomplete")}
        return BoltResponse(
            status=200,
            body=json.dumps({"response_action": "errors", "errors": errors}),
            headers={"content-type": "application/json;charset=utf-8"},
        )

    return view_state_check


def _first_input_block(blocks: Any) -> str | None:
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return str(block["block_id"])
    return None
