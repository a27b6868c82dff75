"""The gateway's membership and workspace look-ups against the fake Slack over real HTTP: every page of
conversations.members, cached for CHANNEL_MEMBERS_CACHE_SECONDS; auth.test asked once; failures fail closed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.integrations.slack_gateway import SlackGateway, make_web_client
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id="T1") as running:
        yield running


def test_members_are_read_across_pages_and_cached_briefly(fake: FakeSlack) -> None:
    people = [f"U{n:05d}" for n in range(2_500)]
    fake.add_channel("GBIG", is_private=True, is_member=True, members=people)
    gateway = SlackGateway(make_web_client("xoxb-test", fake.base_url), membership_ttl=0.5)

    members = gateway.channel_members("GBIG")
    assert members is not None and len(members) == 2_501 and "U02499" in members  # everyone, plus the bot
    assert len(fake.calls_to("conversations.members")) == 3  # 1,000 per page
    for _ in range(50):
        gateway.channel_members("GBIG")
        assert gateway.channel_is_private("GBIG")
    assert len(fake.calls_to("conversations.members")) == 3 and len(fake.calls_to("conversations.info")) == 1

    fake.set_members("GBIG", people[:10])  # most people leave
    time.sleep(0.6)
    assert "U02499" not in (gateway.channel_members("GBIG") or set())
    assert len(fake.calls_to("conversations.members")) == 4


def test_installed_team_is_asked_once_and_failures_fail_closed(fake: FakeSlack) -> None:
    gateway = SlackGateway(make_web_client("xoxb-test", fake.base_url))
    fake.fail_next("auth.test", "internal_error")
    assert gateway.installed_team_id() is None  # not known: nobody counts as ours, and it is asked again
    assert [gateway.installed_team_id() for _ in range(20)] == ["T1"] * 20
    assert len(fake.calls_to("auth.test")) == 2

    fake.add_channel("GPRIV", is_private=True, is_member=True, members=["UA"])
    fake.fail_next("conversations.members", "internal_error")
    assert gateway.channel_members("GPRIV") is None
    assert gateway.channel_members("GPRIV") == frozenset({"UA", "UBOT"})
    assert gateway.channel_is_private("GHIDDEN")  # a channel Slack will not describe counts as private
