"""Queries for live questions (questions, question_votes, question_boards, question_drafts, question_chat_polls).
Every function takes the session explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.models import (
    Question,
    QuestionBoard,
    QuestionChatPoll,
    QuestionDraft,
    QuestionSource,
    QuestionStatus,
    QuestionVote,
    Talk,
    TalkStatus,
)
from bot.db.repositories import _insert


def insert_question(
    *,
    session: Session,
    talk_id: int,
    text: str,
    asker_id: str | None,
    anonymous: bool,
    source: QuestionSource,
    source_key: str | None,
    youtube_message_id: str | None = None,
    author_name: str | None = None,
    speaker_id: str | None = None,
) -> tuple[int, bool]:
    """(question id, created). A repeated source_key / youtube_message_id returns the existing question."""
    stmt = (
        _insert(session, Question)
        .values(
            talk_id=talk_id,
            text=text,
            asker_id=asker_id,
            anonymous=anonymous,
            source=source,
            source_key=source_key,
            youtube_message_id=youtube_message_id,
            author_name=author_name,
            speaker_id=speaker_id,
            status=QuestionStatus.OPEN,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(Question.id)
    )
    row = session.execute(stmt).first()
    if row is not None:
        return int(row[0]), True
    if youtube_message_id is not None:
        existing = select(Question.id).where(Question.youtube_message_id == youtube_message_id)
    else:
        existing = select(Question.id).where(Question.source_key == source_key)
    return int(session.execute(existing).scalar_one()), False


def get_question(*, session: Session, question_id: int, lock: bool = False) -> Question | None:
    stmt = select(Question).where(Question.id == question_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def asked_since(*, session: Session, asker_id: str, since: datetime) -> list[datetime]:
    stmt = (
        select(Question.created_at)
        .where(Question.asker_id == asker_id, Question.created_at >= since)
        .order_by(Question.created_at)
    )
    return list(session.execute(stmt).scalars())


def vote_count(*, session: Session, question_id: int) -> int:
    stmt = select(func.count()).select_from(QuestionVote).where(QuestionVote.question_id == question_id)
    return int(session.execute(stmt).scalar_one())


def toggle_vote(*, session: Session, question_id: int, user_id: str, debounce: timedelta) -> bool | None:
    """True: voted; False: vote withdrawn; None: ignored (a second click within `debounce` of the vote, i.e. a
    double-click, which must not undo the first). Safe under concurrent clicks (unique question+user)."""
    now = utcnow()
    stmt = (
        _insert(session, QuestionVote)
        .values(question_id=question_id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing()
        .returning(QuestionVote.id)
    )
    if session.execute(stmt).first() is not None:
        return True
    existing = session.execute(
        select(QuestionVote).where(QuestionVote.question_id == question_id, QuestionVote.user_id == user_id)
    ).scalar_one_or_none()
    if existing is None:
        return None
    if now - existing.created_at < debounce:
        return None
    session.delete(existing)
    return False


def ranked_questions(*, session: Session, talk_id: int) -> list[tuple[Question, int]]:
    """Every question of a talk with its votes: most votes first, then oldest first."""
    votes = select(QuestionVote.question_id, func.count().label("n")).group_by(QuestionVote.question_id).subquery()
    n = func.coalesce(votes.c.n, 0)
    stmt = (
        select(Question, n)
        .outerjoin(votes, votes.c.question_id == Question.id)
        .where(Question.talk_id == talk_id)
        .order_by(n.desc(), Question.created_at, Question.id)
    )
    return [(q, int(count)) for q, count in session.execute(stmt).all()]


def unposted_questions(*, session: Session, talk_id: int) -> Sequence[Question]:
    stmt = (
        select(Question)
        .where(Question.talk_id == talk_id, Question.thread_ts.is_(None), Question.status != QuestionStatus.HIDDEN)
        .order_by(Question.created_at, Question.id)
    )
    return session.execute(stmt).scalars().all()


def boards(*, session: Session, talk_id: int) -> Sequence[QuestionBoard]:
    return session.execute(select(QuestionBoard).where(QuestionBoard.talk_id == talk_id)).scalars().all()


def save_board(*, session: Session, talk_id: int, user_id: str, channel: str, ts: str) -> None:
    stmt = _insert(session, QuestionBoard).values(
        talk_id=talk_id, user_id=user_id, channel=channel, ts=ts, created_at=utcnow()
    )
    session.execute(stmt.on_conflict_do_nothing())


def live_talks_in_channel(*, session: Session, channel: str) -> Sequence[Talk]:
    stmt = (
        select(Talk)
        .where(Talk.status == TalkStatus.LIVE, (Talk.live_channel == channel) | (Talk.channel_id == channel))
        .order_by(Talk.starts_at)
    )
    return session.execute(stmt).scalars().all()


def save_draft(*, session: Session, token: str, user_id: str, text: str, anonymous: bool) -> None:
    # Drafts are only useful for minutes; forget old ones on the way.
    session.execute(delete(QuestionDraft).where(QuestionDraft.created_at < utcnow() - timedelta(hours=1)))
    session.add(QuestionDraft(token=token, user_id=user_id, text=text, anonymous=anonymous, created_at=utcnow()))


def take_draft(*, session: Session, token: str, user_id: str) -> QuestionDraft | None:
    draft = session.execute(
        select(QuestionDraft).where(QuestionDraft.token == token, QuestionDraft.user_id == user_id)
    ).scalar_one_or_none()
    if draft is not None:
        session.delete(draft)
    return draft


def erase_anonymous_askers(*, session: Session, ended_before: datetime) -> int:
    """Forget who asked anonymous questions of talks that ended before `ended_before`."""
    talk_ids = select(Talk.id).where(Talk.ended_at.is_not(None), Talk.ended_at < ended_before)
    result = session.execute(
        update(Question)
        .where(Question.anonymous.is_(True), Question.asker_id.is_not(None), Question.talk_id.in_(talk_ids))
        .values(asker_id=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# YouTube chat bridge ------------------------------------------------------------------------------------------------


def ensure_chat_poll(*, session: Session, talk_id: int, now: datetime) -> None:
    stmt = _insert(session, QuestionChatPoll).values(
        talk_id=talk_id, next_poll_at=now, units=0, calls=0, finished=False
    )
    session.execute(stmt.on_conflict_do_nothing())


def claim_chat_poll(*, session: Session, talk_id: int, now: datetime, lease: timedelta) -> bool:
    """Take the next poll of a talk's chat: one process wins (conditional UPDATE), the others see False."""
    result = session.execute(
        update(QuestionChatPoll)
        .where(
            QuestionChatPoll.talk_id == talk_id,
            QuestionChatPoll.finished.is_(False),
            QuestionChatPoll.next_poll_at <= now,
        )
        .values(next_poll_at=now + lease)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def get_chat_poll(*, session: Session, talk_id: int) -> QuestionChatPoll | None:
    return session.execute(select(QuestionChatPoll).where(QuestionChatPoll.talk_id == talk_id)).scalar_one_or_none()


def unfinished_chat_polls(*, session: Session) -> list[int]:
    stmt = select(QuestionChatPoll.talk_id).where(QuestionChatPoll.finished.is_(False))
    return list(session.execute(stmt).scalars())
