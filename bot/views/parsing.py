"""Turn a submitted talk modal into a TalkInput, or into per-field errors in the user's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from bot import ids
from bot.db.models import StreamKind
from bot.domain import (
    DESCRIPTION_MAX,
    DURATION_MAX,
    DURATION_MIN,
    REMINDER_MAX_COUNT,
    REMINDER_MAX_MINUTES,
    TITLE_MAX,
    URL_MAX,
    FieldErrors,
    TalkInput,
    parse_offsets,
)
from bot.i18n import SUPPORTED, t
from bot.views.formatting import URL_FORBIDDEN, safe_url

# A start this far in the past is still accepted: the organiser may have filled the form slowly.
START_GRACE = timedelta(minutes=1)

Values = dict[str, dict[str, dict[str, Any]]]


def _value(values: Values, block: str, action: str) -> dict[str, Any]:
    return values.get(block, {}).get(action, {}) or {}


def _text(values: Values, block: str, action: str) -> str:
    return str(_value(values, block, action).get("value") or "").strip()


def _selected(values: Values, block: str, action: str) -> str | None:
    option = _value(values, block, action).get("selected_option") or {}
    return option.get("value")


@dataclass(frozen=True)
class NotShown:
    """What the fields the form did not show stand for ("More options" never opened): the defaults for a new talk,
    the talk's own values when editing, so hiding a field never resets it."""

    language: str | None = None  # None: the submitter's language
    reminder_offsets: str | None = None  # None: the deployment's usual reminders
    announce_link: bool = False


def _shown(values: Values, block: str, action: str) -> bool:
    # Slack sends every input of the form in state.values (empty ones too), and nothing else.
    return isinstance(values.get(block, {}).get(action), dict)


def validate_stream_url(raw: str) -> str | None:
    """The error key for a manual stream link, or None when it is a usable https URL. The link is placed in mrkdwn
    as <url|label>, so characters that could end or split that token (or hide in it) are refused, not repaired."""
    if len(raw) > URL_MAX or not raw.lower().startswith(("https://", "http://")):
        return "error.stream_url.invalid"
    if any(c in URL_FORBIDDEN or c.isspace() or not c.isprintable() for c in raw):
        return "error.stream_url.characters"
    try:
        parsed = urlparse(raw)
        hostname = parsed.hostname
    except ValueError:  # e.g. an unbalanced [ in the host
        return "error.stream_url.invalid"
    if parsed.scheme == "http" and parsed.netloc:
        return "error.stream_url.not_https"
    if parsed.scheme != "https" or not hostname or "." not in hostname or safe_url(raw) is None:
        return "error.stream_url.invalid"
    return None


