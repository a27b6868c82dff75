"""Text helpers shared by builders: escaping, Slack date tokens, mentions, links, calendar links, truncation.

User and external text is hostile. Every such string placed in mrkdwn (section text/fields, context mrkdwn, a
message's notification `text`) goes through `mrkdwn_escape`; plain_text objects, which Slack does not parse, go
through `plain`. Both first drop invisible characters (`clean`). Markup (`<@U1>`, `<!date^...>`, `<url|label>`) is
only ever written by the helpers below, from validated ids and URLs and fixed labels.

Length: escaping grows text (`<` becomes `&lt;`), so limits are applied to the final string with `truncate`, which
never cuts an entity or a `<...>` token in half. Truncating raw text earlier (for brevity) is fine too, because it
happens before escaping.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import urlencode, urlparse
from zoneinfo import ZoneInfo

# Kept although they are format characters: ZWJ/ZWNJ join emoji sequences and shape Indic and Persian script.
_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})
_KEEP_CONTROL = frozenset({"\n", "\t"})
_ID = re.compile(r"^[A-Z0-9]{2,30}$")
# Characters a link target may not contain: they would end or split Slack's <url|label> token, or break quoting.
URL_FORBIDDEN = frozenset("<>|\"'`\\")


def clean(text: str) -> str:
    """Drop characters that are invisible or reorder what is shown: bidi overrides, embeddings, isolates and marks,
    zero-width spaces, BOM, soft hyphen (Unicode category Cf, except ZWJ/ZWNJ), and control characters other than
    newline and tab. They let a name or title look like something else ("evil" shown reversed, "Ali\u200bce")."""
    return "".join(
        c
        for c in text
        if c in _KEEP_FORMAT
        or c in _KEEP_CONTROL
        or unicodedata.category(c) not in ("Cf", "Cc", "Cs", "Co", "Zl", "Zp")
    )


def mrkdwn_escape(text: str) -> str:
    """User or external text for a mrkdwn field: Slack's three entities, so nothing in it can mention, link or
    ping (`<!channel>` shows as typed, and `&lt;!channel&gt;` stays those literal characters)."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str) -> str:
    """User or external text for a plain_text object: Slack shows it as is, so only invisible characters go."""
    return clean(text)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when cut. Never ends inside an entity (`&amp;`) or a
    `<...>` token, which would leave half an escape or an unclosed mention or link."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and amp >= len(cut) - 4 and ";" not in cut[amp:]:
        cut = cut[:amp]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    return cut + "…"


def mention(user_id: str) -> str:
    """A user mention from an id Slack gave us; anything that is not an id is shown escaped, never as markup."""
    return f"<@{user_id}>" if _ID.match(user_id or "") else mrkdwn_escape(user_id or "")


def channel_mention(channel_id: str) -> str:
    return f"<#{channel_id}>" if _ID.match(channel_id or "") else mrkdwn_escape(channel_id or "")


def mentions(user_ids: list[str]) -> str:
    return ", ".join(mention(u) for u in user_ids)


def safe_url(url: str | None) -> str | None:
    """`url` if it can stand in a <url|label> token: https with a host, no markup, quotes, spaces or controls."""
    if not url or len(url) > 3000 or any(c in URL_FORBIDDEN or c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parsed = urlparse(url)
    except ValueError:
        return None
    return url if parsed.scheme == "https" and parsed.hostname else None


def mrkdwn_link(url: str | None, label: str) -> str:
    """A link with a fixed label the bot chose (escaped here); a URL that fails `safe_url` shows only the label."""
    target = safe_url(url)
    text = mrkdwn_escape(label)
    return f"<{target.replace('&', '&amp;')}|{text}>" if target else text


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
