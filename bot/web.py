"""HTTP surface: POST /slack/events (the edge checks, then Bolt), GET /healthz and GET /metrics, as a WSGI app for
gunicorn."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request
from slack_bolt import App

from bot.db.session import Database
from bot.middleware.edge import SlackEdge
from bot.observability.metrics import metrics_view


def create_web_app(
    app: App, db: Database, *, signing_secret: str, calendar: Callable[[str], bytes | None] | None = None
) -> Flask:
    """`calendar`: a series' iCal feed by its secret token (SeriesService.feed), or None for an unknown token."""
    web = Flask("lunchlearn")
    edge = SlackEdge(app, signing_secret=signing_secret)

    @web.post("/slack/events")
    def slack_events() -> Response:
        return edge.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        if db.ping():
            return {"status": "ok", "database": "ok"}, 200
        return {"status": "unavailable", "database": "unreachable"}, 503

    web.get("/metrics")(metrics_view(db.engine))

    if calendar is not None:
        feed = calendar

        @web.get("/calendar/<token>.ics")
        def calendar_feed(token: str) -> Response:
            # Unknown, rotated and malformed tokens all get the same 404 after the same one hashed lookup.
            body = feed(token[:256])
            if body is None:
                return Response("not found\n", status=404, mimetype="text/plain")
            return Response(
                body,
                mimetype="text/calendar",
                headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
            )

    return web
