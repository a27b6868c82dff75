"""Confirmation modal for cancelling a talk, with an optional reason for the attendees."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import t
from bot.views.formatting import mrkdwn_escape, truncate

CANCEL_REASON_MAX = 500


def build_cancel_modal(lang: str, *, talk_id: int, title: str) -> View:
    return View(
        type="modal",
        callback_id=ids.CALLBACK_TALK_CANCEL,
        title=t(lang, "modal.cancel.title"),
        submit=t(lang, "modal.cancel.submit"),
        close=t(lang, "modal.cancel.close"),
        private_metadata=str(talk_id),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(text=truncate(t(lang, "modal.cancel.body", title=mrkdwn_escape(title)), 3000))
            ),
            InputBlock(
                block_id=ids.BLOCK_CANCEL_REASON,
                label=t(lang, "modal.cancel.reason"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.ACTION_CANCEL_REASON, multiline=True, max_length=CANCEL_REASON_MAX
                ),
            ),
        ],
    )
