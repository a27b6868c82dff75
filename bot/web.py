"""HTTP surface: POST /slack/events (the edge checks, then Bolt), GET /healthz, GET /metrics and a talk's .ics
(GET /talks/<id>/<token>.ics), as a WSGI app for gunicorn."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request
from slack_bolt import App

from bot.db.session import Database
from bot.middleware.edge import SlackEdge
from bot.observability.metrics import metrics_view


def create_web_app(
    app: App,
    db: Database,
    *,
    signing_secret: str,
    calendar: Callable[[str], bytes | None] | None = None,
    talk_ics: Callable[[int, str], bytes | None] | None = None,
) -> Flask:
    """`calendar`: a series' iCal feed by its secret token (SeriesService.feed), or None for an unknown token.
    `talk_ics(talk_id, token)`: one talk's .ics (TalkService.ics), None for a wrong token or an unknown talk."""
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

    @web.get("/talks/<int:talk_id>/<token>.ics")
    def talk_calendar(talk_id: int, token: str) -> Response:
        body = talk_ics(talk_id, token) if talk_ics is not None else None
        if body is None:
            return Response("not found\n", status=404, mimetype="text/plain")
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Disposition"] = f'attachment; filename="talk-{talk_id}.ics"'
        # Always fresh: the event changes with the talk (SEQUENCE).
        response.headers["Cache-Control"] = "no-store"
        return response

    return web
