"""Who attended a talk: anyone who clicked Join, reacted, asked or voted while it was live.

Join clicks are recorded here (`attendance`, once per person, talk and source); reactions, questions and votes are
read from their own tables, counted only when they happened in the live window (went live .. ended), so a question
asked in advance or a late reaction does not make someone an attendee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.db.models import Attendance, Question, QuestionVote, ReactionUser, Rsvp, Talk, TalkStatus
from bot.db.repositories import _insert
from bot.db.session import Database

JOIN = "join"  # the live post's Join button (a URL button: Slack still sends block_actions)


def _window(talk: Talk, column: Any) -> ColumnElement[bool]:
    start = talk.went_live_at or talk.starts_at
    within: ColumnElement[bool] = column >= start
    if talk.ended_at is not None:
        within = within & (column <= talk.ended_at)
    return within


def attended(session: Session, talk_id: int) -> set[str]:
    """Everyone who joined, reacted, asked or voted during the talk."""
    talk = session.get(Talk, talk_id)
    if talk is None:
        return set()
    users = set(session.execute(select(Attendance.user_id).where(Attendance.talk_id == talk_id)).scalars())
    reactors = select(ReactionUser.user_id).where(ReactionUser.talk_id == talk_id, _window(talk, ReactionUser.first_at))
    askers = select(Question.asker_id).where(
        Question.talk_id == talk_id, Question.asker_id.is_not(None), _window(talk, Question.created_at)
    )
    voters = (
        select(QuestionVote.user_id)
        .join(Question, Question.id == QuestionVote.question_id)
        .where(Question.talk_id == talk_id, _window(talk, QuestionVote.created_at))
    )
    for stmt in (reactors, askers, voters):
        users |= {u for u in session.execute(stmt).scalars() if u}
    return users


@dataclass(frozen=True)
class Turnout:
    registered: int  # RSVPed going
    attended: int  # anyone who attended, signed up or not
    no_show_pct: int | None  # of those registered, the share who did not attend; None when nobody registered


def turnout(session: Session, talk_id: int) -> Turnout:
    going = set(session.execute(select(Rsvp.user_id).where(Rsvp.talk_id == talk_id, Rsvp.going.is_(True))).scalars())
    came = attended(session, talk_id)
    no_show = round(100 * len(going - came) / len(going)) if going else None
    return Turnout(registered=len(going), attended=len(came), no_show_pct=no_show)


class AttendanceService:
    def __init__(self, *, db: Database) -> None:
        self.db = db

    def record_join(self, *, talk_id: int, user_id: str, now: datetime | None = None) -> bool:
        """A Join click while the talk is live, once per person (a double click or a retried delivery changes
        nothing). Clicks on a talk that is not live are not attendance. True if this click was the first."""
        now = now or datetime.now(UTC)
        with self.db.session() as session:
            talk = session.get(Talk, talk_id)
            if talk is None or talk.status is not TalkStatus.LIVE:
                return False
            stmt = (
                _insert(session, Attendance)
                .values(talk_id=talk_id, user_id=user_id, source=JOIN, first_at=now)
                .on_conflict_do_nothing()
                .returning(Attendance.user_id)
            )
            return session.execute(stmt).first() is not None
