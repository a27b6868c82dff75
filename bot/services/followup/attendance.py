"""Who attended a talk, and who RSVPed going but did not.

Attended = reacted to the live post, or asked or voted on a question while the talk was live. (Join clicks count
too once they are recorded: swap `attended_users` for the attendance service's `attended` then.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import Question, QuestionVote, ReactionUser, Talk


def attended_users(session: Session, talk_id: int) -> set[str]:
    """Everyone with a sign of presence during the talk: a reaction on the live post (it exists only from the
    go-live), a question or a vote between the go-live and the end (questions asked in advance do not count)."""
    talk = repo.get_talk(session=session, talk_id=talk_id)
    if talk is None or talk.went_live_at is None:
        return set()
    start, end = talk.went_live_at, talk.ended_at or utcnow()
    users = set(session.execute(select(ReactionUser.user_id).where(ReactionUser.talk_id == talk_id)).scalars())
    asked = select(Question.asker_id).where(
        Question.talk_id == talk_id, Question.created_at >= start, Question.created_at <= end
    )
    users |= {u for u in session.execute(asked).scalars() if u}
    voted = (
        select(QuestionVote.user_id)
        .join(Question, QuestionVote.question_id == Question.id)
        .where(Question.talk_id == talk_id, QuestionVote.created_at >= start, QuestionVote.created_at <= end)
    )
    users |= set(session.execute(voted).scalars())
    return users


def no_shows(session: Session, talk: Talk) -> set[str]:
    """People who RSVPed going and showed no sign of attending. Empty for a talk that never went live: nobody
    could attend it, so nobody missed it (and nothing was measured)."""
    if talk.went_live_at is None:
        return set()
    going = set(repo.going_user_ids(session=session, talk_id=talk.id))
    return going - attended_users(session, talk.id) - set(talk.speaker_ids) - {talk.organiser_id}
