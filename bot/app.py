"""The Bolt app: global middleware (bot/middleware/) and listener registration; no business logic here."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App

from bot.container import Container
from bot.listeners import register_listeners
from bot.middleware.ack_window import install_ack_window
from bot.middleware.dedupe import make_dedupe_events
from bot.middleware.payloads import make_socket_mode_shape_check
from bot.middleware.rate_limited import make_app_rate_limited_middleware
from bot.middleware.view_state import make_view_state_check
from bot.observability.metrics import TimedApp

logger = logging.getLogger(__name__)


def create_app(container: Container, *, token_verification: bool = True) -> App:
    settings = container.settings
    app = TimedApp(  # Bolt's App, plus the ack latency metric
        client=container.client,
        signing_secret=settings.SLACK_SIGNING_SECRET or "socket-mode",
        token_verification_enabled=token_verification,
        listener_executor=ThreadPoolExecutor(max_workers=settings.LISTENER_THREADS, thread_name_prefix="listener"),
        logger=logging.getLogger("lunchlearn.bolt"),
    )
    install_ack_window(app)  # bot/budget.py: the 3-second ack, one deadline for the work before it
    # Over HTTP the edge (bot/middleware/edge.py) checked the shape already; Socket Mode bodies come straight here.
    app.use(make_socket_mode_shape_check())
    app.use(make_view_state_check(container))
    app.use(make_dedupe_events(container))
    app.use(make_app_rate_limited_middleware(container))
    # The workspace we are installed in (auth.test, once): management actions are bound to it.
    if container.slack.installed_team_id() is None:
        logger.warning("Could not learn the installed workspace from auth.test; nobody can manage talks until it can")

    @app.error
    def handle_errors(error: Exception, body: dict[str, Any]) -> None:
        # Payload bodies can hold user text: log the type of request only.
        logger.error("Unhandled error in a %s listener", body.get("type", "unknown"), exc_info=error)

    register_listeners(app, container)
    return app
