"""Replays our corpus of Slack payloads (tests/edge/corpus/*.json) through the signed HTTP endpoint on every run.

The corpus follows the shapes Slack documents, with optional fields left out as Slack does: Events API envelopes
(every `message` subtype of the subscribed message.channels and message.groups, reactions on messages and files,
App Home, url_verification, app_rate_limited, a retried delivery), block_actions from every element type and
surface, view_submission, view_closed, global and message shortcuts, and slash commands. Each entry names the
status it must get: the edge must accept every documented shape (never 400/401), and nothing may answer 5xx or
log an ERROR."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from slack_bolt import App

from bot.listeners.commands.lunchlearn import SUBCOMMANDS, parse_command_text
from tests.conftest import SECRET
from tests.edge.conftest import errors_logged, settle
from tests.fakes.signing import signed_headers
from tests.slack_driver import SlackDriver

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((Path(__file__).parents[2] / "manifest.json").read_text())


def _load(name: str) -> list[dict[str, Any]]:
    return list(json.loads((CORPUS / name).read_text()))


def _replay(slack: SlackDriver, app: App, caplog: pytest.LogCaptureFixture, entries: list[dict[str, Any]]) -> None:
    caplog.set_level(logging.WARNING)
    wrong: dict[str, tuple[int, int]] = {}
    form = "application/x-www-form-urlencoded"
    for entry in entries:
        # Slack's response_url host stands for the fake Slack (the configured SLACK_API_URL), as in every test.
        entry = json.loads(json.dumps(entry).replace("https://hooks.slack.com/", slack.fake.webhook_url("corpus/")))
        if "body" in entry:
            body, content_type = json.dumps(entry["body"]), "application/json"
        elif "payload" in entry:
            body, content_type = urlencode({"payload": json.dumps(entry["payload"])}), form
        else:
            body, content_type = urlencode(entry["fields"]), form
        headers = {**signed_headers(SECRET, body, content_type=content_type), **entry.get("headers", {})}
        response = requests.post(slack.url, data=body.encode(), headers=headers, timeout=30)
        if response.status_code != entry["expect"]:
            wrong[entry["name"]] = (response.status_code, entry["expect"])
        if entry["name"] == "url_verification":
            assert entry["body"]["challenge"] in response.text
    settle(app)
    assert wrong == {}, "name: (got, expected)"
    assert errors_logged(caplog) == []


def test_events_corpus(slack: SlackDriver, bolt_app: App, caplog: pytest.LogCaptureFixture) -> None:
    _replay(slack, bolt_app, caplog, _load("events.json"))


def test_interactivity_corpus(slack: SlackDriver, bolt_app: App, caplog: pytest.LogCaptureFixture) -> None:
    _replay(slack, bolt_app, caplog, _load("interactivity.json"))


def test_commands_corpus(slack: SlackDriver, bolt_app: App, caplog: pytest.LogCaptureFixture) -> None:
    _replay(slack, bolt_app, caplog, _load("commands.json"))


def test_the_corpus_covers_what_the_app_subscribes_to_and_renders() -> None:
    events = [e["body"] for e in _load("events.json")]
    inner = [b["event"] for b in events if b.get("type") == "event_callback"]
    channel_types = {"message.channels": "channel", "message.groups": "group"}
    for subscription in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        if subscription in channel_types:
            subtypes = {e.get("subtype") for e in inner if e.get("channel_type") == channel_types[subscription]}
            assert len(subtypes) >= 20 and None in subtypes, subscription
        else:
            assert subscription in {e["type"] for e in inner}, subscription
    assert {"url_verification", "app_rate_limited"} <= {b["type"] for b in events}

    payloads = [e["payload"] for e in _load("interactivity.json")]
    assert {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"} <= {
        p["type"] for p in payloads
    }
    element_types = {a["type"] for p in payloads if p["type"] == "block_actions" for a in p["actions"]}
    assert len(element_types) >= 20
    assert {"message", "view"} <= {p["container"]["type"] for p in payloads if p["type"] == "block_actions"}

    texts = [e["fields"].get("text", "") for e in _load("commands.json") if "command" in e["fields"]]
    assert set(SUBCOMMANDS.values()) <= {parse_command_text(text)[0] for text in texts}
