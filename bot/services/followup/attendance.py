"""Who RSVPed going but did not attend (attendance itself: bot/services/talks/attendance.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.db import repositories as repo
from bot.db.models import Talk
from bot.services.talks.attendance import attended


def no_shows(session: Session, talk: Talk) -> set[str]:
    """People who RSVPed going and showed no sign of attending (Join, a reaction, a question or a vote while live).
    Empty for a talk that never went live: nobody could attend it, so nobody missed it."""
    if talk.went_live_at is None:
        return set()
    going = set(repo.going_user_ids(session=session, talk_id=talk.id))
    return going - attended(session, talk.id) - set(talk.speaker_ids) - {talk.organiser_id}
