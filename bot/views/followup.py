"""Follow-up after a talk: its slides and recording links on the card, Home, the survey DM and the thread; the
"Add links" modal; the no-show DM; the /lunchlearn archive list. Pure functions of their inputs.

Links are shown only through `mrkdwn_link` (a URL that fails `safe_url` shows no link at all), with labels the
bot chose, so a stored link can never carry markup."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import Talk, TalkStatus
from bot.i18n import t
from bot.views.formatting import mentions, mrkdwn_escape, mrkdwn_link, safe_url, slack_date, truncate

# Two links and a title fit one 3,000-character section (a link's own limit, 3,000, would not).
URL_INPUT_MAX = 1000
ARCHIVE_PAGE = 10  # talks per page: a section each, far below 50 blocks and the 3,000-character texts


def links_text(lang: str, talk: Talk) -> str | None:
    """`:page_facing_up: Slides · :movie_camera: Recording`, or None when the talk has no usable link."""
    parts = []
    if safe_url(talk.slides_url):
        parts.append(mrkdwn_link(talk.slides_url, t(lang, "followup.slides")))
    if safe_url(talk.recording_url):
        parts.append(mrkdwn_link(talk.recording_url, t(lang, "followup.recording")))
    return " · ".join(parts) or None


def add_links_button(lang: str, talk_id: int) -> ButtonElement:
    text = t(lang, "followup.button.add")
    return ButtonElement(action_id=ids.ACTION_FOLLOWUP_ADD_LINKS, text=text, value=str(talk_id))


def followup_links_line(lang: str, talk: Talk) -> list[Block]:
    """For an ended talk: one section with its links (or "none yet") and an "Add links" button (the service
    decides who may use it). Nothing for a talk that has not ended. Used by the card and Home."""
    if talk.status is not TalkStatus.ENDED:
        return []
    text = links_text(lang, talk)
    line = t(lang, "followup.line", links=text) if text else t(lang, "followup.line.none")
    return [
        # No block_id: Home may show one talk twice ("your talks" and "ended"), and ids must be unique in a view.
        SectionBlock(
            text=MarkdownTextObject(text=truncate(line, 3000)),
            accessory=add_links_button(lang, talk.id),
        )
    ]


def build_links_modal(lang: str, talk: Talk) -> View:
    def field(block_id: str, action_id: str, label: str, current: str | None) -> InputBlock:
        return InputBlock(
            block_id=block_id,
            label=t(lang, label),
            hint=PlainTextObject(text=t(lang, "followup.modal.hint")),
            optional=True,
            element=PlainTextInputElement(action_id=action_id, max_length=URL_INPUT_MAX, initial_value=current or None),
        )

    return View(
        type="modal",
        callback_id=ids.CALLBACK_FOLLOWUP_LINKS,
        title=t(lang, "followup.modal.title"),
        submit=t(lang, "followup.modal.submit"),
        close=t(lang, "followup.modal.close"),
        private_metadata=str(talk.id),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(t(lang, "followup.modal.body", title=mrkdwn_escape(talk.title)), 3000)
                )
            ),
            field(ids.BLOCK_FOLLOWUP_SLIDES, ids.ACTION_FOLLOWUP_SLIDES, "followup.modal.slides", talk.slides_url),
            field(
                ids.BLOCK_FOLLOWUP_RECORDING,
                ids.ACTION_FOLLOWUP_RECORDING,
                "followup.modal.recording",
                talk.recording_url,
            ),
        ],
    )


def followup_metadata(talk_id: int, kind: str) -> Metadata:
    """Finds the thread post or a no-show DM again after a crash (no second post)."""
    return Metadata(event_type=ids.METADATA_EVENT_TYPE, event_payload={"talk_id": talk_id, "kind": kind})


def thread_post_text(talk: Talk) -> str:
    lang = talk.language
    links = links_text(lang, talk)
    if links is None:  # the links were removed after the post went out
        return t(lang, "followup.thread.none", title=mrkdwn_escape(talk.title))
    return t(lang, "followup.thread", title=mrkdwn_escape(talk.title), links=links)


def thread_post_blocks(talk: Talk) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=truncate(thread_post_text(talk), 3000)))]


def no_show_text(lang: str, talk: Talk) -> str:
    return t(lang, "followup.noshow", title=mrkdwn_escape(talk.title), links=links_text(lang, talk) or "")


def no_show_blocks(lang: str, talk: Talk) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=truncate(no_show_text(lang, talk), 3000)))]


def build_archive(
    lang: str, talks: Sequence[Talk], *, query: str, page: int, has_more: bool, permalinks: dict[int, str]
) -> list[Block]:
    """One page of past talks with their links; "More" carries the page and the query in its value."""
    if not talks:
        key = "followup.archive.empty_query" if query else "followup.archive.empty"
        return [SectionBlock(text=MarkdownTextObject(text=t(lang, key, query=mrkdwn_escape(truncate(query, 100)))))]
    header = t(lang, "followup.archive.header")
    blocks: list[Block] = [HeaderBlock(text=truncate(header, 150))]
    if query:
        shown = t(lang, "followup.archive.query", query=mrkdwn_escape(truncate(query, 100)))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=shown)]))
    for talk in talks:
        line = t(
            lang,
            "followup.archive.item",
            title=mrkdwn_escape(talk.title),
            when=slack_date(talk.starts_at, talk.timezone),
            speakers=mentions(talk.speaker_ids),
        )
        extras = [text] if (text := links_text(lang, talk)) else []
        if link := permalinks.get(talk.id):
            extras.append(mrkdwn_link(link, t(lang, "followup.archive.card")))
        if extras:
            line += "\n" + " · ".join(extras)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 3000))))
    if has_more or page > 0:
        elements = []
        if page > 0:
            elements.append(
                ButtonElement(
                    action_id=ids.ACTION_ARCHIVE_PREV,
                    text=t(lang, "followup.archive.prev"),
                    value=archive_value(page - 1, query),
                )
            )
        if has_more:
            elements.append(
                ButtonElement(
                    action_id=ids.ACTION_ARCHIVE_NEXT,
                    text=t(lang, "followup.archive.next"),
                    value=archive_value(page + 1, query),
                )
            )
        blocks.append(ActionsBlock(block_id=ids.BLOCK_ARCHIVE_PAGES, elements=elements))
    return blocks


def archive_value(page: int, query: str) -> str:
    # A button value may be at most 2,000 characters; the query is cut well below.
    return f"{page}:{query[:500]}"


def parse_archive_value(value: str) -> tuple[int, str]:
    raw, _, query = (value or "").partition(":")
    page = int(raw) if raw.isascii() and raw.isdigit() else 0
    return min(page, 1000), query
