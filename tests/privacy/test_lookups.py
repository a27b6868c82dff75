"""/lunchlearn report and export find talks by title with % and _ taken literally (no wildcard lookups)."""

from __future__ import annotations

from bot.container import Container
from tests.conftest import GENERAL, ORGANISER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import create_talk
from tests.slack_driver import SlackDriver


def _reply(slack: SlackDriver, fake: FakeSlack, text: str) -> str:
    slack.command(text, user=ORGANISER)
    [reply] = fake.wait_for(slack.last_webhook)
    return str(reply.params["text"])


def test_percent_and_underscore_match_only_themselves(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    create_talk(slack, fake_slack, container, title="Intro to Rust", channel=GENERAL)
    for query in ("%", "_", "%Rust", "Intro_to", "____"):
        assert "can't find a talk" in _reply(slack, fake_slack, f"report {query}"), query
        assert "can't find a talk" in _reply(slack, fake_slack, f"export {query}"), query
    assert "*Intro to Rust* has no feedback survey yet" in _reply(slack, fake_slack, "report intro")

    create_talk(slack, fake_slack, container, title="100% Rust_lang", channel=GENERAL)
    assert "*100% Rust_lang* has no feedback survey yet" in _reply(slack, fake_slack, "report %")
    assert "*100% Rust_lang* has no feedback survey yet" in _reply(slack, fake_slack, "report t_l")
    assert "*Intro to Rust*" in _reply(slack, fake_slack, "report intro")
