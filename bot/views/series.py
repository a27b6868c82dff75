"""series: the series modal (and its parsing), /lunchlearn series, the empty-slot DM and the Home section."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import Series, SeriesCadence, SeriesSlot, SlotStatus, StreamKind, Talk
from bot.domain import (
    ANNOUNCE_DAYS_DEFAULT,
    ANNOUNCE_DAYS_MAX,
    ANNOUNCE_DAYS_MIN,
    DURATION_DEFAULT,
    DURATION_MAX,
    DURATION_MIN,
    SERIES_NAME_MAX,
    FieldErrors,
    SeriesInput,
)
from bot.i18n import t
from bot.views.formatting import channel_mention, mrkdwn_escape, plain, slack_date, truncate

LIST_SERIES_MAX = 8  # 8 series x (1 + 3 slots) + header stays far below a message's 50 blocks
LIST_SLOTS = 3
HOME_SERIES_MAX = 5
WEEKS = ("1", "2", "3", "4", "5", "-1")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

Values = dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class SlotRow:
    """A slot as shown: its date, status and the talk filling it (if any)."""

    slot: SeriesSlot
    talk: Talk | None


# --- Modal ---------------------------------------------------------------------------------------------------------


def _opt(lang: str, key: str, value: str) -> Option:
    return Option(value=value, label=t(lang, key))


def _cadence_options(lang: str) -> list[Option]:
    return [_opt(lang, f"series.cadence.{c.value}", c.value) for c in SeriesCadence]


def _weekday_options(lang: str) -> list[Option]:
    return [_opt(lang, f"series.weekday.{d}", str(d)) for d in range(7)]


def _week_options(lang: str) -> list[Option]:
    return [_opt(lang, f"series.week.{w}", w) for w in WEEKS]


def _stream_options(lang: str) -> list[Option]:
    return [_opt(lang, f"stream.{k.value}", k.value) for k in (StreamKind.YOUTUBE, StreamKind.MEET, StreamKind.MANUAL)]


def _pick(options: list[Option], value: str | None) -> Option | None:
    return next((o for o in options if o.value == value), None)


def build_series_modal(
    lang: str,
    *,
    series: Series | None = None,
    channel_id: str | None = None,
    timezone: str = "UTC",
) -> View:
    """New series (series is None) or edit. When editing, the channel stays (its slots and talks live there)."""
    cadences, weekdays, weeks, streams = (
        _cadence_options(lang),
        _weekday_options(lang),
        _week_options(lang),
        _stream_options(lang),
    )
    blocks: list[Block] = [
        InputBlock(
            block_id=ids.BLOCK_SERIES_NAME,
            label=t(lang, "series.field.name"),
            element=PlainTextInputElement(
                action_id=ids.ACTION_SERIES_NAME,
                max_length=SERIES_NAME_MAX,
                initial_value=series.name if series else None,
                placeholder=t(lang, "series.field.name.placeholder"),
            ),
        )
    ]
    if series is None:
        blocks.append(
            InputBlock(
                block_id=ids.BLOCK_SERIES_CHANNEL,
                label=t(lang, "series.field.channel"),
                hint=t(lang, "modal.field.channel.hint"),
                element=ConversationSelectElement(
                    action_id=ids.ACTION_SERIES_CHANNEL,
                    initial_conversation=channel_id,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=ids.BLOCK_SERIES_CADENCE,
            label=t(lang, "series.field.cadence"),
            element=StaticSelectElement(
                action_id=ids.ACTION_SERIES_CADENCE,
                options=cadences,
                initial_option=_pick(cadences, series.cadence.value if series else SeriesCadence.WEEKLY.value),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_WEEK,
            label=t(lang, "series.field.week"),
            hint=t(lang, "series.field.week.hint"),
            optional=True,
            element=StaticSelectElement(
                action_id=ids.ACTION_SERIES_WEEK,
                options=weeks,
                initial_option=_pick(weeks, str(series.week_of_month)) if series and series.week_of_month else None,
                placeholder=t(lang, "series.field.week.placeholder"),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_WEEKDAY,
            label=t(lang, "series.field.weekday"),
            element=StaticSelectElement(
                action_id=ids.ACTION_SERIES_WEEKDAY,
                options=weekdays,
                initial_option=_pick(weekdays, str(series.weekday if series else 1)),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_TIME,
            label=t(lang, "series.field.time"),
            element=TimePickerElement(
                action_id=ids.ACTION_SERIES_TIME, initial_time=series.start_time if series else "12:00"
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_TIMEZONE,
            label=t(lang, "series.field.timezone"),
            hint=t(lang, "series.field.timezone.hint"),
            element=PlainTextInputElement(
                action_id=ids.ACTION_SERIES_TIMEZONE,
                max_length=64,
                initial_value=series.timezone if series else timezone,
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_DURATION,
            label=t(lang, "series.field.duration"),
            hint=t(lang, "modal.field.duration.hint", min=DURATION_MIN, max=DURATION_MAX),
            element=NumberInputElement(
                action_id=ids.ACTION_SERIES_DURATION,
                is_decimal_allowed=False,
                initial_value=str(series.duration_minutes if series else DURATION_DEFAULT),
                min_value=str(DURATION_MIN),
                max_value=str(DURATION_MAX),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_STREAM,
            label=t(lang, "series.field.stream"),
            element=StaticSelectElement(
                action_id=ids.ACTION_SERIES_STREAM,
                options=streams,
                initial_option=_pick(streams, (series.stream_kind if series else StreamKind.MANUAL).value),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_ANNOUNCE_DAYS,
            label=t(lang, "series.field.announce_days"),
            hint=t(lang, "series.field.announce_days.hint"),
            element=NumberInputElement(
                action_id=ids.ACTION_SERIES_ANNOUNCE_DAYS,
                is_decimal_allowed=False,
                initial_value=str(series.announce_days if series else ANNOUNCE_DAYS_DEFAULT),
                min_value=str(ANNOUNCE_DAYS_MIN),
                max_value=str(ANNOUNCE_DAYS_MAX),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SERIES_ORGANISERS,
            label=t(lang, "series.field.organisers"),
            hint=t(lang, "series.field.organisers.hint"),
            optional=True,
            element=UserMultiSelectElement(
                action_id=ids.ACTION_SERIES_ORGANISERS,
                initial_users=(series.co_organiser_ids or None) if series else None,
                max_selected_items=10,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.CALLBACK_SERIES_EDIT if series else ids.CALLBACK_SERIES_NEW,
        title=t(lang, "series.modal.edit" if series else "series.modal.new"),
        submit=t(lang, "modal.submit.save" if series else "series.modal.create"),
        close=t(lang, "modal.close"),
        private_metadata=str(series.id) if series else "",
        blocks=blocks,
    )


def _value(values: Values, block: str, action: str) -> dict[str, Any]:
    return values.get(block, {}).get(action, {}) or {}


def _selected(values: Values, block: str, action: str) -> str | None:
    option = _value(values, block, action).get("selected_option") or {}
    value = option.get("value")
    return str(value) if value is not None else None


def _int(raw: object) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def parse_series_submission(
    values: Values, lang: str, *, channel_id: str | None = None
) -> tuple[SeriesInput | None, FieldErrors]:
    """The modal's values as a SeriesInput, or errors per field. `channel_id` is given when editing."""
    errors = FieldErrors()
    name = " ".join(str(_value(values, ids.BLOCK_SERIES_NAME, ids.ACTION_SERIES_NAME).get("value") or "").split())
    if not name:
        errors.add(ids.BLOCK_SERIES_NAME, t(lang, "series.error.name"))
    elif len(name) > SERIES_NAME_MAX:
        errors.add(ids.BLOCK_SERIES_NAME, t(lang, "error.title.too_long", max=SERIES_NAME_MAX))
    channel = channel_id or _value(values, ids.BLOCK_SERIES_CHANNEL, ids.ACTION_SERIES_CHANNEL).get(
        "selected_conversation"
    )
    if not channel:
        errors.add(ids.BLOCK_SERIES_CHANNEL, t(lang, "error.channel.missing"))
    cadence = _selected(values, ids.BLOCK_SERIES_CADENCE, ids.ACTION_SERIES_CADENCE)
    if cadence not in {c.value for c in SeriesCadence}:
        errors.add(ids.BLOCK_SERIES_CADENCE, t(lang, "series.error.cadence"))
    week_raw = _selected(values, ids.BLOCK_SERIES_WEEK, ids.ACTION_SERIES_WEEK)
    week = int(week_raw) if week_raw in WEEKS else None
    if cadence == SeriesCadence.MONTHLY.value and week is None:
        errors.add(ids.BLOCK_SERIES_WEEK, t(lang, "series.error.week"))
    weekday = _int(_selected(values, ids.BLOCK_SERIES_WEEKDAY, ids.ACTION_SERIES_WEEKDAY))
    if weekday is None or not 0 <= weekday <= 6:
        errors.add(ids.BLOCK_SERIES_WEEKDAY, t(lang, "series.error.weekday"))
    start_time = str(_value(values, ids.BLOCK_SERIES_TIME, ids.ACTION_SERIES_TIME).get("selected_time") or "")
    if not _TIME.match(start_time):
        errors.add(ids.BLOCK_SERIES_TIME, t(lang, "series.error.time"))
    tz = str(_value(values, ids.BLOCK_SERIES_TIMEZONE, ids.ACTION_SERIES_TIMEZONE).get("value") or "").strip()
    try:
        if not tz or len(tz) > 64:
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ValueError, KeyError):
        errors.add(ids.BLOCK_SERIES_TIMEZONE, t(lang, "series.error.timezone"))
    duration = _int(_value(values, ids.BLOCK_SERIES_DURATION, ids.ACTION_SERIES_DURATION).get("value"))
    if duration is None or not DURATION_MIN <= duration <= DURATION_MAX:
        errors.add(ids.BLOCK_SERIES_DURATION, t(lang, "error.duration.invalid", min=DURATION_MIN, max=DURATION_MAX))
    stream = _selected(values, ids.BLOCK_SERIES_STREAM, ids.ACTION_SERIES_STREAM)
    if stream not in {k.value for k in StreamKind}:
        errors.add(ids.BLOCK_SERIES_STREAM, t(lang, "series.error.stream"))
    days = _int(_value(values, ids.BLOCK_SERIES_ANNOUNCE_DAYS, ids.ACTION_SERIES_ANNOUNCE_DAYS).get("value"))
    if days is None or not ANNOUNCE_DAYS_MIN <= days <= ANNOUNCE_DAYS_MAX:
        errors.add(
            ids.BLOCK_SERIES_ANNOUNCE_DAYS,
            t(lang, "series.error.announce_days", min=ANNOUNCE_DAYS_MIN, max=ANNOUNCE_DAYS_MAX),
        )
    users = _value(values, ids.BLOCK_SERIES_ORGANISERS, ids.ACTION_SERIES_ORGANISERS).get("selected_users") or []
    if errors:
        return None, errors
    assert cadence is not None and weekday is not None and duration is not None and days is not None
    return (
        SeriesInput(
            name=name,
            channel_id=str(channel),
            cadence=cadence,
            weekday=weekday,
            week_of_month=week if cadence == SeriesCadence.MONTHLY.value else None,
            start_time=start_time,
            timezone=tz,
            duration_minutes=duration,
            stream_kind=StreamKind(str(stream)),
            announce_days=days,
            co_organiser_ids=[str(u) for u in users][:10],
        ),
        errors,
    )


