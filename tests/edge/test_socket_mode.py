"""Socket Mode bodies never pass through the HTTP edge: the same shape check runs as Bolt's first middleware.

(Some shapes, such as an empty `actions` list or a view without `type`, make Bolt's own dispatch raise before any
middleware runs; over Socket Mode only Slack can send a body, through an authenticated connection.)"""

from __future__ import annotations

import logging

import pytest
from slack_bolt import App, BoltRequest

from bot.container import Container
from tests.conftest import ORGANISER
from tests.edge.conftest import db_fingerprint, errors_logged, settle

MALFORMED = [
    {"type": "block_actions", "user": {"id": ORGANISER, "team_id": "T1"}, "trigger_id": "t", "actions": [{}]},
    {
        "type": "view_submission",
        "user": {"id": ORGANISER},
        "view": {"id": "V", "type": "modal", "callback_id": 5, "state": {"values": {}}},
    },
    {"command": "/lunchlearn", "text": "new"},
    {"type": "event_callback", "event": {"type": "reaction_added"}, "team_id": "T1"},
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_socket_mode_requests_are_refused_without_traceback(
    bolt_app: App, container: Container, caplog: pytest.LogCaptureFixture, body: dict
) -> None:
    caplog.set_level(logging.WARNING)
    before = db_fingerprint(container)
    response = bolt_app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    settle(bolt_app)
    assert response.status == 400
    assert errors_logged(caplog) == []
    assert db_fingerprint(container) == before