def parse_talk_submission(
    values: Values,
    lang: str,
    *,
    now: datetime | None = None,
    channel_id: str | None = None,
    unchanged_start: datetime | None = None,
    not_shown: NotShown | None = None,
) -> tuple[TalkInput | None, FieldErrors]:
    """channel_id is given when the modal has no channel field (editing keeps the announcement's channel);
    unchanged_start (editing) is accepted even if it has passed, so a live talk's title can still be fixed;
    not_shown: what the fields missing from the form stand for."""
    now = now or datetime.now(UTC)
    hidden = not_shown or NotShown()
    errors = FieldErrors()

    title = " ".join(_text(values, ids.BLOCK_TITLE, ids.ACTION_TITLE).split())
    if not title:
        errors.add(ids.BLOCK_TITLE, t(lang, "error.title.empty"))
    elif len(title) > TITLE_MAX:
        errors.add(ids.BLOCK_TITLE, t(lang, "error.title.too_long", max=TITLE_MAX))

    description = _text(values, ids.BLOCK_DESCRIPTION, ids.ACTION_DESCRIPTION)
    if len(description) > DESCRIPTION_MAX:
        errors.add(ids.BLOCK_DESCRIPTION, t(lang, "error.description.too_long", max=DESCRIPTION_MAX))

    speakers: list[str] = []
    for user in _value(values, ids.BLOCK_SPEAKERS, ids.ACTION_SPEAKERS).get("selected_users") or []:
        if user not in speakers:
            speakers.append(user)
    if not speakers:
        errors.add(ids.BLOCK_SPEAKERS, t(lang, "error.speakers.empty"))

    starts_at: datetime | None = None
    raw_start = _value(values, ids.BLOCK_START, ids.ACTION_START).get("selected_date_time")
    if raw_start in (None, ""):
        errors.add(ids.BLOCK_START, t(lang, "error.start.missing"))
    else:
        try:
            starts_at = datetime.fromtimestamp(int(raw_start), tz=UTC)
        except (TypeError, ValueError, OverflowError):
            errors.add(ids.BLOCK_START, t(lang, "error.start.missing"))
        else:
            if starts_at < now - START_GRACE and starts_at != unchanged_start:
                errors.add(ids.BLOCK_START, t(lang, "error.start.past"))

    duration = 0
    raw_duration = _text(values, ids.BLOCK_DURATION, ids.ACTION_DURATION)
    try:
        duration = int(raw_duration)
    except ValueError:
        duration = 0
    if not DURATION_MIN <= duration <= DURATION_MAX:
        errors.add(ids.BLOCK_DURATION, t(lang, "error.duration.invalid", min=DURATION_MIN, max=DURATION_MAX))

    if channel_id is None:
        channel_id = _value(values, ids.BLOCK_CHANNEL, ids.ACTION_CHANNEL).get("selected_conversation") or None
        if not channel_id:
            errors.add(ids.BLOCK_CHANNEL, t(lang, "error.channel.missing"))
        elif channel_id.startswith(("D", "U", "W")):
            errors.add(ids.BLOCK_CHANNEL, t(lang, "error.channel.im"))

    try:
        stream_kind = StreamKind(_selected(values, ids.BLOCK_STREAM_KIND, ids.ACTION_STREAM_KIND) or StreamKind.MANUAL)
    except ValueError:
        stream_kind = StreamKind.MANUAL
    stream_url: str | None = _text(values, ids.BLOCK_STREAM_URL, ids.ACTION_STREAM_URL) or None
    if stream_kind is StreamKind.MANUAL:
        if not _shown(values, ids.BLOCK_STREAM_URL, ids.ACTION_STREAM_URL):
            # Chosen, then submitted before the form was redrawn with the link field (or the redraw was lost).
            errors.add(ids.BLOCK_STREAM_KIND, t(lang, "form.error.stream_url.not_shown"))
        elif not stream_url:
            errors.add(ids.BLOCK_STREAM_URL, t(lang, "error.stream_url.missing"))
        elif problem := validate_stream_url(stream_url):
            errors.add(ids.BLOCK_STREAM_URL, t(lang, problem))
    else:
        stream_url = None  # created through Google when the talk is scheduled

    language = _selected(values, ids.BLOCK_LANGUAGE, ids.ACTION_LANGUAGE) or hidden.language or lang
    if language not in SUPPORTED:
        language = lang

    reminder_offsets = hidden.reminder_offsets
    if _shown(values, ids.BLOCK_REMINDERS, ids.ACTION_REMINDERS):
        chosen = _value(values, ids.BLOCK_REMINDERS, ids.ACTION_REMINDERS).get("selected_options") or []
        offsets = parse_offsets(",".join(str(option.get("value") or "") for option in chosen))
        if offsets is None:
            errors.add(
                ids.BLOCK_REMINDERS,
                t(lang, "error.reminders.invalid", max=REMINDER_MAX_COUNT, limit=REMINDER_MAX_MINUTES),
            )
        reminder_offsets = ",".join(str(v) for v in offsets) if offsets else None

    announce_link = hidden.announce_link
    if _shown(values, ids.BLOCK_ANNOUNCE_LINK, ids.ACTION_ANNOUNCE_LINK):
        checked = _value(values, ids.BLOCK_ANNOUNCE_LINK, ids.ACTION_ANNOUNCE_LINK).get("selected_options") or []
        announce_link = any(option.get("value") == "yes" for option in checked)

    if errors or starts_at is None or channel_id is None:
        return None, errors
    return (
        TalkInput(
            title=title,
            description=description,
            speaker_ids=speakers,
            starts_at=starts_at,
            duration_minutes=duration,
            channel_id=channel_id,
            stream_kind=stream_kind,
            stream_url=stream_url,
            language=language,
            reminder_offsets=reminder_offsets,
            announce_link=announce_link and stream_kind is not StreamKind.MANUAL,
        ),
        errors,
    )