# --- Texts ---------------------------------------------------------------------------------------------------------


def cadence_phrase(lang: str, series: Series) -> str:
    day = t(lang, f"series.weekday.{series.weekday}")
    if series.cadence is SeriesCadence.MONTHLY:
        week = t(lang, f"series.week.{series.week_of_month or 1}")
        return t(lang, "series.rule.monthly", week=week, day=day, time=series.start_time, tz=series.timezone)
    return t(lang, f"series.rule.{series.cadence.value}", day=day, time=series.start_time, tz=series.timezone)


def slot_line(lang: str, series: Series, row: SlotRow) -> str:
    when = slack_date(row.slot.starts_at, series.timezone)
    if row.talk is not None:
        state = t(lang, "series.slot.talk", title=mrkdwn_escape(row.talk.title))
        if row.talk.status.value == "cancelled":
            state += " " + t(lang, "series.slot.talk_cancelled")
    else:
        state = t(lang, f"series.slot.{row.slot.status.value}")
    return truncate(f"{when} · {state}", 3000)


def _menu(lang: str, series: Series) -> OverflowMenuElement:
    pause = ids.SERIES_MENU_RESUME if series.paused else ids.SERIES_MENU_PAUSE
    options = [
        Option(value=f"{ids.SERIES_MENU_EDIT}:{series.id}", label=t(lang, "series.menu.edit")),
        Option(value=f"{pause}:{series.id}", label=t(lang, f"series.menu.{pause}")),
        Option(value=f"{ids.SERIES_MENU_FEED}:{series.id}", label=t(lang, "series.menu.feed")),
        Option(value=f"{ids.SERIES_MENU_REPORT}:{series.id}", label=t(lang, "series.menu.report")),
    ]
    return OverflowMenuElement(action_id=ids.ACTION_SERIES_MENU, options=options)


