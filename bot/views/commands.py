"""Replies to /lunchlearn help and list."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.db.models import Talk, TalkStatus
from bot.i18n import t
from bot.views.formatting import mentions, mrkdwn_escape, mrkdwn_link, slack_date, truncate

LIST_MAX = 20  # one section per talk keeps the reply far below the 50-block limit


def build_help(lang: str, *, unknown: str | None = None) -> list[Block]:
    text = t(lang, "help.text") + "\n" + t(lang, "help.proposals") + "\n" + t(lang, "help.followup")
    if unknown:
        text = t(lang, "help.unknown", sub=mrkdwn_escape(truncate(unknown, 50))) + "\n" + text
    return [SectionBlock(text=MarkdownTextObject(text=text))]


def build_talk_list(lang: str, talks: Sequence[Talk], *, permalinks: dict[int, str], more: int = 0) -> list[Block]:
    if not talks:
        return [SectionBlock(text=MarkdownTextObject(text=t(lang, "list.empty")))]
    blocks: list[Block] = [HeaderBlock(text=t(lang, "list.header"))]
    for talk in talks[:LIST_MAX]:
        line = t(
            lang,
            "list.item",
            title=mrkdwn_escape(talk.title),
            when=slack_date(talk.starts_at, talk.timezone),
            speakers=mentions(talk.speaker_ids),
            live=t(lang, "list.live") if talk.status is TalkStatus.LIVE else "",
        )
        if link := permalinks.get(talk.id):
            line += " · " + mrkdwn_link(link, t(lang, "list.link"))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 3000))))
    if more:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "list.more", count=more))]))
    return blocks
