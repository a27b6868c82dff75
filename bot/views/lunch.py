"""Lunch headcount: the organiser's lunch settings modal, the RSVP's "in person (with lunch) or remote" modal, the
DMs about the waitlist, and the headcount at the lunch-order cutoff. Pure functions of their inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import Talk
from bot.i18n import t
from bot.views.formatting import mention, mrkdwn_escape, plain, slack_date, truncate

DIETARY_MAX = 300
CAPACITY_MAX = 10_000


@dataclass(frozen=True)
class HeadcountLine:
    user_id: str
    state: str  # in_person | waitlist | remote
    dietary: str | None
    late: bool


def _option(lang: str, value: str) -> Option:
    return Option(value=value, label=t(lang, f"lunch.mode.{value}"))


def build_lunch_settings_modal(
    lang: str, talk: Talk, *, enabled: bool, capacity: int | None, cutoff_at: datetime
) -> View:
    ask = Option(value=ids.LUNCH_OPTION_ASK, label=t(lang, "lunch.settings.ask"))
    return View(
        type="modal",
        callback_id=ids.CALLBACK_LUNCH_SETTINGS,
        title=t(lang, "lunch.settings.title"),
        submit=t(lang, "lunch.settings.submit"),
        close=t(lang, "lunch.settings.close"),
        private_metadata=str(talk.id),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(t(lang, "lunch.settings.body", title=mrkdwn_escape(talk.title)), 3000)
                )
            ),
            InputBlock(
                block_id=ids.BLOCK_LUNCH_ASK,
                label=t(lang, "lunch.settings.ask.label"),
                optional=True,
                element=CheckboxesElement(
                    action_id=ids.ACTION_LUNCH_ASK, options=[ask], initial_options=[ask] if enabled else None
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_LUNCH_CAPACITY,
                label=t(lang, "lunch.settings.capacity"),
                hint=t(lang, "lunch.settings.capacity.hint"),
                optional=True,
                element=NumberInputElement(
                    action_id=ids.ACTION_LUNCH_CAPACITY,
                    is_decimal_allowed=False,
                    initial_value=str(capacity) if capacity is not None else None,
                    min_value="0",
                    max_value=str(CAPACITY_MAX),
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_LUNCH_CUTOFF,
                label=t(lang, "lunch.settings.cutoff"),
                hint=t(lang, "lunch.settings.cutoff.hint"),
                element=DateTimePickerElement(
                    action_id=ids.ACTION_LUNCH_CUTOFF, initial_date_time=int(cutoff_at.timestamp())
                ),
            ),
        ],
    )


def build_lunch_rsvp_modal(
    lang: str, talk: Talk, *, in_person: bool | None, dietary: str | None, channel_id: str | None
) -> View:
    options = [_option(lang, "in_person"), _option(lang, "remote")]
    initial = None if in_person is None else options[0 if in_person else 1]
    return View(
        type="modal",
        callback_id=ids.CALLBACK_LUNCH_RSVP,
        title=t(lang, "lunch.rsvp.title"),
        submit=t(lang, "lunch.rsvp.submit"),
        close=t(lang, "lunch.rsvp.close"),
        # Where the Going click came from, for the confirmation (an id, never user text).
        private_metadata=f"{talk.id}:{channel_id or ''}",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(t(lang, "lunch.rsvp.body", title=mrkdwn_escape(talk.title)), 3000)
                )
            ),
            InputBlock(
                block_id=ids.BLOCK_LUNCH_MODE,
                label=t(lang, "lunch.rsvp.mode"),
                element=RadioButtonsElement(action_id=ids.ACTION_LUNCH_MODE, options=options, initial_option=initial),
            ),
            InputBlock(
                block_id=ids.BLOCK_LUNCH_DIETARY,
                label=t(lang, "lunch.rsvp.dietary"),
                hint=t(lang, "lunch.rsvp.dietary.hint"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.ACTION_LUNCH_DIETARY,
                    max_length=DIETARY_MAX,
                    initial_value=plain(dietary) if dietary else None,
                ),
            ),
        ],
    )


def choice_text(lang: str, state: str, dietary: str | None) -> str:
    """`in person (with lunch) · dietary: vegetarian`, for the confirmation and the organiser's late-change DM."""
    text = t(lang, f"lunch.state.{state}")
    if dietary:
        text += " · " + t(lang, "lunch.dietary", note=mrkdwn_escape(truncate(dietary, DIETARY_MAX)))
    return text


def notice_text(lang: str, kind: str, talk: Talk, *, about: str | None = None, detail: str | None = None) -> str:
    """The DM for a lunch notice: moved onto / off the waitlist, or (to the organiser) a change after the cutoff."""
    title = mrkdwn_escape(talk.title)
    if kind == "late":
        return t(lang, "lunch.notice.late", title=title, who=mention(about or ""), choice=detail or "")
    return t(lang, f"lunch.notice.{kind}", title=title)


def headcount_text(lang: str, talk: Talk) -> str:
    return t(lang, "lunch.headcount.fallback", title=mrkdwn_escape(talk.title))


def build_headcount(lang: str, talk: Talk, lines: Sequence[HeadcountLine], *, capacity: int | None) -> list[Block]:
    counts = {state: sum(1 for line in lines if line.state == state) for state in ("in_person", "waitlist", "remote")}
    blocks: list[Block] = [
        HeaderBlock(text=truncate(t(lang, "lunch.headcount.header", title=plain(talk.title)), 150)),
        SectionBlock(
            text=MarkdownTextObject(
                text=t(
                    lang,
                    "lunch.headcount.counts",
                    in_person=counts["in_person"],
                    capacity=capacity if capacity is not None else "–",
                    waitlist=counts["waitlist"],
                    remote=counts["remote"],
                    when=slack_date(talk.starts_at, talk.timezone),
                )
            )
        ),
    ]
    notes = [
        t(lang, "lunch.headcount.note", who=mention(line.user_id), note=mrkdwn_escape(truncate(line.dietary, 200)))
        for line in lines
        if line.state == "in_person" and line.dietary
    ]
    body = "\n".join(notes) if notes else t(lang, "lunch.headcount.no_notes")
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=truncate(t(lang, "lunch.headcount.notes") + "\n" + body, 3000)))
    )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "lunch.headcount.csv"))]))
    return blocks
