"""The App Home tab: live talks, upcoming talks with RSVP, your own talks, recently ended."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import Talk
from bot.i18n import t
from bot.views.followup import followup_links_line
from bot.views.formatting import mentions, mrkdwn_escape, slack_date, truncate

SECTION_MAX = 10  # talks per section: 4 sections x (2 blocks x 10) stays under the Home tab's 100 blocks


def _talk_line(talk: Talk) -> str:
    return truncate(
        f"*{mrkdwn_escape(talk.title)}*\n{slack_date(talk.starts_at, talk.timezone)} · {mentions(talk.speaker_ids)}",
        3000,
    )


def _section(lang: str, title_key: str, talks: Sequence[Talk], *, going: set[int], rsvp: bool) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=t(lang, title_key))]
    if not talks:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "home.none"))]))
        return blocks
    for talk in talks[:SECTION_MAX]:
        text = _talk_line(talk)
        if talk.id in going:
            text += "\n" + t(lang, "home.going")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
        blocks += followup_links_line(lang, talk)  # ended talks: links and "Add links" (bot/views/followup.py)
        if rsvp:
            blocks.append(
                ActionsBlock(
                    block_id=f"home_rsvp_{talk.id}",
                    elements=[
                        ButtonElement(
                            action_id=ids.ACTION_RSVP_NOT_GOING if talk.id in going else ids.ACTION_RSVP_GOING,
                            text=t(lang, "button.not_going" if talk.id in going else "button.going"),
                            value=str(talk.id),
                            style=None if talk.id in going else "primary",
                        )
                    ],
                )
            )
    return blocks


def build_home(
    lang: str,
    *,
    live: Sequence[Talk],
    upcoming: Sequence[Talk],
    mine: Sequence[Talk],
    ended: Sequence[Talk],
    going: set[int],
) -> View:
    blocks: list[Block] = [
        HeaderBlock(text=t(lang, "home.header")),
        ContextBlock(elements=[MarkdownTextObject(text=t(lang, "home.new_hint"))]),
    ]
    blocks += _section(lang, "home.live", live, going=going, rsvp=False)
    blocks.append(DividerBlock())
    blocks += _section(lang, "home.upcoming", upcoming, going=going, rsvp=True)
    blocks.append(DividerBlock())
    blocks += _section(lang, "home.mine", mine, going=going, rsvp=False)
    blocks.append(DividerBlock())
    blocks += _section(lang, "home.ended", ended, going=going, rsvp=False)
    return View(type="home", blocks=blocks[:100])
