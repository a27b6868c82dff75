"""home: a private-channel talk stays off a non-member's Home in every section (live, upcoming, past), in English
and Japanese, while members see it once."""

from __future__ import annotations

import pytest

from bot.container import Container
from tests.conftest import ATTENDEE, OTHER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts, create_talk
from tests.lifecycle.test_home import open_home
from tests.privacy.conftest import PRIVATE
from tests.slack_driver import SlackDriver

SECRET = "Secret Roadmap"


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_private_talk_is_on_no_section_of_a_non_members_home(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, locale: str
) -> None:
    fake_slack.add_user(OTHER, locale=locale, tz="UTC")
    talk_id, _ = create_talk(slack, fake_slack, container, title=SECRET, channel=PRIVATE)
    for step in ("upcoming", "live", "past"):
        if step == "live":
            assert container.lifecycle.go_live(talk_id)
        elif step == "past":
            assert container.lifecycle.end(talk_id)
        member = block_texts(open_home(slack, fake_slack, ATTENDEE)["blocks"])
        assert member.count(SECRET) == 1, step
        outsider = open_home(slack, fake_slack, OTHER)
        assert SECRET not in str(outsider), step
        assert ("過去の発表" if locale == "ja-JP" else "Past talks") in block_texts(outsider["blocks"])