def _fill_button(lang: str, slot: SeriesSlot) -> ButtonElement:
    return ButtonElement(action_id=ids.ACTION_SLOT_FILL, text=t(lang, "series.button.fill"), value=str(slot.id))


def series_summary(lang: str, series: Series) -> str:
    line = t(
        lang,
        "series.summary",
        name=mrkdwn_escape(series.name),
        channel=channel_mention(series.channel_id),
        rule=mrkdwn_escape(cadence_phrase(lang, series)),
    )
    if series.paused:
        line += " " + t(lang, "series.paused")
    return truncate(line, 3000)


def build_series_list(
    lang: str, entries: Sequence[tuple[Series, Sequence[SlotRow], bool]], *, more: int = 0
) -> list[Block]:
    """/lunchlearn series: each series with its next slots; managers get the menu and "Fill slot" buttons."""
    if not entries:
        return [SectionBlock(text=MarkdownTextObject(text=t(lang, "series.list.empty")))]
    blocks: list[Block] = [HeaderBlock(text=t(lang, "series.list.header"))]
    for series, rows, manager in entries[:LIST_SERIES_MAX]:
        blocks.append(
            SectionBlock(
                block_id=f"series_{series.id}",
                text=MarkdownTextObject(text=series_summary(lang, series)),
                accessory=_menu(lang, series) if manager else None,
            )
        )
        if not rows:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "series.slots.none"))]))
        for row in rows[:LIST_SLOTS]:
            fill = manager and row.talk is None and row.slot.status is SlotStatus.OPEN and not series.paused
            blocks.append(
                SectionBlock(
                    block_id=f"slot_{row.slot.id}",
                    text=MarkdownTextObject(text=slot_line(lang, series, row)),
                    accessory=_fill_button(lang, row.slot) if fill else None,
                )
            )
    if more:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "list.more", count=more))]))
    return blocks


