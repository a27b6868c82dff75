"""Queries for the proposals board and speaker check-ins. Every function takes the session explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.models import (
    Proposal,
    ProposalKind,
    ProposalStatus,
    ProposalVote,
    SpeakerCheckin,
    SurveyAnswer,
    Talk,
)
from bot.db.repositories import _insert, ensure_workspace

# Two clicks of one person closer than this (by Slack's action_ts) are a double click, not a vote and its undo.
DOUBLE_CLICK_SECONDS = 1.0


def get(*, session: Session, proposal_id: int, lock: bool = False) -> Proposal | None:
    stmt = select(Proposal).where(Proposal.id == proposal_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def by_view(*, session: Session, view_id: str) -> Proposal | None:
    return session.execute(select(Proposal).where(Proposal.source_view_id == view_id)).scalar_one_or_none()


def create(
    *,
    session: Session,
    team_id: str,
    proposer_id: str,
    title: str,
    abstract: str,
    preferred_dates: str | None,
    channel_id: str,
    view_id: str | None,
) -> Proposal:
    ensure_workspace(session=session, team_id=team_id)
    proposal = Proposal(
        team_id=team_id,
        kind=ProposalKind.TALK,
        proposer_id=proposer_id,
        title=title,
        abstract=abstract,
        preferred_dates=preferred_dates,
        channel_id=channel_id,
        status=ProposalStatus.OPEN,
        source_view_id=view_id,
    )
    session.add(proposal)
    session.flush()
    return proposal


def sync_survey_topic(
    *, session: Session, answer: SurveyAnswer, team_id: str, channel_id: str, title: str
) -> Proposal | None:
    """The board entry of a survey answer's "cover next" text: added, edited with the answer, or removed when the
    answer is emptied (unless an organiser already decided on it). Returns the entry, if any."""
    topic = session.execute(select(Proposal).where(Proposal.survey_answer_id == answer.id)).scalar_one_or_none()
    text = (answer.cover_next or "").strip()
    if not text:
        if topic is not None and topic.status is ProposalStatus.OPEN:
            session.delete(topic)
        return None
    if topic is None:
        ensure_workspace(session=session, team_id=team_id)
        topic = Proposal(
            team_id=team_id,
            kind=ProposalKind.TOPIC,
            proposer_id=None,
            title=title,
            abstract=text,
            channel_id=channel_id,
            status=ProposalStatus.OPEN,
            survey_answer_id=answer.id,
            survey_talk_id=answer.talk_id,
        )
        session.add(topic)
    elif topic.status is ProposalStatus.OPEN:
        topic.title, topic.abstract = title, text
    return topic


def topic_channels(*, session: Session, survey_talk_id: int) -> set[str]:
    """The boards showing topics from this talk's survey (an emptied answer's board too: it must drop it)."""
    stmt = select(Proposal.channel_id).where(Proposal.survey_talk_id == survey_talk_id).distinct()
    return set(session.execute(stmt).scalars())


def answers_per_talk(*, session: Session, talk_ids: set[int]) -> dict[int, int]:
    if not talk_ids:
        return {}
    stmt = (
        select(SurveyAnswer.talk_id, func.count())
        .where(SurveyAnswer.talk_id.in_(talk_ids))
        .group_by(SurveyAnswer.talk_id)
    )
    return {int(talk_id): int(n) for talk_id, n in session.execute(stmt).all()}


def open_ranked(
    *, session: Session, team_id: str, channel_id: str | None = None, min_survey_answers: int = 1
) -> list[tuple[Proposal, int]]:
    """Open entries with their votes, most votes first, then oldest first. A survey topic shows only once its talk
    has `min_survey_answers` answers, so a lone answer cannot be tied to the one person who gave it."""
    votes = select(ProposalVote.proposal_id, func.count().label("n")).group_by(ProposalVote.proposal_id).subquery()
    n = func.coalesce(votes.c.n, 0)
    stmt = (
        select(Proposal, n)
        .outerjoin(votes, votes.c.proposal_id == Proposal.id)
        .where(Proposal.team_id == team_id, Proposal.status == ProposalStatus.OPEN)
        .order_by(n.desc(), Proposal.created_at, Proposal.id)
    )
    if channel_id is not None:
        stmt = stmt.where(Proposal.channel_id == channel_id)
    rows = [(p, int(count)) for p, count in session.execute(stmt).all()]
    survey_talks = {p.survey_talk_id for p, _ in rows if p.survey_talk_id is not None}
    answered = answers_per_talk(session=session, talk_ids=survey_talks)
    return [
        (p, count)
        for p, count in rows
        if p.survey_talk_id is None or answered.get(p.survey_talk_id, 0) >= min_survey_answers
    ]


def vote_count(*, session: Session, proposal_id: int) -> int:
    stmt = select(func.count()).select_from(ProposalVote).where(ProposalVote.proposal_id == proposal_id)
    return int(session.execute(stmt).scalar_one())


def _seconds(action_ts: str) -> float | None:
    try:
        return float(action_ts)
    except ValueError:
        return None


def toggle_vote(*, session: Session, proposal_id: int, user_id: str, action_ts: str) -> bool | None:
    """True: voted; False: vote withdrawn; None: nothing changed (the same click delivered again, or a second
    click within DOUBLE_CLICK_SECONDS of the vote). Safe under concurrent clicks (one row per proposal and user)."""
    stmt = (
        _insert(session, ProposalVote)
        .values(proposal_id=proposal_id, user_id=user_id, action_ts=action_ts, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(ProposalVote.user_id)
    )
    if session.execute(stmt).first() is not None:
        return True
    existing = session.execute(
        select(ProposalVote).where(ProposalVote.proposal_id == proposal_id, ProposalVote.user_id == user_id)
    ).scalar_one_or_none()
    if existing is None or existing.action_ts == action_ts:
        return None
    before, now = _seconds(existing.action_ts), _seconds(action_ts)
    if before is not None and now is not None and 0 <= now - before < DOUBLE_CLICK_SECONDS:
        return None
    session.delete(existing)
    return False


def has_organised(*, session: Session, team_id: str, user_id: str, excluding: int | None = None) -> bool:
    stmt = select(Talk.id).where(Talk.team_id == team_id, Talk.organiser_id == user_id).limit(1)
    if excluding is not None:
        stmt = stmt.where(Talk.id != excluding)
    return session.execute(stmt).first() is not None


def undecided_notices(*, session: Session, limit: int = 50) -> Sequence[Proposal]:
    """Decided talk proposals whose proposer has not been told yet (a crash between the decision and the DM)."""
    stmt = (
        select(Proposal)
        .where(
            Proposal.status.in_([ProposalStatus.ACCEPTED, ProposalStatus.DECLINED]),
            Proposal.proposer_id.is_not(None),
            Proposal.notified_at.is_(None),
        )
        .order_by(Proposal.id)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def open_boards(*, session: Session) -> list[tuple[str, str]]:
    """(team, channel) of every board with an open entry."""
    stmt = select(Proposal.team_id, Proposal.channel_id).where(Proposal.status == ProposalStatus.OPEN).distinct()
    return [(str(team), str(channel)) for team, channel in session.execute(stmt).all()]


# --- Speaker check-ins ------------------------------------------------------------------------------------------


def checkins(*, session: Session, talk_id: int, starts_at: datetime) -> dict[str, str]:
    """user id -> answer, for answers given about this start time."""
    stmt = select(SpeakerCheckin).where(SpeakerCheckin.talk_id == talk_id)
    return {c.user_id: c.answer for c in session.execute(stmt).scalars() if c.starts_at == starts_at}


def record_checkin(*, session: Session, talk_id: int, user_id: str, starts_at: datetime, answer: str) -> bool:
    """Store the speaker's answer; True when it changed something (a repeated click does not)."""
    row = session.get(SpeakerCheckin, (talk_id, user_id), with_for_update=True)
    if row is None:
        session.add(SpeakerCheckin(talk_id=talk_id, user_id=user_id, starts_at=starts_at, answer=answer))
        return True
    if row.starts_at == starts_at and row.answer == answer:
        return False
    row.starts_at, row.answer, row.answered_at = starts_at, answer, utcnow()
    return True
