"""The new/edit talk modal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DateTimePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
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


def _more_summary(lang: str, *, language: str, reminders: str | None, default_reminders: str) -> str:
    """What the hidden fields hold now, so "More options" is not a surprise: language and reminders."""
    offsets = parse_offsets(reminders) if reminders else None
    chosen = offsets or parse_offsets(default_reminders) or []
    when = reminders_phrase(lang, chosen) if chosen else t(lang, "form.more.summary.no_reminders")
    return t(lang, "form.more.summary", language=t(lang, f"language.{language}"), reminders=when)


def build_talk_modal(
    lang: str,
    *,
    editing: bool = False,
    title: str = "",
    description: str = "",
    speaker_ids: list[str] | None = None,
    starts_at: datetime | None = None,
    duration_minutes: int | None = DURATION_DEFAULT,
    channel_id: str | None = None,
    stream_kind: StreamKind = StreamKind.MANUAL,
    stream_url: str | None = None,
    language: str | None = None,
    reminders: str | None = None,
    announce_link: bool = False,
    default_reminders: str = "1440,10",
    private_metadata: str = "",
    more: bool = False,
    survey_question: str | None = None,
    post_summary: bool = True,
) -> View:
    """The talk form. When editing, the channel is fixed (the announcement stays where it is).

    Only the fields of the chosen stream kind show (the link for "Link I'll provide", the announce-link option for
    YouTube/Meet); the radio dispatches an action so the bot redraws the form (views.update) when it changes. The
    rarely used fields (language, reminders, announce-link, survey choices) show only with `more`, behind a
    "More options" button; a submission without them keeps the defaults, or the talk's own values when editing."""
    language = language if language in SUPPORTED else lang
    blocks: list[Block] = [
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
                # Out of range (typed before a redraw): left out; Slack keeps what was typed, the submission says why.
                initial_value=str(duration_minutes)
                if duration_minutes is not None and DURATION_MIN <= duration_minutes <= DURATION_MAX
                else None,
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
    blocks.append(
        InputBlock(
            block_id=ids.BLOCK_STREAM_KIND,
            label=t(lang, "modal.field.stream_kind"),
            dispatch_action=True,  # a choice redraws the form with the fields of that kind
            element=RadioButtonsElement(
                action_id=ids.ACTION_STREAM_KIND,
                options=stream_options,
                initial_option=_stream_option(lang, stream_kind),
            ),
        )
    )
    if stream_kind is StreamKind.MANUAL:
        blocks.append(
            InputBlock(
                block_id=ids.BLOCK_STREAM_URL,
                label=t(lang, "modal.field.stream_url"),
                hint=t(lang, "form.stream_url.hint"),
                element=UrlInputElement(action_id=ids.ACTION_STREAM_URL, initial_value=stream_url or None),
            )
        )
    if not more:
        summary = _more_summary(lang, language=language, reminders=reminders, default_reminders=default_reminders)
        blocks += [
            ContextBlock(block_id=ids.BLOCK_TALK_FORM_SUMMARY, elements=[PlainTextObject(text=summary)]),
            ActionsBlock(
                block_id=ids.BLOCK_TALK_FORM_MORE,
                elements=[ButtonElement(action_id=ids.ACTION_TALK_FORM_MORE, text=t(lang, "form.more"), value="more")],
            ),
        ]
    else:
        if stream_kind is not StreamKind.MANUAL:
            blocks.append(
                InputBlock(
                    block_id=ids.BLOCK_ANNOUNCE_LINK,
                    label=t(lang, "modal.field.announce_link"),
                    optional=True,
                    element=CheckboxesElement(
                        action_id=ids.ACTION_ANNOUNCE_LINK,
                        options=[_announce_link_option(lang)],
                        initial_options=[_announce_link_option(lang)] if announce_link else None,
                    ),
                )
            )
        blocks += [
            InputBlock(
                block_id=ids.BLOCK_LANGUAGE,
                label=t(lang, "modal.field.language"),
                element=StaticSelectElement(
                    action_id=ids.ACTION_LANGUAGE,
                    options=[_language_option(lang, c) for c in SUPPORTED],
                    initial_option=_language_option(lang, language),
                ),
            ),
            _reminders_block(lang, reminders, default_reminders),
        ]
        if not editing:  # surveys: optional, defaults when left alone
            blocks += survey_choice_blocks(lang, question=survey_question, post_summary=post_summary)
    return View(
        type="modal",
        callback_id=ids.CALLBACK_TALK_EDIT if editing else ids.CALLBACK_TALK_NEW,
        title=t(lang, "modal.edit.title" if editing else "modal.new.title"),
        submit=t(lang, "modal.submit.save" if editing else "modal.submit.create"),
        close=t(lang, "modal.close"),
        private_metadata=private_metadata,
        blocks=blocks,
    )


# Redrawing the form from what was typed ----------------------------------------------------------------------------

StateValues = dict[str, dict[str, dict[str, Any]]]


def _state(values: StateValues, block: str, action: str) -> dict[str, Any] | None:
    """One input's state, or None when the form does not show that field."""
    entry = (values.get(block) or {}).get(action)
    return entry if isinstance(entry, dict) else None


def form_shows_more(blocks: list[dict[str, Any]]) -> bool:
    """Whether the form on screen already shows the rarely used fields (no "More options" button left)."""
    return not any(isinstance(b, dict) and b.get("block_id") == ids.BLOCK_TALK_FORM_MORE for b in blocks)


def form_from_state(values: StateValues) -> dict[str, Any]:
    """build_talk_modal's arguments for every field the form shows, from view.state.values: a redraw then starts
    from what was typed (fields not on screen are left out, so the caller's defaults apply to them)."""
    out: dict[str, Any] = {}
    if (title := _state(values, ids.BLOCK_TITLE, ids.ACTION_TITLE)) is not None:
        out["title"] = str(title.get("value") or "")
    if (description := _state(values, ids.BLOCK_DESCRIPTION, ids.ACTION_DESCRIPTION)) is not None:
        out["description"] = str(description.get("value") or "")
    if (speakers := _state(values, ids.BLOCK_SPEAKERS, ids.ACTION_SPEAKERS)) is not None:
        out["speaker_ids"] = [str(u) for u in speakers.get("selected_users") or []]
    if (start := _state(values, ids.BLOCK_START, ids.ACTION_START)) is not None:
        raw = start.get("selected_date_time")
        try:
            out["starts_at"] = datetime.fromtimestamp(int(raw), tz=UTC) if raw not in (None, "") else None
        except (TypeError, ValueError, OverflowError):
            out["starts_at"] = None
    if (duration := _state(values, ids.BLOCK_DURATION, ids.ACTION_DURATION)) is not None:
        raw_duration = str(duration.get("value") or "")
        out["duration_minutes"] = int(raw_duration) if raw_duration.isascii() and raw_duration.isdigit() else None
    if (channel := _state(values, ids.BLOCK_CHANNEL, ids.ACTION_CHANNEL)) is not None:
        out["channel_id"] = channel.get("selected_conversation") or None
    if (kind := _state(values, ids.BLOCK_STREAM_KIND, ids.ACTION_STREAM_KIND)) is not None:
        chosen = (kind.get("selected_option") or {}).get("value")
        if chosen in {k.value for k in StreamKind}:
            out["stream_kind"] = StreamKind(chosen)
    if (url := _state(values, ids.BLOCK_STREAM_URL, ids.ACTION_STREAM_URL)) is not None:
        out["stream_url"] = str(url.get("value") or "") or None
    if (announce := _state(values, ids.BLOCK_ANNOUNCE_LINK, ids.ACTION_ANNOUNCE_LINK)) is not None:
        out["announce_link"] = any(o.get("value") == "yes" for o in announce.get("selected_options") or [])
    if (language := _state(values, ids.BLOCK_LANGUAGE, ids.ACTION_LANGUAGE)) is not None:
        chosen_language = (language.get("selected_option") or {}).get("value")
        if chosen_language in SUPPORTED:
            out["language"] = chosen_language
    if (reminders := _state(values, ids.BLOCK_REMINDERS, ids.ACTION_REMINDERS)) is not None:
        offsets = parse_offsets(",".join(str(o.get("value") or "") for o in reminders.get("selected_options") or []))
        out["reminders"] = ",".join(str(m) for m in offsets) if offsets else None
    if (question := _state(values, ids.BLOCK_SURVEY_QUESTION, ids.ACTION_SURVEY_QUESTION)) is not None:
        out["survey_question"] = str(question.get("value") or "") or None
    if (options := _state(values, ids.BLOCK_SURVEY_OPTIONS, ids.ACTION_SURVEY_OPTIONS)) is not None:
        out["post_summary"] = any(
            o.get("value") == ids.SURVEY_OPTION_POST_SUMMARY for o in options.get("selected_options") or []
        )
    return out
