"""Privacy scenarios: a private channel the bot is in, a Slack Connect guest from another workspace."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.conftest import ATTENDEE, ORGANISER, SPEAKER
from tests.fakes.slack_api import FakeSlack

PRIVATE = "GROADMAP"  # private, the bot is a member; members: organiser, speaker, attendee, MEMBER
MEMBER = "UMEMBER"
EXTERNAL = "UEXT"  # a Slack Connect guest: home workspace T2, an admin there
EXTERNAL_TEAM = "T2"


@pytest.fixture
def fake_slack(fake_slack: FakeSlack) -> FakeSlack:
    fake_slack.add_user(MEMBER, name="mei", locale="en-US", tz="UTC")
    fake_slack.add_user(EXTERNAL, name="eve", locale="en-US", tz="UTC", is_admin=True, team_id=EXTERNAL_TEAM)
    fake_slack.add_channel(
        PRIVATE, name="roadmap", is_private=True, is_member=True, members=[ORGANISER, SPEAKER, ATTENDEE, MEMBER]
    )
    return fake_slack


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Ask Slack for the member list every time, so a test can make someone leave and see the effect at once
    # (the cache itself is measured in test_access_cache.py).
    return settings.model_copy(update={"CHANNEL_MEMBERS_CACHE_SECONDS": 0})
