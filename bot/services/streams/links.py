"""The join link of a talk, read from the database: the Google-created link once ready, else the manual one; and
the label of the one button that opens it."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.db import streams_repo
from bot.db.models import StreamKind, StreamStatus, Talk
from bot.db.session import Database

GOOGLE_KINDS = (StreamKind.YOUTUBE, StreamKind.MEET)
BUTTON_TEXT_MAX = 75  # Block Kit: a button's text
_YOUTUBE_HOSTS = ("youtube.com", "youtu.be")
_MEET_HOSTS = ("meet.google.com",)


def link_for(db: Database, talk: Talk) -> str | None:
    """The YouTube watch link or Meet link once created; a manual talk's own URL; None while not available."""
    if talk.stream_kind not in GOOGLE_KINDS:
        return talk.stream_url
    with db.session() as session:
        row = streams_repo.get_stream(session=session, talk_id=talk.id)
    if row is None or row.status is not StreamStatus.READY or row.kind is not talk.stream_kind:
        return talk.stream_url
    return row.link


def _host(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _is(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)
