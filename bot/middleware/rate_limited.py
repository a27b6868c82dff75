"""app_rate_limited: Slack's notice that it dropped our events (over 30,000 per workspace per hour).

It is an outer envelope ({"type": "app_rate_limited", "minute_rate_limited": ..., "team_id": ...}), not an
event_callback, so no app.event() listener matches it and Bolt would answer 404 (and too many failed deliveries
get the app's subscriptions disabled). A global middleware answers it with 200 and hands it to the service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse

from bot.container import Container

logger = logging.getLogger(__name__)


def make_app_rate_limited_middleware(container: Container) -> Callable[..., BoltResponse]:
    def app_rate_limited(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body or {}
        if body.get("type") != "app_rate_limited":
            return next()
        minute = body.get("minute_rate_limited")
        try:
            container.reactions.on_rate_limited(minute_rate_limited=int(minute) if minute is not None else None)
        except Exception:
            logger.exception("Handling app_rate_limited failed")
        return BoltResponse(status=200, body="")

    return app_rate_limited
