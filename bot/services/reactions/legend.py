"""What a reaction means, in words: for charts and any text that cannot show the emoji itself.

One mapping for every surface, so the live post's legend, the speakers' boards, the report and the charts say the
same thing: the legend's label (translated), else a common emoji's usual meaning, else the emoji's name in words.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import Settings
from bot.services.reactions.pulse import fold_emoji, parse_legend
from bot.views.pulse import LegendItem, meaning

# The shipped legend: the meanings when a caller has no deployment legend at hand.
DEFAULT_LEGEND: tuple[LegendItem, ...] = tuple(parse_legend(str(Settings.model_fields["REACTION_LEGEND"].default)))


def legend_meaning(lang: str, emoji_name: str, legend: Sequence[LegendItem] | None = None) -> str:
    """`turtle` -> "slow down" (ja: もう少しゆっくり); `+1::skin-tone-2` -> "agree"; `partyparrot` -> "partyparrot".

    Plain text, not mrkdwn (a chart label). Pass the deployment's legend (`container.reactions.legend`, or
    `parse_legend(settings.REACTION_LEGEND)`) so a configured legend wins; without it the shipped one is used."""
    name = fold_emoji(emoji_name)
    found = meaning(lang, name, DEFAULT_LEGEND if legend is None else legend)
    return found if found is not None else name.replace("_", " ")
