"""PROPOSALS_LANGUAGE=ja: the board in the channel is Japanese, while each person's form follows their language."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.container import Container
from tests.conftest import ATTENDEE
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts
from tests.proposals.helpers import board_message, open_propose, propose
from tests.slack_driver import SlackDriver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"PROPOSALS_LANGUAGE": "ja"})


def test_the_board_speaks_the_configured_language(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    assert open_propose(slack, fake_slack, user=ATTENDEE)["title"]["text"] == "Propose a talk"
    propose(slack, fake_slack, container, user=ATTENDEE, title="Rust <@U1>")
    board = board_message(fake_slack)
    text = block_texts(board["blocks"])
    assert "発表の提案" in text and "提案者：<@UATT>" in text and "Rust &lt;@U1&gt;" in text
    assert board["text"] == "発表の提案：受付中1件"
