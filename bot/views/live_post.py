"""The go-live post (in the announcement's thread, broadcast to the channel) and reminders."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.metadata import Metadata

from bot import ids
from bot.db.models import Talk, TalkStatus
from bot.i18n import t
from bot.views.formatting import mentions, mrkdwn_escape, plain, safe_url, slack_date, truncate


def live_metadata(talk: Talk) -> Metadata:
    return Metadata(event_type=ids.METADATA_EVENT_TYPE, event_payload={"talk_id": talk.id, "kind": "live"})


def reminder_metadata(talk: Talk, lead_minutes: int) -> Metadata:
    return Metadata(
        event_type=ids.METADATA_EVENT_TYPE,
        event_payload={"talk_id": talk.id, "kind": f"reminder_{lead_minutes}"},
    )


def live_text(talk: Talk) -> str:
    """The notification text. No link here: the post's one Join button is the only link (the issue: it showed
    twice)."""
    lang = talk.language
    title = mrkdwn_escape(talk.title)
    if talk.status is TalkStatus.ENDED:
        return t(lang, "live.ended", title=title)
    return t(lang, "live.started", title=title)


def build_live_post(talk: Talk, *, url: str | None, join_label: str, extra: list[Block]) -> list[Block]:
    """The live post: header, one Join button labelled by where it leads (`join_label`), the speakers, then
    `extra`: the reactions legend and the Ask button (bot/services/talks/live_post.py). No counts: the pulse is
    the speakers' business, on their private boards."""
    lang = talk.language
    if talk.status is TalkStatus.ENDED:
        ended = t(lang, "live.ended", title=mrkdwn_escape(talk.title))
        return [SectionBlock(text=MarkdownTextObject(text=truncate(ended, 3000)))]
    blocks: list[Block] = [HeaderBlock(text=truncate(t(lang, "live.header", title=plain(talk.title)), 150))]
    url = safe_url(url)  # a link Google or a person gave us: never markup, else no link at all
    if url:
        blocks.append(
            ActionsBlock(
                block_id=ids.BLOCK_LIVE_ACTIONS,
                elements=[
                    ButtonElement(
                        action_id=ids.ACTION_JOIN_STREAM,
                        text=truncate(join_label, 75),
                        url=url,
                        style="primary",
                        value=str(talk.id),
                    )
                ],
            )
        )
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t(lang, "live.no_link"))))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=t(lang, "live.speakers", speakers=mentions(talk.speaker_ids)))])
    )
    # Leave room for Slack's 50-block limit whatever the features add.
    return blocks + extra[: 50 - len(blocks)]


def lead_text(lang: str, lead_minutes: int) -> str:
    if lead_minutes >= 120 and lead_minutes % 60 == 0:
        return t(lang, "reminder.lead.hours", hours=lead_minutes // 60)
    return t(lang, "reminder.lead.minutes", minutes=lead_minutes)


def reminder_thread_text(talk: Talk) -> str:
    return t(
        talk.language, "reminder.text", title=mrkdwn_escape(talk.title), when=slack_date(talk.starts_at, talk.timezone)
    )


def reminder_dm_text(talk: Talk, lang: str, lead_minutes: int, url: str | None) -> str:
    url = safe_url(url)
    link = t(lang, "reminder.dm.link", url=mrkdwn_escape(url)) if url else ""
    when = slack_date(talk.starts_at, talk.timezone)
    return t(
        lang, "reminder.dm", title=mrkdwn_escape(talk.title), lead=lead_text(lang, lead_minutes), when=when, link=link
    ).strip()
