"""The live post links to the talk once: one Join button labelled by where it leads (YouTube, Meet, or the host of a
manual link), no raw URL, in English and Japanese; its click is acknowledged. Through the signed HTTP endpoint, with
the fake Google creating the YouTube and Meet links."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot import ids
from bot.container import Container
from bot.db.models import StreamStatus
from bot.services.streams.links import link_for
from tests.conftest import GENERAL, ORGANISER, SPEAKER
from tests.fakes.google_api import FakeGoogle
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, open_full_form, talk_values, talks_in_db
from tests.slack_driver import SlackDriver
from tests.streams.test_streams import wait_stream, wait_until

MANUAL_URL = "https://us02web.zoom.us/j/123?pwd=a&b=c"
LABELS = {
    ("youtube", "en"): "Join on YouTube",
    ("meet", "en"): "Join Google Meet",
    ("manual", "en"): "Join (us02web.zoom.us)",
    ("youtube", "ja"): "YouTubeで参加",
    ("meet", "ja"): "Google Meetで参加",
    ("manual", "ja"): "参加する（us02web.zoom.us）",
}


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("stream", ["youtube", "meet", "manual"])
def test_live_post_has_exactly_one_join_button_labelled_by_kind(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_google: FakeGoogle,
    container: Container,
    stream: str,
    lang: str,
) -> None:
    view = open_full_form(slack, fake_slack, user=ORGANISER)  # "More options" open: the talk's language
    url = MANUAL_URL if stream == "manual" else None
    values = talk_values(stream=stream, url=url, speakers=[SPEAKER], language=lang)
    assert ack_json(slack.submit_view(view, values, user=ORGANISER)) == {}
    talk = wait_until(lambda: [t for t in talks_in_db(container) if t.announcement_ts], what="announcement")[-1]
    if stream != "manual":
        wait_stream(container, talk.id, StreamStatus.READY)
    link = link_for(container.db, talk)
    assert link and link.startswith("https://")
    fake_slack.reset_calls()

    assert container.lifecycle.go_live(talk.id)
    container.refresher.flush()
    live_calls = [
        c
        for c in fake_slack.calls_to("chat.postMessage") + fake_slack.calls_to("chat.update")
        if c.params["channel"] == GENERAL and "blocks" in c.params and c.params.get("thread_ts", c.params.get("ts"))
    ]
    [post] = [
        c for c in live_calls if c.params.get("thread_ts") == talk.announcement_ts and c.method.endswith("postMessage")
    ]
    live_ts = post.response["ts"]
    for call in [post] + [c for c in live_calls if c.params.get("ts") == live_ts]:
        blocks = call.params["blocks"]
        [join] = [b for b in buttons(blocks) if "url" in b]  # one link button (Ask a question opens a modal)
        assert join["action_id"] == ids.ACTION_JOIN_STREAM and join["url"] == link
        assert join["text"]["text"] == LABELS[(stream, lang)]
        # No raw URL or mrkdwn link anywhere else: not in the texts, not in the notification fallback.
        text = block_texts(blocks) + "\n" + call.params["text"]
        assert "http" not in text and not re.search(r"<[^>]*\|", text)
        assert json.dumps(blocks).count(json.dumps(link)[1:-1]) == 1

    # The button opens the link and Slack still sends block_actions: acknowledged, no warning icon.
    response = slack.button(ids.ACTION_JOIN_STREAM, str(talk.id), user=SPEAKER, channel=GENERAL, message_ts=live_ts)
    assert response.status_code == 200
