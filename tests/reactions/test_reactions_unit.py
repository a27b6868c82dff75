"""Pure parts of the reactions feature: folding, the legend setting, the pulse and legend builders, catalogs."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot import ids
from bot.config import ConfigError, Settings, load_settings
from bot.db.models import StreamKind
from bot.i18n import CATALOGS
from bot.services.reactions.legend import legend_meaning
from bot.services.reactions.pulse import fold_emoji, minute_since, parse_legend, parse_names
from bot.views.formatting import join_label
from bot.views.parsing import NotShown, parse_talk_submission
from bot.views.pulse import LegendItem, Nudge, Pulse, build_legend_blocks, build_pulse_blocks, nudge_line
from bot.views.questions import QuestionItem, build_board
from tests.fakes.slack_api import validate_message_blocks
from tests.helpers import block_texts, talk_values

LEGEND = parse_legend("clap=applause,bulb=learned,joy=funny,question=lost,turtle=slow_down,mute=cant_hear")


def test_skin_tones_fold_and_custom_emoji_keep_their_name() -> None:
    assert fold_emoji("+1::skin-tone-3") == "+1"
    assert fold_emoji("wave::skin-tone-6") == "wave"
    assert fold_emoji("partyparrot") == "partyparrot"
    assert fold_emoji(":clap:") == "clap"


def test_legend_setting_is_parsed_and_validated() -> None:
    assert LEGEND[0] == LegendItem("clap", "applause")
    assert [i.emoji for i in parse_legend(" :tada: = Party time , mute=cant_hear")] == ["tada", "mute"]
    assert parse_names("mute, :turtle:,") == frozenset({"mute", "turtle"})
    with pytest.raises(ConfigError, match="REACTION_LEGEND"):
        load_settings(_env_file=None, REACTION_LEGEND="clap,bulb")


def test_minute_since_start_is_negative_before_it() -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert minute_since(start, start + timedelta(seconds=59)) == 0
    assert minute_since(start, start + timedelta(seconds=60)) == 1
    assert minute_since(start, start - timedelta(seconds=1)) == -1


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_pulse_and_legend_blocks_are_valid_and_translated(lang: str) -> None:
    pulse = Pulse(
        totals={"clap": 40, "question": 12, "partyparrot": 3},
        last_minute={"question": 9, "clap": 2},
        surges={"question": 9},
    )
    blocks = [b.to_dict() for b in build_legend_blocks(lang, LEGEND) + build_pulse_blocks(lang, pulse, LEGEND)]
    assert validate_message_blocks(blocks) == []
    text = block_texts(blocks)
    assert ":clap: 40" in text and ":question: +9" in text and ":partyparrot: 3" in text
    assert ("lost me" if lang == "en" else "ついていけない") in text
    assert ":warning:" in text
    empty = [b.to_dict() for b in build_pulse_blocks(lang, Pulse(), LEGEND)]
    assert validate_message_blocks(empty) == []


def test_unknown_legend_keys_are_shown_as_written() -> None:
    blocks = [b.to_dict() for b in build_legend_blocks("ja", parse_legend("tada=Party time"))]
    assert ":tada: Party time" in block_texts(blocks)
    nudge = Nudge(emoji="mute", count=6, at=datetime(2026, 1, 1, 3, 4, tzinfo=UTC), timezone="Asia/Tokyo")
    line = nudge_line("ja", nudge, LEGEND)
    # The reader's own clock, falling back to the talk's zone (12:04 in Tokyo).
    assert "聞こえない" in line and ":mute: ×6" in line and "<!date^1767236640^{time}|12:04 JST>" in line


def test_reaction_keys_exist_in_both_catalogs_with_the_same_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    en = {k: v for k, v in CATALOGS["en"].items() if k.startswith("reactions.")}
    ja = {k: v for k, v in CATALOGS["ja"].items() if k.startswith("reactions.")}
    assert en.keys() == ja.keys() and en
    assert all(fields(en[k]) == fields(ja[k]) for k in en)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["slow down", "speed up", "lost me", "learned something", "agree", "partyparrot", "party parrot"]),
        (
            "ja",
            [
                "もう少しゆっくり",
                "もう少し速く",
                "ついていけない",
                "学びがあった",
                "賛成",
                "partyparrot",
                "party parrot",
            ],
        ),
    ],
)
def test_legend_meaning_gives_words_for_charts(lang: str, expected: list[str]) -> None:
    names = ["turtle", "rabbit2", ":confused:", "bulb", "+1::skin-tone-2", "partyparrot", "party_parrot"]
    assert [legend_meaning(lang, n) for n in names] == expected
    # A deployment's own legend wins, literal labels as written, unescaped (a chart is not mrkdwn).
    custom = parse_legend("turtle=Slow & steady,question=lost")
    assert legend_meaning(lang, "turtle", custom) == "Slow & steady"
    assert legend_meaning(lang, "question", custom) == expected[2]


def test_the_shipped_legend_reads_as_its_meaning() -> None:
    shipped = {i.emoji: i.key for i in parse_legend(str(Settings.model_fields["REACTION_LEGEND"].default))}
    assert shipped["confused"] == "lost" and "question" not in shipped  # ❓ reads as "I have a question"
    assert {"turtle", "rabbit2", "bulb", "clap", "mute"} <= shipped.keys()
    assert all(f"reactions.legend.{key}" in CATALOGS["en"] for key in shipped.values())


@pytest.mark.parametrize(
    ("lang", "kind", "url", "label"),
    [
        ("en", StreamKind.YOUTUBE, "https://www.youtube.com/watch?v=x", "Join on YouTube"),
        ("en", StreamKind.MEET, "https://meet.google.com/abc-defg-hij", "Join Google Meet"),
        ("en", StreamKind.MANUAL, "https://us02web.zoom.us/j/1", "Join (us02web.zoom.us)"),
        ("en", StreamKind.MANUAL, "https://youtu.be/x", "Join on YouTube"),
        ("en", StreamKind.MANUAL, "https://www.example.org/live", "Join (example.org)"),
        ("en", StreamKind.MANUAL, None, "Join"),
        ("ja", StreamKind.YOUTUBE, None, "YouTubeで参加"),
        ("ja", StreamKind.MEET, None, "Google Meetで参加"),
        ("ja", StreamKind.MANUAL, "https://teams.microsoft.com/l/x", "参加する（teams.microsoft.com）"),
    ],
)
def test_join_label_names_where_the_button_leads(lang: str, kind: StreamKind, url: str | None, label: str) -> None:
    assert join_label(lang, url, kind) == label


def test_join_label_of_a_long_host_fits_a_button() -> None:
    label = join_label("en", "https://" + "a" * 200 + ".example.com/x", StreamKind.MANUAL)
    assert len(label) <= 75 and label.endswith(".example.com)")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_board_keeps_the_surge_and_nudge_below_an_agenda(lang: str) -> None:
    agenda = [
        SectionBlock(block_id=ids.BLOCK_AGENDA_NOW, text=MarkdownTextObject(text="Now")),
        ActionsBlock(elements=[ButtonElement(action_id=ids.ACTION_AGENDA_NEXT, text="Next", value="1")]),
    ]
    nudge = Nudge(emoji="turtle", count=5, at=datetime(2026, 1, 1, tzinfo=UTC), timezone="UTC")
    pulse = build_pulse_blocks(lang, Pulse(totals={"mute": 7}, surges={"mute": 7}), LEGEND, nudge=nudge)
    items = [QuestionItem(id=i, text="q", votes=0, asker="a", status="open") for i in range(60)]
    blocks = [b.to_dict() for b in build_board(lang, title="T", items=items, hidden=0, pulse=agenda + pulse)]
    assert validate_message_blocks(blocks) == []
    ids_shown = [b.get("block_id") for b in blocks]
    assert ids.BLOCK_AGENDA_NOW in ids_shown and ids.BLOCK_REACTION_PULSE in ids_shown
    assert ids.BLOCK_REACTION_SURGE in ids_shown
    text = block_texts(blocks)
    assert ":mute: ×7" in text and ":turtle: ×5" in text


def test_a_hidden_nudges_field_keeps_the_talks_own_value() -> None:
    """Editing with "More options" closed must not switch a talk's nudges off (nor on)."""
    values = talk_values(speakers=["U1"], include_channel=False)
    values.pop(ids.BLOCK_LANGUAGE)
    for kept in (False, True):
        data, errors = parse_talk_submission(values, "en", channel_id="C1", not_shown=NotShown(nudges=kept))
        assert not errors and data is not None and data.nudges is kept
    shown = {**values, ids.BLOCK_NUDGES: {ids.ACTION_NUDGES: {"type": "checkboxes", "selected_options": []}}}
    data, _ = parse_talk_submission(shown, "en", channel_id="C1", not_shown=NotShown(nudges=True))
    assert data is not None and data.nudges is False  # shown and unticked: off
