"""The new/edit talk modal."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    DateTimePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import StreamKind
from bot.domain import (
    DESCRIPTION_MAX,
    DURATION_DEFAULT,
    DURATION_MAX,
    DURATION_MIN,
    REMINDER_MAX_COUNT,
    TITLE_MAX,
    parse_offsets,
)
from bot.i18n import SUPPORTED, t, tn
from bot.views.survey import survey_choice_blocks


def _stream_option(lang: str, kind: StreamKind) -> Option:
    return Option(value=kind.value, label=t(lang, f"stream.{kind.value}"))


def _announce_link_option(lang: str) -> Option:
    return Option(value="yes", label=t(lang, "modal.field.announce_link.option"))


def _nudges_option(lang: str) -> Option:
    return Option(
        value=ids.NUDGES_ON, label=t(lang, "modal.field.nudges.option"), description=t(lang, "modal.field.nudges.hint")
    )


def nudges_block(lang: str, on: bool) -> InputBlock:
    """Opt-in: nudge the speakers on their private boards when the audience signals (slow down, can't hear)."""
    return InputBlock(
        block_id=ids.BLOCK_NUDGES,
        label=t(lang, "modal.field.nudges"),
        optional=True,
        element=CheckboxesElement(
            action_id=ids.ACTION_NUDGES,
            options=[_nudges_option(lang)],
            initial_options=[_nudges_option(lang)] if on else None,
        ),
    )


# Reminder leads offered in the form, in minutes: the day before, the hour before, just before.
REMINDER_PRESETS = (1440, 60, 10)


def reminder_label(lang: str, minutes: int) -> str:
    """'1 day before', '2 hours before', '90 minutes before' (the largest whole unit)."""
    if minutes % 1440 == 0:
        return tn(lang, "reminders.before.days", minutes // 1440)
    if minutes % 60 == 0:
        return tn(lang, "reminders.before.hours", minutes // 60)
    return tn(lang, "reminders.before.minutes", minutes)


def reminders_phrase(lang: str, offsets: list[int]) -> str:
    labels = [reminder_label(lang, m) for m in offsets]
    if len(labels) < 2:
        return "".join(labels)
    return t(lang, "reminders.and", first=t(lang, "reminders.comma").join(labels[:-1]), last=labels[-1])


def _reminder_option(lang: str, minutes: int) -> Option:
    return Option(value=str(minutes), label=reminder_label(lang, minutes))


def _reminders_block(lang: str, current: str | None, default: str) -> InputBlock:
    """Presets as a multi-select. A talk's own leads (and the deployment's default) are offered too, so a lead
    typed in the old free-text field, or configured by REMINDER_OFFSETS, is kept when the talk is edited."""
    own = parse_offsets(current) if current else None
    usual = parse_offsets(default) or []
    offered = sorted({*REMINDER_PRESETS, *(own or []), *usual}, reverse=True)
    hint = t(lang, "modal.field.reminders.hint", default=reminders_phrase(lang, usual)) if usual else None
    return InputBlock(
        block_id=ids.BLOCK_REMINDERS,
        label=t(lang, "modal.field.reminders"),
        hint=hint or t(lang, "modal.field.reminders.hint.none"),
        optional=True,
        element=StaticMultiSelectElement(
            action_id=ids.ACTION_REMINDERS,
            placeholder=t(lang, "modal.field.reminders.placeholder"),
            options=[_reminder_option(lang, m) for m in offered],
            initial_options=[_reminder_option(lang, m) for m in own] if own else None,
            max_selected_items=REMINDER_MAX_COUNT,
        ),
    )


def _language_option(lang: str, code: str) -> Option:
    return Option(value=code, label=t(lang, f"language.{code}"))


def build_talk_modal(
    lang: str,
    *,
    editing: bool = False,
    title: str = "",
    description: str = "",
    speaker_ids: list[str] | None = None,
    starts_at: datetime | None = None,
    duration_minutes: int = DURATION_DEFAULT,
    channel_id: str | None = None,
    stream_kind: StreamKind = StreamKind.MANUAL,
    stream_url: str | None = None,
    language: str | None = None,
    reminders: str | None = None,
    announce_link: bool = False,
    nudges: bool = False,
    default_reminders: str = "1440,10",
    private_metadata: str = "",
) -> View:
    """The talk form. When editing, the channel is fixed (the announcement stays where it is)."""
    blocks = [
        InputBlock(
            block_id=ids.BLOCK_TITLE,
            label=t(lang, "modal.field.title"),
            element=PlainTextInputElement(
                action_id=ids.ACTION_TITLE,
                initial_value=title[:TITLE_MAX] or None,
                max_length=TITLE_MAX,
                placeholder=t(lang, "modal.field.title.placeholder"),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_DESCRIPTION,
            label=t(lang, "modal.field.description"),
            optional=True,
            element=PlainTextInputElement(
                action_id=ids.ACTION_DESCRIPTION,
                multiline=True,
                initial_value=description[:DESCRIPTION_MAX] or None,
                max_length=DESCRIPTION_MAX,
                placeholder=t(lang, "modal.field.description.placeholder"),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SPEAKERS,
            label=t(lang, "modal.field.speakers"),
            element=UserMultiSelectElement(action_id=ids.ACTION_SPEAKERS, initial_users=speaker_ids or None),
        ),
        InputBlock(
            block_id=ids.BLOCK_START,
            label=t(lang, "modal.field.start"),
            hint=t(lang, "modal.field.start.hint"),
            element=DateTimePickerElement(
                action_id=ids.ACTION_START, initial_date_time=int(starts_at.timestamp()) if starts_at else None
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_DURATION,
            label=t(lang, "modal.field.duration"),
            hint=t(lang, "modal.field.duration.hint", min=DURATION_MIN, max=DURATION_MAX),
            element=NumberInputElement(
                action_id=ids.ACTION_DURATION,
                is_decimal_allowed=False,
                initial_value=str(duration_minutes),
                min_value=str(DURATION_MIN),
                max_value=str(DURATION_MAX),
            ),
        ),
    ]
    if not editing:
        blocks.append(
            InputBlock(
                block_id=ids.BLOCK_CHANNEL,
                label=t(lang, "modal.field.channel"),
                hint=t(lang, "modal.field.channel.hint"),
                element=ConversationSelectElement(
                    action_id=ids.ACTION_CHANNEL,
                    initial_conversation=channel_id,
                    default_to_current_conversation=channel_id is None or None,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            )
        )
    stream_options = [_stream_option(lang, k) for k in (StreamKind.YOUTUBE, StreamKind.MEET, StreamKind.MANUAL)]
    blocks += [
        InputBlock(
            block_id=ids.BLOCK_STREAM_KIND,
            label=t(lang, "modal.field.stream_kind"),
            element=RadioButtonsElement(
                action_id=ids.ACTION_STREAM_KIND,
                options=stream_options,
                initial_option=_stream_option(lang, stream_kind),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_STREAM_URL,
            label=t(lang, "modal.field.stream_url"),
            hint=t(lang, "modal.field.stream_url.hint"),
            optional=True,
            element=UrlInputElement(action_id=ids.ACTION_STREAM_URL, initial_value=stream_url or None),
        ),
        InputBlock(
            block_id=ids.BLOCK_ANNOUNCE_LINK,
            label=t(lang, "modal.field.announce_link"),
            optional=True,
            element=CheckboxesElement(
                action_id=ids.ACTION_ANNOUNCE_LINK,
                options=[_announce_link_option(lang)],
                initial_options=[_announce_link_option(lang)] if announce_link else None,
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_LANGUAGE,
            label=t(lang, "modal.field.language"),
            element=StaticSelectElement(
                action_id=ids.ACTION_LANGUAGE,
                options=[_language_option(lang, c) for c in SUPPORTED],
                initial_option=_language_option(lang, language or lang),
            ),
        ),
        _reminders_block(lang, reminders, default_reminders),
        nudges_block(lang, nudges),
    ]
    if not editing:
        blocks += survey_choice_blocks(lang)  # surveys: optional, defaults when left alone
    return View(
        type="modal",
        callback_id=ids.CALLBACK_TALK_EDIT if editing else ids.CALLBACK_TALK_NEW,
        title=t(lang, "modal.edit.title" if editing else "modal.new.title"),
        submit=t(lang, "modal.submit.save" if editing else "modal.submit.create"),
        close=t(lang, "modal.close"),
        private_metadata=private_metadata,
        blocks=blocks,
    )
