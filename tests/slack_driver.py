"""Drive the bot like Slack does: signed HTTP requests to the real /slack/events endpoint."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import requests

from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import FakeSlack

TEAM = "T1"
_seq = itertools.count(1)


class SlackDriver:
    def __init__(self, *, url: str, secret: str, fake: FakeSlack) -> None:
        self.url = url
        self.secret = secret
        self.fake = fake
        self.last_webhook = ""

    def post(
        self,
        body: str,
        *,
        content_type: str,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        secret: str | None = None,
    ) -> requests.Response:
        signed = signed_headers(secret or self.secret, body, content_type=content_type, timestamp=timestamp)
        return requests.post(self.url, data=body.encode("utf-8"), headers={**signed, **(headers or {})}, timeout=10)

    def form(self, fields: dict[str, str], **kwargs: Any) -> requests.Response:
        return self.post(urlencode(fields), content_type="application/x-www-form-urlencoded", **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    # Slash command ------------------------------------------------------------------------------------------------

    def command(self, text: str, *, user: str, channel: str = "CGENERAL", **kwargs: Any) -> requests.Response:
        n = next(_seq)
        self.last_webhook = f"webhook/cmd-{n}"  # the fake records response_url posts under this method name
        return self.form(
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "acme",
                "channel_id": channel,
                "channel_name": channel.lower(),
                "user_id": user,
                "user_name": user.lower(),
                "command": "/lunchlearn",
                "text": text,
                "api_app_id": "AFAKE",
                "response_url": self.fake.webhook_url(f"cmd-{n}"),
                "trigger_id": f"trigger-{n}",
            },
            **kwargs,
        )

    # Modals -----------------------------------------------------------------------------------------------------

    def submit_view(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str, view_id: str | None = None
    ) -> requests.Response:
        """`values`: what the person typed; only the inputs `view` shows reach the bot, as with Slack."""
        values = shown_values(view, values)
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "team_id": TEAM, "name": user.lower()},
            "api_app_id": "AFAKE",
            "trigger_id": f"trigger-{next(_seq)}",
            "view": {
                **view,
                "id": view_id or view.get("id") or f"V{next(_seq)}",
                "team_id": TEAM,
                "state": {"values": values},
                "hash": "h",
            },
            "response_urls": [],
        }
        return self.interactive(payload)

    def view_action(
        self, view: dict[str, Any], action: dict[str, Any], *, user: str, values: dict[str, Any], block_id: str = "b"
    ) -> requests.Response:
        """A block action from inside a modal (container type "view"): `view` as Slack holds it (a views.open or
        views.update response, or FakeSlack.views[id]: with its id and hash), `values` what is typed in it now."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "team_id": TEAM, "name": user.lower()},
            "api_app_id": "AFAKE",
            "token": "legacy",
            "trigger_id": f"trigger-{next(_seq)}",
            "container": {"type": "view", "view_id": view["id"]},
            "view": {**view, "team_id": TEAM, "state": {"values": shown_values(view, values)}},
            "actions": [{"block_id": block_id, "action_ts": f"{time.time():.6f}", **action}],
            "is_enterprise_install": False,
        }
        return self.interactive(payload)

    def view_button(self, view: dict[str, Any], action_id: str, value: str, **kwargs: Any) -> requests.Response:
        button = {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": "x"}}
        return self.view_action(view, button, block_id=_block_of(view, action_id), **kwargs)

    def view_radio(self, view: dict[str, Any], action_id: str, value: str, **kwargs: Any) -> requests.Response:
        option = {"text": {"type": "plain_text", "text": "x"}, "value": value}
        radio = {"type": "radio_buttons", "action_id": action_id, "selected_option": option}
        return self.view_action(view, radio, block_id=_block_of(view, action_id), **kwargs)

    # Block actions ----------------------------------------------------------------------------------------------

    def click(
        self, action: dict[str, Any], *, user: str, channel: str, message_ts: str, block_id: str = "b"
    ) -> requests.Response:
        n = next(_seq)
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "team_id": TEAM, "name": user.lower()},
            "api_app_id": "AFAKE",
            "trigger_id": f"trigger-{n}",
            "container": {"type": "message", "channel_id": channel, "message_ts": message_ts, "is_ephemeral": False},
            "channel": {"id": channel, "name": channel.lower()},
            "message": {"ts": message_ts, "type": "message", "user": self.fake.bot_user_id},
            "response_url": self.fake.webhook_url(f"action-{n}"),
            "actions": [{"block_id": block_id, "action_ts": f"{time.time():.6f}", **action}],
        }
        return self.interactive(payload)

    def button(self, action_id: str, value: str, **kwargs: Any) -> requests.Response:
        return self.click(
            {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": "x"}},
            **kwargs,
        )

    def overflow(self, action_id: str, value: str, **kwargs: Any) -> requests.Response:
        option = {"text": {"type": "plain_text", "text": "x"}, "value": value}
        return self.click({"type": "overflow", "action_id": action_id, "selected_option": option}, **kwargs)

    # Events -----------------------------------------------------------------------------------------------------

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, headers: dict[str, str] | None = None
    ) -> requests.Response:
        body = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "AFAKE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_seq):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": self.fake.bot_user_id, "is_bot": True}],
        }
        return self.post(json.dumps(body), content_type="application/json", headers=headers)


def shown_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The part of `values` Slack would send with `view`: the blocks it shows (all of `values` for a view given
    without blocks)."""
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        return values
    shown = {b.get("block_id") for b in blocks if isinstance(b, dict)}
    return {block_id: value for block_id, value in values.items() if block_id in shown}


def _block_of(view: dict[str, Any], action_id: str) -> str:
    for block in view.get("blocks") or []:
        elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
        if any(isinstance(e, dict) and e.get("action_id") == action_id for e in elements):
            return str(block.get("block_id") or "b")
    raise AssertionError(f"the view shows no element {action_id!r}")
