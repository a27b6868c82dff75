"""What the channel sees of the live feedback, and what only the speakers see, in English and Japanese: the live
post carries the legend (emoji that read as their meaning, and why each already has one reaction) but no counts;
the pulse and a surge's warning are on the speakers' private boards only."""

from __future__ import annotations

import json

import pytest

from bot import ids
from bot.container import Container
from tests.conftest import GENERAL, ORGANISER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts, create_talk, open_full_form, open_new_modal, talks_in_db
from tests.reactions.helpers import board_text, channel_calls, live_talk, more_values, react, settle
from tests.slack_driver import SlackDriver

LEGEND_TEXT = {
    "en": [
        "React to this post",
        ":clap: applause",
        ":bulb: learned something",
        ":confused: lost me",
        ":turtle: slow down",
        ":rabbit2: speed up",
        ":mute: can't hear",
        "The bot added one of each",
    ],
    "ja": [
        "この投稿にリアクションして",
        ":clap: 拍手",
        ":bulb: 学びがあった",
        ":confused: ついていけない",
        ":turtle: もう少しゆっくり",
        ":rabbit2: もう少し速く",
        ":mute: 聞こえない",
        "ボットが各絵文字を1つずつ付けています",
    ],
}
# Anything that would mean counts or a surge reached the channel, in either language.
PULSE_MARKS = (
    ":warning:",
    "×",
    "Live pulse",
    "ライブの反応",
    "Last minute",
    "直近1分",
    "No reactions yet",
    "まだリアクション",
)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_surge_warning_is_on_the_speakers_board_and_never_in_the_channel(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, lang: str
) -> None:
    talk = live_talk(slack, fake_slack, container, language=lang)
    ch, ts = talk.live_channel, talk.live_ts
    assert ch == GENERAL and ts
    [post] = [c for c in fake_slack.calls_to("chat.postMessage") if c.response.get("ts") == ts]
    legend = block_texts(post.params["blocks"])
    for expected in LEGEND_TEXT[lang]:
        assert expected in legend, expected
    assert ":question:" not in legend

    for i in range(5):
        react(slack, f"UAUD{i}", "turtle", ch, ts)
    settle(container, talk.id, 5)

    # The speakers' boards (each in its reader's language) carry the surge.
    speaker = board_text(container, fake_slack, talk.id, SPEAKER)  # ja-JP
    assert ":warning: *直近1分で:turtle: ×5*（もう少しゆっくり）" in speaker and ":turtle: 5" in speaker
    organiser = board_text(container, fake_slack, talk.id, ORGANISER)  # en-US
    assert ":warning: *:turtle: ×5 in the last minute* (slow down)" in organiser
    # Nothing the bot ever sent to the channel (announcement, live post, their edits) shows a count or a surge.
    sent = channel_calls(fake_slack, GENERAL)
    assert [c for c in sent if c.params.get("ts") == ts or c.response.get("ts") == ts]  # the live post is among them
    for call in sent:
        text = block_texts(call.params.get("blocks") or []) + "\n" + str(call.params.get("text") or "")
        for mark in PULSE_MARKS:
            assert mark not in text, (mark, call.method, text)


@pytest.mark.parametrize(
    ("user", "label", "option"),
    [
        (ORGANISER, "Signals for the speakers", "Nudge the speakers on their private board"),
        (SPEAKER, "発表者へのサイン", "発表者専用のボードに表示する"),
    ],
)
def test_the_talk_form_offers_nudges_unticked_under_more_options(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, user: str, label: str, option: str
) -> None:
    assert ids.BLOCK_NUDGES not in json.dumps(open_new_modal(slack, fake_slack, user=user))  # a rarely used option
    fake_slack.reset_calls()
    view = open_full_form(slack, fake_slack, user=user)
    [block] = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_NUDGES]
    assert block["optional"] is True and block["label"]["text"] == label
    assert [o["text"]["text"] for o in block["element"]["options"]] == [option]
    assert "initial_options" not in block["element"]  # off unless the organiser opts in
    # "More options" never opened, or opened and left unticked: no nudges; ticked: nudges.
    for more, expected in ((None, False), (more_values(nudges=False), False), (more_values(nudges=True), True)):
        fake_slack.reset_calls()
        talk_id, _ = create_talk(slack, fake_slack, container, more=more)
        [talk] = [t for t in talks_in_db(container) if t.id == talk_id]
        assert talk.nudges is expected
