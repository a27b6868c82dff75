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
from datetime import UTC, datetime
from urllib.parse import urlencode, urlparse
from zoneinfo import ZoneInfo

from bot.db.models import StreamKind
from bot.i18n import t

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


def when_range(starts_at: datetime, ends_at: datetime, timezone: str, lang: str) -> str:
    """Weekday, date, start and end time, each reader in their own time zone (Slack date tokens); the fallback
    (old clients, notifications) shows the talk's zone: "Thu 2026-12-03 12:00–12:45 JST"."""
    zone = ZoneInfo(timezone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    weekday = t(lang, "date.weekdays").split()[start.weekday()]
    start_fallback = t(
        lang, "date.fallback", weekday=weekday, date=start.strftime("%Y-%m-%d"), time=start.strftime("%H:%M")
    )
    end_fallback = end.strftime("%H:%M ") + (end.tzname() or timezone)
    return (
        f"<!date^{int(starts_at.timestamp())}^{{date_long}} {{time}}|{start_fallback}>"
        f"–<!date^{int(ends_at.timestamp())}^{{time}}|{end_fallback}>"
    )


_YOUTUBE_HOSTS = ("youtube.com", "youtu.be")
_MEET_HOSTS = ("meet.google.com",)
BUTTON_TEXT_MAX = 75  # Block Kit: a button's text


def _is_host(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def join_label(lang: str, url: str | None, kind: StreamKind | None = None) -> str:
    """The label of a join link, by where it leads: "Join on YouTube", "Join Google Meet", or "Join (zoom.us)" with
    the host from the URL, never text a person typed, so the label cannot claim another destination than the link
    opens. Plain text: escape it for mrkdwn (`mrkdwn_link` does). Shared by every surface with a join link."""
    try:
        host = (urlparse(url or "").hostname or "").lower().removeprefix("www.")
    except ValueError:
        host = ""
    if kind is StreamKind.YOUTUBE or _is_host(host, _YOUTUBE_HOSTS):
        return t(lang, "join.youtube")
    if kind is StreamKind.MEET or _is_host(host, _MEET_HOSTS):
        return t(lang, "join.meet")
    if not host:
        return t(lang, "join.link")
    label = t(lang, "join.host", host=clean(host))
    if len(label) > BUTTON_TEXT_MAX:  # a long host: keep its end, the registrable part people recognise
        room = BUTTON_TEXT_MAX - len(t(lang, "join.host", host="")) - 1
        label = t(lang, "join.host", host="…" + clean(host)[-room:])
    return label


def calendar_footer(lang: str, *, join_url: str | None, permalink: str | None) -> str:
    """The lines a calendar entry carries after the talk's description: the join link and the announcement."""
    lines = []
    if join_url:
        lines.append(t(lang, "calendar.join", url=join_url))
    if permalink:
        lines.append(t(lang, "calendar.announcement", url=permalink))
    return "\n".join(lines)


def _fit_url(base: str, params: dict[str, str], *, body_key: str, details: str, footer: str) -> str:
    """`base` + the query, within a button/option URL's 3,000 characters: the description is shortened first;
    the links in `footer` are kept unless even they do not fit (then the location, which repeats the join link,
    goes first)."""
    body = details
    while True:
        url = base + urlencode({**params, body_key: "\n\n".join(part for part in (body, footer) if part)})
        if len(url) <= 3000 or not body:
            break
        body = body[: len(body) // 2]
    if len(url) > 3000:
        params = {key: value for key, value in params.items() if key != "location"}
        url = base + urlencode({**params, body_key: footer})
    if len(url) > 3000:
        url = base + urlencode(params)
    return url


def google_calendar_link(
    *,
    title: str,
    details: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    footer: str = "",
) -> str:
    """Google Calendar's "add event" template; `footer` (join link, permalink) is never shortened."""
    fmt = "%Y%m%dT%H%M%SZ"
    params = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{starts_at.astimezone(UTC).strftime(fmt)}/{ends_at.astimezone(UTC).strftime(fmt)}",
    }
    if location:
        params["location"] = location

    return _fit_url(
        "https://calendar.google.com/calendar/render?",
        params,
        body_key="details",
        details=truncate(details, 1000),
        footer=footer,
    )


def outlook_calendar_link(
    *, title: str, details: str, starts_at: datetime, ends_at: datetime, location: str = "", footer: str = ""
) -> str:
    """Outlook on the web's compose deeplink (works for work and personal accounts that use outlook.office.com)."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": starts_at.astimezone(UTC).strftime(fmt),
        "enddt": ends_at.astimezone(UTC).strftime(fmt),
    }
    if location:
        params["location"] = location

    return _fit_url(
        "https://outlook.office.com/calendar/0/deeplink/compose?",
        params,
        body_key="body",
        details=truncate(details, 1000),
        footer=footer,
    )