def series_home_blocks(lang: str, entries: Sequence[tuple[Series, Sequence[SlotRow], bool]]) -> list[Block]:
    """The Home tab's series section (header + at most 1 + 2 blocks per series): the next slot of each series."""
    if not entries:
        return []
    blocks: list[Block] = [HeaderBlock(text=t(lang, "series.home.header"))]
    for series, rows, manager in entries[:HOME_SERIES_MAX]:
        text = series_summary(lang, series)
        if rows:
            text = truncate(text + "\n" + slot_line(lang, series, rows[0]), 3000)
        first = rows[0] if rows else None
        fill = manager and first is not None and first.talk is None and first.slot.status is SlotStatus.OPEN
        blocks.append(
            SectionBlock(
                block_id=f"home_series_{series.id}",
                text=MarkdownTextObject(text=text),
                accessory=_fill_button(lang, first.slot) if fill and first is not None else None,
            )
        )
    return blocks


def empty_slot_text(lang: str, series: Series, slot: SeriesSlot) -> str:
    return t(
        lang,
        "series.empty.text",
        name=mrkdwn_escape(series.name),
        when=slack_date(slot.starts_at, series.timezone),
        channel=channel_mention(series.channel_id),
    )


def build_empty_slot_dm(lang: str, series: Series, slot: SeriesSlot) -> list[Block]:
    """The organisers' DM: the next slot has no speaker; fill, skip or cancel it."""
    return [
        SectionBlock(text=MarkdownTextObject(text=truncate(empty_slot_text(lang, series, slot), 3000))),
        ActionsBlock(
            block_id=f"empty_slot_{slot.id}",
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_SLOT_FILL,
                    text=t(lang, "series.button.fill"),
                    value=str(slot.id),
                    style="primary",
                ),
                ButtonElement(action_id=ids.ACTION_SLOT_SKIP, text=t(lang, "series.button.skip"), value=str(slot.id)),
                ButtonElement(
                    action_id=ids.ACTION_SLOT_CANCEL,
                    text=t(lang, "series.button.cancel"),
                    value=str(slot.id),
                    style="danger",
                ),
            ],
        ),
    ]


def feed_name(series: Series) -> str:
    return plain(series.name)
