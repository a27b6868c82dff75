"""Reaction legend (the live post) and the live pulse, surges and nudges (the speaker's private board only):
pure Block Kit builders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot import ids
from bot.i18n import CATALOGS, DEFAULT, t
from bot.views.formatting import fallback_time, mrkdwn_escape, truncate

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


@dataclass(frozen=True)
class Nudge:
    """A signal the speakers asked for (the talk's nudges setting): `emoji` passed the threshold, `count` people
    in the last minute; shown on their boards for the quiet period."""

    emoji: str
    count: int
    at: datetime
    timezone: str  # the talk's, for the time's fallback text


def emoji_code(name: str) -> str:
    return f":{mrkdwn_escape(name)}:"


def legend_label(lang: str, item_key: str) -> str:
    key = f"reactions.legend.{item_key}"
    return t(lang, key) if key in CATALOGS[DEFAULT] else mrkdwn_escape(item_key)


def meaning(lang: str, emoji: str, legend: Sequence[LegendItem]) -> str | None:
    """What an emoji means, in words, unescaped: the legend's label, else a common emoji's usual meaning
    (reactions.meaning.<name>), else None."""
    for item in legend:
        if item.emoji == emoji:
            key = f"reactions.legend.{item.key}"
            return t(lang, key) if key in CATALOGS[DEFAULT] else item.key
    key = f"reactions.meaning.{emoji}"
    return t(lang, key) if key in CATALOGS[DEFAULT] else None


def label_for(lang: str, emoji: str, legend: Sequence[LegendItem]) -> str:
    found = meaning(lang, emoji, legend)
    return mrkdwn_escape(found if found is not None else emoji)


def build_legend_blocks(lang: str, legend: list[LegendItem]) -> list[Block]:
    """The legend, for the live post: each emoji with its meaning, and why each already has one reaction (the
    bot's, to make one click enough; every count the bot shows leaves it out)."""
    if not legend:
        return []
    items = " · ".join(f"{emoji_code(i.emoji)} {legend_label(lang, i.key)}" for i in legend)
    text = truncate(f"{t(lang, 'reactions.legend.title')} {items}\n{t(lang, 'reactions.legend.seeded')}", 3000)
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


def nudge_line(lang: str, nudge: Nudge, legend: Sequence[LegendItem]) -> str:
    # The time, in the reader's zone: the line stays for the quiet period, so "just now" would go stale.
    when = f"<!date^{int(nudge.at.timestamp())}^{{time}}|{fallback_time(nudge.at, nudge.timezone)[11:]}>"
    return t(
        lang,
        "reactions.nudge.board",
        emoji=emoji_code(nudge.emoji),
        count=nudge.count,
        label=label_for(lang, nudge.emoji, legend),
        time=when,
    )


def build_pulse_blocks(lang: str, pulse: Pulse, legend: list[LegendItem], *, nudge: Nudge | None = None) -> list[Block]:
    """The speaker's board only, never the channel: one compact pulse line, then one section with the nudge (when
    the talk opted in) and a highlighted line per surging signal. At most two blocks (the board counts on it)."""
    text = truncate(f"{t(lang, 'reactions.pulse.title')}   {pulse_line(lang, pulse)}", 3000)
    blocks: list[Block] = [ContextBlock(block_id=ids.BLOCK_REACTION_PULSE, elements=[MarkdownTextObject(text=text)])]
    lines = [nudge_line(lang, nudge, legend)] if nudge else []
    lines += [
        t(lang, "reactions.pulse.surge", emoji=emoji_code(e), count=n, label=label_for(lang, e, legend))
        for e, n in sorted(pulse.surges.items(), key=lambda kv: (-kv[1], kv[0]))
        if nudge is None or e != nudge.emoji  # the nudge already says it
    ]
    if lines:
        blocks.append(
            SectionBlock(
                block_id=ids.BLOCK_REACTION_SURGE, text=MarkdownTextObject(text=truncate("\n".join(lines), 3000))
            )
        )
    return blocks


def build_live_post_reaction_blocks(lang: str, legend: list[LegendItem]) -> list[Block]:
    """What the reactions feature adds to the live post: the legend alone (no counts, no surges: those are for
    the speakers, on their boards)."""
    return build_legend_blocks(lang, legend)
