"""Text helpers shared by builders: Slack date tokens, mentions, calendar links, truncation."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mentions(user_ids: list[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


def fallback_time(when: datetime, timezone: str) -> str:
    local = when.astimezone(ZoneInfo(timezone))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or timezone)


def slack_date(when: datetime, timezone: str) -> str:
    """A date every reader sees in their own time zone; the fallback (old clients, notifications) uses the talk's."""
    epoch = int(when.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback_time(when, timezone)}>"


def google_calendar_link(
    *, title: str, details: str, starts_at: datetime, ends_at: datetime, location: str = ""
) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    params = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{starts_at.strftime(fmt)}/{ends_at.strftime(fmt)}",
        "details": truncate(details, 1000),
    }
    if location:
        params["location"] = location
    url = "https://calendar.google.com/calendar/render?" + urlencode(params)
    # A button URL may be at most 3,000 characters.
    while len(url) > 3000 and params["details"]:
        params["details"] = params["details"][: len(params["details"]) // 2]
        url = "https://calendar.google.com/calendar/render?" + urlencode(params)
    return url
