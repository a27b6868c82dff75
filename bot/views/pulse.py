"""Reaction legend and live pulse: pure Block Kit builders for the live post and the speaker's board."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot import ids
from bot.i18n import CATALOGS, DEFAULT, t
from bot.views.formatting import mrkdwn_escape, truncate

TOP_REACTIONS = 6  # emoji shown with totals; more would wrap on a phone


@dataclass(frozen=True)
class LegendItem:
    emoji: str  # Slack name without colons, e.g. "clap" or a custom "partyparrot"
    key: str  # label key: reactions.legend.<key> in the catalogs, or a literal label


@dataclass(frozen=True)
class Pulse:
    """What the audience is saying: totals, the last minute's additions, and the emoji surging now."""

    totals: dict[str, int] = field(default_factory=dict)  # largest first
    last_minute: dict[str, int] = field(default_factory=dict)
    surges: dict[str, int] = field(default_factory=dict)  # highlighted emoji -> last-minute count


def emoji_code(name: str) -> str:
    return f":{mrkdwn_escape(name)}:"


def legend_label(lang: str, item_key: str) -> str:
    key = f"reactions.legend.{item_key}"
    return t(lang, key) if key in CATALOGS[DEFAULT] else mrkdwn_escape(item_key)


def label_for(lang: str, emoji: str, legend: list[LegendItem]) -> str:
    for item in legend:
        if item.emoji == emoji:
            return legend_label(lang, item.key)
    return mrkdwn_escape(emoji)


def build_legend_blocks(lang: str, legend: list[LegendItem]) -> list[Block]:
    if not legend:
        return []
    items = " · ".join(f"{emoji_code(i.emoji)} {legend_label(lang, i.key)}" for i in legend)
    text = truncate(f"{t(lang, 'reactions.legend.title')} {items}", 3000)
    return [ContextBlock(block_id=ids.BLOCK_REACTION_LEGEND, elements=[MarkdownTextObject(text=text)])]


def pulse_line(lang: str, pulse: Pulse) -> str:
    if not pulse.totals:
        return t(lang, "reactions.pulse.empty")
    shown = list(pulse.totals.items())[:TOP_REACTIONS]
    totals = "   ".join(f"{emoji_code(e)} {n}" for e, n in shown)
    recent = sorted(pulse.last_minute.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REACTIONS]
    if recent:
        items = "  ".join(f"{emoji_code(e)} +{n}" for e, n in recent)
        last = t(lang, "reactions.pulse.last_minute", items=items)
    else:
        last = t(lang, "reactions.pulse.quiet")
    return f"{totals}   |   {last}"


def build_pulse_blocks(lang: str, pulse: Pulse, legend: list[LegendItem]) -> list[Block]:
    """The pulse: one compact line, plus a highlighted line per surging signal. Also used on the speaker's board."""
    text = truncate(f"{t(lang, 'reactions.pulse.title')}   {pulse_line(lang, pulse)}", 3000)
    blocks: list[Block] = [ContextBlock(block_id=ids.BLOCK_REACTION_PULSE, elements=[MarkdownTextObject(text=text)])]
    if pulse.surges:
        lines = [
            t(lang, "reactions.pulse.surge", emoji=emoji_code(e), count=n, label=label_for(lang, e, legend))
            for e, n in sorted(pulse.surges.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        blocks.append(
            SectionBlock(
                block_id=ids.BLOCK_REACTION_SURGE, text=MarkdownTextObject(text=truncate("\n".join(lines), 3000))
            )
        )
    return blocks


def build_live_post_reaction_blocks(lang: str, pulse: Pulse, legend: list[LegendItem]) -> list[Block]:
    """What the reactions feature adds to the live post: the legend, then the pulse."""
    return build_legend_blocks(lang, legend) + build_pulse_blocks(lang, pulse, legend)


def nudge_text(lang: str, *, title: str, emoji: str, count: int, legend: list[LegendItem]) -> str:
    return t(
        lang,
        "reactions.nudge",
        title=mrkdwn_escape(title),
        emoji=emoji_code(emoji),
        count=count,
        label=label_for(lang, emoji, legend),
    )
