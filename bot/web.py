"""HTTP surface: POST /slack/events (Bolt), GET /healthz and GET /metrics, as a WSGI app for gunicorn."""

from __future__ import annotations

from flask import Flask, Response, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.db.session import Database
from bot.observability.metrics import metrics_view


def create_web_app(app: App, db: Database) -> Flask:
    web = Flask("lunchlearn")
    handler = SlackRequestHandler(app)

    @web.post("/slack/events")
    def slack_events() -> Response:
        return handler.handle(request)  # type: ignore[no-any-return]

    @web.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        if db.ping():
            return {"status": "ok", "database": "ok"}, 200
        return {"status": "unavailable", "database": "unreachable"}, 503

    web.get("/metrics")(metrics_view(db.engine))

    return web
