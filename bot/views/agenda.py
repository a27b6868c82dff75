"""A talk's agenda: the modal that sets it, its lines on the announcement, "Now:" on the live post and boards."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import Talk, TalkSegment
from bot.domain import SegmentInput
from bot.i18n import t
from bot.services.agenda.timing import segment_starts, shown_index
from bot.views.formatting import mention, mrkdwn_escape, truncate

SEGMENT_TITLE_MAX = 150


def _time(when_epoch: int, fallback: str) -> str:
    return f"<!date^{when_epoch}^{{time}}|{fallback}>"


def agenda_blocks(talk: Talk) -> list[Block]:
    """The agenda on the announcement: each part's start time (in the reader's time zone), speaker and topic."""
    if not talk.segments:
        return []
    lang = talk.language
    lines = [t(lang, "agenda.header")]
    for start, segment in zip(segment_starts(talk), talk.segments, strict=True):
        local = start.astimezone(ZoneInfo(talk.timezone)).strftime("%H:%M")
        lines.append(
            t(
                lang,
                "agenda.item",
                time=_time(int(start.timestamp()), local),
                speaker=mention(segment.speaker_id),
                title=mrkdwn_escape(segment.title),
                minutes=segment.minutes,
            )
        )
    return [SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), 3000)))]


def _segment_line(lang: str, key: str, segment: TalkSegment) -> str:
    return t(lang, key, speaker=mention(segment.speaker_id), title=mrkdwn_escape(segment.title))


def now_blocks(talk: Talk, *, lang: str | None = None, next_button: bool = False) -> list[Block]:
    """ "Now: <speaker>: <part>" and what comes next, for the live post (and, with the button, the boards)."""
    index = shown_index(talk)
    if index is None:
        return []
    lang = lang or talk.language
    lines = [_segment_line(lang, "agenda.now", talk.segments[index])]
    if index + 1 < len(talk.segments):
        lines.append(_segment_line(lang, "agenda.up_next", talk.segments[index + 1]))
    blocks: list[Block] = [
        SectionBlock(block_id=ids.BLOCK_AGENDA_NOW, text=MarkdownTextObject(text=truncate("\n".join(lines), 3000)))
    ]
    if next_button and index + 1 < len(talk.segments):
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=ids.ACTION_AGENDA_NEXT, text=t(lang, "agenda.button.next"), value=str(talk.id)
                    )
                ]
            )
        )
    return blocks


def build_agenda_modal(lang: str, talk: Talk) -> View:
    """One row (speaker, topic, minutes) per part, the current agenda filled in; empty rows are dropped."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=truncate(
                    t(lang, "agenda.modal.intro", title=mrkdwn_escape(talk.title), minutes=talk.duration_minutes),
                    3000,
                )
            )
        )
    ]
    for row in range(ids.AGENDA_ROWS):
        segment = talk.segments[row] if row < len(talk.segments) else None
        n = row + 1
        blocks += [
            InputBlock(
                block_id=f"{ids.BLOCK_AGENDA_SPEAKER}{n}",
                label=t(lang, "agenda.field.speaker", n=n),
                optional=True,
                element=UserSelectElement(
                    action_id=ids.ACTION_AGENDA_SPEAKER, initial_user=segment.speaker_id if segment else None
                ),
            ),
            InputBlock(
                block_id=f"{ids.BLOCK_AGENDA_TITLE}{n}",
                label=t(lang, "agenda.field.title", n=n),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.ACTION_AGENDA_TITLE,
                    max_length=SEGMENT_TITLE_MAX,
                    initial_value=segment.title if segment else None,
                ),
            ),
            InputBlock(
                block_id=f"{ids.BLOCK_AGENDA_MINUTES}{n}",
                label=t(lang, "agenda.field.minutes", n=n),
                optional=True,
                element=NumberInputElement(
                    action_id=ids.ACTION_AGENDA_MINUTES,
                    is_decimal_allowed=False,
                    min_value="1",
                    max_value="180",
                    initial_value=str(segment.minutes) if segment else None,
                ),
            ),
        ]
    return View(
        type="modal",
        callback_id=ids.CALLBACK_AGENDA,
        title=PlainTextObject(text=t(lang, "agenda.modal.title")),
        submit=PlainTextObject(text=t(lang, "agenda.modal.submit")),
        close=PlainTextObject(text=t(lang, "agenda.modal.close")),
        private_metadata=str(talk.id),
        blocks=blocks,
    )


def parse_agenda(
    values: dict[str, dict[str, dict[str, Any]]], *, lang: str, duration: int
) -> tuple[list[SegmentInput], dict[str, str]]:
    """The filled rows in order, or inline errors by block id: a half-filled row, minutes out of range, or parts
    that add up to more than the talk lasts. An agenda with no rows clears it."""
    segments: list[SegmentInput] = []
    errors: dict[str, str] = {}
    for n in range(1, ids.AGENDA_ROWS + 1):
        speaker = (values.get(f"{ids.BLOCK_AGENDA_SPEAKER}{n}", {}).get(ids.ACTION_AGENDA_SPEAKER) or {}).get(
            "selected_user"
        )
        title = str(
            (values.get(f"{ids.BLOCK_AGENDA_TITLE}{n}", {}).get(ids.ACTION_AGENDA_TITLE) or {}).get("value") or ""
        ).strip()
        raw_minutes = str(
            (values.get(f"{ids.BLOCK_AGENDA_MINUTES}{n}", {}).get(ids.ACTION_AGENDA_MINUTES) or {}).get("value") or ""
        ).strip()
        if not (speaker or title or raw_minutes):
            continue
        if not (speaker and title and raw_minutes):
            missing = (
                f"{ids.BLOCK_AGENDA_SPEAKER}{n}"
                if not speaker
                else f"{ids.BLOCK_AGENDA_TITLE}{n}"
                if not title
                else f"{ids.BLOCK_AGENDA_MINUTES}{n}"
            )
            errors[missing] = t(lang, "agenda.error.incomplete")
            continue
        if not raw_minutes.isascii() or not raw_minutes.isdigit() or not 1 <= int(raw_minutes) <= 180:
            errors[f"{ids.BLOCK_AGENDA_MINUTES}{n}"] = t(lang, "agenda.error.minutes")
            continue
        segments.append(
            SegmentInput(speaker_id=str(speaker), title=title[:SEGMENT_TITLE_MAX], minutes=int(raw_minutes))
        )
    total = sum(s.minutes for s in segments)
    if not errors and total > duration:
        last = len(segments)
        errors[f"{ids.BLOCK_AGENDA_MINUTES}{last}"] = t(lang, "agenda.error.too_long", total=total, minutes=duration)
    return segments, errors
