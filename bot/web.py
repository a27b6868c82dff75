"""HTTP surface: POST /slack/events (the edge checks, then Bolt), GET /healthz and GET /metrics, as a WSGI app for
gunicorn."""

from __future__ import annotations

from flask import Flask, Response, request
from slack_bolt import App

from bot.db.session import Database
from bot.middleware.edge import SlackEdge
from bot.observability.metrics import metrics_view


def create_web_app(app: App, db: Database, *, signing_secret: str) -> Flask:
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

    return web
