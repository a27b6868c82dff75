"""Pure parts of the reactions feature: folding, the legend setting, the pulse and legend builders, catalogs."""

from __future__ import annotations

import string

import pytest

from bot.config import ConfigError, load_settings
from bot.i18n import CATALOGS
from bot.services.reactions.pulse import fold_emoji, minute_since, parse_legend, parse_names
from bot.views.pulse import LegendItem, Nudge, Pulse, build_legend_blocks, build_pulse_blocks, nudge_line
from tests.fakes.slack_api import validate_message_blocks
from tests.helpers import block_texts

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
    assert "聞こえない" in nudge_line("ja", Nudge(emoji="mute", count=6), LEGEND)


def test_reaction_keys_exist_in_both_catalogs_with_the_same_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    en = {k: v for k, v in CATALOGS["en"].items() if k.startswith("reactions.")}
    ja = {k: v for k, v in CATALOGS["ja"].items() if k.startswith("reactions.")}
    assert en.keys() == ja.keys() and en
    assert all(fields(en[k]) == fields(ja[k]) for k in en)
