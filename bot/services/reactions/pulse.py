"""The room's pulse, read from the database: reaction totals on the live post, the last minute, and surges.

The live post shows only the legend; the counts, surges and nudges are for the speakers' private boards. Every
count is people's reactions: the writer never counts the bot's own seeded legend (bot/services/reactions/service.py).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.config import Settings
from bot.db import reactions_repo as rrepo
from bot.db.base import utcnow
from bot.db.models import Talk
from bot.db.session import Database
from bot.views.pulse import LegendItem, Nudge, Pulse, build_live_post_reaction_blocks, build_pulse_blocks


def fold_emoji(name: str) -> str:
    """`+1::skin-tone-3` -> `+1`: skin tones count as their base emoji; custom emoji keep their name."""
    return name.split("::", 1)[0].strip(":")


def parse_legend(raw: str) -> list[LegendItem]:
    items: list[LegendItem] = []
    for part in raw.split(","):
        emoji, _, key = part.strip().partition("=")
        if emoji.strip(" :") and key.strip():
            items.append(LegendItem(emoji=fold_emoji(emoji.strip()), key=key.strip()))
    return items


def parse_names(raw: str) -> frozenset[str]:
    return frozenset(fold_emoji(p.strip()) for p in raw.split(",") if p.strip(" :"))


def minute_since(started: datetime, at: datetime) -> int:
    return math.floor((at - started).total_seconds() / 60)


class ReactionPulse:
    def __init__(self, *, settings: Settings, db: Database) -> None:
        self.db = db
        self.legend = parse_legend(settings.REACTION_LEGEND)
        self.signals = parse_names(settings.REACTION_SIGNALS)
        self.highlights = self.signals | parse_names(settings.REACTION_HIGHLIGHTS)
        self.threshold = settings.REACTION_SIGNAL_THRESHOLD
        self.quiet = timedelta(minutes=settings.REACTION_NUDGE_QUIET_MINUTES)

    def pulse(self, talk: Talk, *, now: datetime | None = None) -> Pulse:
        """Totals on the live post, additions in the last 60 s (the current minute plus the overlapping part of
        the previous one, a sliding-window estimate) and the highlighted emoji whose last minute passed the
        threshold."""
        now = now or utcnow()
        started = talk.went_live_at or talk.starts_at
        at = (now - started).total_seconds() / 60
        minute = math.floor(at)
        overlap = 1.0 - (at - minute)
        with self.db.session() as session:
            totals = rrepo.totals(session=session, talk_id=talk.id, surface="live")
            recent = rrepo.added_in_minutes(
                session=session, talk_id=talk.id, surface="live", minutes=(minute - 1, minute)
            )
        last: dict[str, int] = {}
        for emoji in set(recent[minute]) | set(recent[minute - 1]):
            n = recent[minute].get(emoji, 0) + math.floor(recent[minute - 1].get(emoji, 0) * overlap)
            if n > 0:
                last[emoji] = n
        surges = {e: n for e, n in last.items() if e in self.highlights and n >= self.threshold}
        return Pulse(totals=totals, last_minute=last, surges=surges)

    def live_post_blocks(self, talk: Talk) -> list[Block]:
        """The legend, for the live post (no counts there)."""
        return build_live_post_reaction_blocks(talk.language, self.legend)

    def nudge(self, talk: Talk, *, now: datetime | None = None) -> Nudge | None:
        """The talk's last nudge while its quiet period lasts; None when the talk did not opt in."""
        if not talk.nudges:
            return None
        now = now or utcnow()
        with self.db.session() as session:
            state = rrepo.talk_state(session=session, talk_id=talk.id)
            if state is None or state.last_nudge_at is None or not state.last_nudge_emoji:
                return None
            if now - state.last_nudge_at >= self.quiet:
                return None
            return Nudge(
                emoji=state.last_nudge_emoji,
                count=state.last_nudge_count or 0,
                at=state.last_nudge_at,
                timezone=talk.timezone,
            )

    def board_blocks(self, talk: Talk, lang: str, *, now: datetime | None = None) -> list[Block]:
        """The pulse, surges and the nudge, for a speaker's board."""
        return build_pulse_blocks(
            lang or talk.language, self.pulse(talk, now=now), self.legend, nudge=self.nudge(talk, now=now)
        )
