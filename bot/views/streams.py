"""Block Kit for streams: the organiser's failure DM (with "Add link") and the manual link modal."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import t
from bot.views.formatting import mrkdwn_escape, truncate


def build_stream_failed_blocks(lang: str, *, text: str, talk_id: int, offer_link: bool) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)))]
    if offer_link:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=ids.ACTION_STREAM_ADD_LINK,
                        text=t(lang, "streams.button.add_link"),
                        value=str(talk_id),
                        style="primary",
                    )
                ]
            )
        )
    return blocks


def build_link_modal(lang: str, *, talk_id: int, title: str) -> View:
    return View(
        type="modal",
        callback_id=ids.CALLBACK_STREAM_LINK,
        title=t(lang, "streams.modal.title"),
        submit=t(lang, "streams.modal.submit"),
        close=t(lang, "streams.modal.close"),
        private_metadata=str(talk_id),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(text=truncate(t(lang, "streams.modal.body", title=mrkdwn_escape(title)), 3000))
            ),
            InputBlock(
                block_id=ids.BLOCK_STREAM_LINK,
                label=t(lang, "streams.modal.url"),
                hint=PlainTextObject(text=t(lang, "streams.modal.url.hint")),
                element=UrlInputElement(action_id=ids.ACTION_STREAM_LINK),
            ),
        ],
    )
