"""Survey config, the survey DM outbox, answers; plus tolerant reads of other features' tables
(questions, reactions) that may not exist in this deployment. Every function takes `session=` explicitly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db.base import Base, utcnow
from bot.db.models import SurveyAnswer, SurveyConfig, SurveyMessage, SurveyMessageStatus
from bot.db.repositories import _insert
from bot.delivery.holders import is_dead

INVITE = "invite"
REMINDER = "reminder"

# Columns other features might use for "who did it" (questions asked, votes, reactions by user).
_USER_COLUMNS = ("user_id", "author_id", "asker_id", "voter_id", "reactor_id")


# Config ------------------------------------------------------------------------------------------------------------


def get_config(*, session: Session, talk_id: int, lock: bool = False) -> SurveyConfig | None:
    stmt = select(SurveyConfig).where(SurveyConfig.talk_id == talk_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def save_choices(*, session: Session, talk_id: int, custom_question: str | None, post_summary: bool) -> None:
    """Upsert the organiser's choices (a repeated modal submission writes the same values)."""
    stmt = _insert(session, SurveyConfig).values(
        talk_id=talk_id, custom_question=custom_question, post_summary=post_summary, created_at=utcnow()
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SurveyConfig.talk_id],
            set_={"custom_question": stmt.excluded.custom_question, "post_summary": stmt.excluded.post_summary},
        )
    )


def ensure_config(*, session: Session, talk_id: int) -> SurveyConfig:
    """The talk's config row (created with defaults for talks made before surveys existed), locked."""
    session.execute(
        _insert(session, SurveyConfig)
        .values(talk_id=talk_id, post_summary=True, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    config = get_config(session=session, talk_id=talk_id, lock=True)
    assert config is not None
    return config


# Outbox --------------------------------------------------------------------------------------------------------------


def enqueue(*, session: Session, talk_id: int, user_ids: Iterable[str], kind: str, now: datetime) -> int:
    """One row per person (unique talk+user+kind: re-running adds nobody twice). Returns rows added."""
    added = 0
    due = min(now, utcnow())  # due at once (a job run with a planned `now` must not postpone the sends)
    for user_id in sorted(set(user_ids)):
        result = session.execute(
            _insert(session, SurveyMessage)
            .values(
                talk_id=talk_id,
                user_id=user_id,
                kind=kind,
                status=SurveyMessageStatus.PENDING,
                attempts=0,
                next_attempt_at=due,
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(SurveyMessage.id)
        )
        added += len(result.all())  # RETURNING, not rowcount: drivers differ on rowcount for ON CONFLICT
    return added


@dataclass(frozen=True)
class Claimed:
    id: int
    talk_id: int
    user_id: str
    kind: str
    attempts: int
    recovering: bool  # a dead worker's claim: the DM may already exist
    claimed_at: datetime
    previous_claim: datetime | None


def claim_next(*, session: Session, worker: str, now: datetime, stale_before: datetime) -> Claimed | None:
    """Claim the oldest due row: pending/failed whose time has come, or one a dead worker left in `sending`.
    PostgreSQL: FOR UPDATE SKIP LOCKED, so replicas never wait on or take each other's rows. The conditional
    UPDATE (on status and attempts) also makes the claim safe where FOR UPDATE is a no-op (SQLite)."""
    due = or_(
        and_(
            SurveyMessage.status.in_([SurveyMessageStatus.PENDING, SurveyMessageStatus.FAILED]),
            SurveyMessage.next_attempt_at.is_not(None),
            SurveyMessage.next_attempt_at <= now,
        ),
        and_(SurveyMessage.status == SurveyMessageStatus.SENDING, SurveyMessage.claimed_at < stale_before),
    )
    _release_dead_claims(session, stale_before)
    stmt = select(SurveyMessage).where(due).order_by(SurveyMessage.id).limit(1).with_for_update(skip_locked=True)
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        return None
    recovering = row.status is SurveyMessageStatus.SENDING
    previous = row.claimed_at
    result = session.execute(
        update(SurveyMessage)
        .where(
            SurveyMessage.id == row.id,
            SurveyMessage.status == row.status,
            SurveyMessage.attempts == row.attempts,
        )
        .values(status=SurveyMessageStatus.SENDING, claimed_by=worker[:64], claimed_at=now, attempts=row.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if (result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return None  # another worker won it between our read and write
    return Claimed(row.id, row.talk_id, row.user_id, row.kind, row.attempts + 1, recovering, now, previous)


def _release_dead_claims(session: Session, stale_before: datetime) -> None:
    """Claims of a process on this host that is gone turn stale at once (holders.is_dead)."""
    live = session.execute(
        select(SurveyMessage.claimed_by)
        .where(SurveyMessage.status == SurveyMessageStatus.SENDING, SurveyMessage.claimed_at >= stale_before)
        .distinct()
    ).scalars()
    dead = [holder for holder in live if is_dead(holder)]
    if dead:
        session.execute(
            update(SurveyMessage)
            .where(SurveyMessage.status == SurveyMessageStatus.SENDING, SurveyMessage.claimed_by.in_(dead))
            .values(claimed_at=stale_before - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )


def next_wake(*, session: Session, stale_after: float) -> datetime | None:
    """When the next row becomes claimable (a retry's time, or a live claim turning stale); None: nothing left."""
    retry = session.execute(
        select(func.min(SurveyMessage.next_attempt_at)).where(
            SurveyMessage.status.in_([SurveyMessageStatus.PENDING, SurveyMessageStatus.FAILED]),
            SurveyMessage.next_attempt_at.is_not(None),
        )
    ).scalar_one_or_none()
    claim = session.execute(
        select(func.min(SurveyMessage.claimed_at)).where(SurveyMessage.status == SurveyMessageStatus.SENDING)
    ).scalar_one_or_none()
    candidates: list[datetime] = []
    if retry is not None:
        candidates.append(_aware(retry))
    if claim is not None:
        from datetime import timedelta

        candidates.append(_aware(claim) + timedelta(seconds=stale_after))
    return min(candidates) if candidates else None


def _aware(value: Any) -> datetime:
    # Aggregates bypass the UTCDateTime type on SQLite (a string or naive datetime comes back).
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    stored: datetime = value
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def unfinished_count(*, session: Session) -> int:
    """Rows a worker still has to send (due now or later, or claimed by a possibly dead worker)."""
    stmt = (
        select(func.count())
        .select_from(SurveyMessage)
        .where(
            or_(
                and_(
                    SurveyMessage.status.in_([SurveyMessageStatus.PENDING, SurveyMessageStatus.FAILED]),
                    SurveyMessage.next_attempt_at.is_not(None),
                ),
                SurveyMessage.status == SurveyMessageStatus.SENDING,
            )
        )
    )
    return int(session.execute(stmt).scalar_one())


def get_message(*, session: Session, message_id: int) -> SurveyMessage | None:
    return session.get(SurveyMessage, message_id)


def messages_for(*, session: Session, talk_id: int, kind: str | None = None) -> Sequence[SurveyMessage]:
    stmt = select(SurveyMessage).where(SurveyMessage.talk_id == talk_id)
    if kind is not None:
        stmt = stmt.where(SurveyMessage.kind == kind)
    return session.execute(stmt.order_by(SurveyMessage.id)).scalars().all()


def messages_of_user(*, session: Session, talk_id: int, user_id: str) -> Sequence[SurveyMessage]:
    stmt = select(SurveyMessage).where(SurveyMessage.talk_id == talk_id, SurveyMessage.user_id == user_id)
    return session.execute(stmt.order_by(SurveyMessage.id)).scalars().all()


def was_sent_invite(*, session: Session, talk_id: int, user_id: str) -> bool:
    """Whether this person's survey DM went out (or was being sent when a worker stopped): only they may answer."""
    stmt = select(SurveyMessage.id).where(
        SurveyMessage.talk_id == talk_id,
        SurveyMessage.user_id == user_id,
        SurveyMessage.kind == INVITE,
        SurveyMessage.status.in_([SurveyMessageStatus.SENT, SurveyMessageStatus.SENDING]),
    )
    return session.execute(stmt.limit(1)).first() is not None


# Answers -------------------------------------------------------------------------------------------------------------


def get_answer(*, session: Session, talk_id: int, user_id: str) -> SurveyAnswer | None:
    stmt = select(SurveyAnswer).where(SurveyAnswer.talk_id == talk_id, SurveyAnswer.user_id == user_id)
    return session.execute(stmt).scalar_one_or_none()


def upsert_answer(*, session: Session, talk_id: int, user_id: str, fields: dict[str, Any]) -> SurveyAnswer:
    """Insert or update only the given fields (a one-click rating keeps the modal's answers and vice versa)."""
    now = utcnow()
    stmt = _insert(session, SurveyAnswer).values(
        **{"share_name": False, **fields}, talk_id=talk_id, user_id=user_id, created_at=now, updated_at=now
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SurveyAnswer.talk_id, SurveyAnswer.user_id],
            set_={**{k: getattr(stmt.excluded, k) for k in fields}, "updated_at": now},
        )
    )
    session.expire_all()
    answer = get_answer(session=session, talk_id=talk_id, user_id=user_id)
    assert answer is not None
    return answer


def answers_for(*, session: Session, talk_id: int) -> Sequence[SurveyAnswer]:
    stmt = select(SurveyAnswer).where(SurveyAnswer.talk_id == talk_id).order_by(SurveyAnswer.id)
    return session.execute(stmt).scalars().all()


def answer_count(*, session: Session, talk_id: int) -> int:
    stmt = select(func.count()).select_from(SurveyAnswer).where(SurveyAnswer.talk_id == talk_id)
    return int(session.execute(stmt).scalar_one())


def answered_user_ids(*, session: Session, talk_id: int) -> set[str]:
    return set(session.execute(select(SurveyAnswer.user_id).where(SurveyAnswer.talk_id == talk_id)).scalars())


# Other features' tables, when this deployment has them ------------------------------------------------------------


def _table(name: str) -> Table | None:
    return Base.metadata.tables.get(name)


def _first(table: Table, names: Iterable[str]) -> Any:
    return next((table.c[n] for n in names if n in table.c), None)


def _question_tables() -> tuple[Table | None, Table | None]:
    """(questions table, votes table). The questions feature is built separately, so it is looked up in the
    metadata instead of imported: "questions" (id, talk_id, an asker column) and "question_votes" (question_id,
    a voter column); (None, None) when this deployment has no such tables."""
    questions = _table("questions")
    if questions is None or not {"id", "talk_id"} <= set(questions.c.keys()):
        return None, None
    votes = _table("question_votes")
    if votes is not None and ("question_id" not in votes.c or _first(votes, _USER_COLUMNS) is None):
        votes = None
    return questions, votes


def interaction_user_ids(*, session: Session, talk_id: int) -> set[str]:
    """Everyone who asked or voted on a question, or whose reaction was recorded per user, for this talk; only
    from the tables this deployment has."""
    users: set[str] = set()
    questions, votes = _question_tables()
    if questions is not None and (author := _first(questions, _USER_COLUMNS)) is not None:
        users |= {u for u in session.execute(select(author).where(questions.c.talk_id == talk_id)).scalars() if u}
    if questions is not None and votes is not None and (voter := _first(votes, _USER_COLUMNS)) is not None:
        stmt = (
            select(voter)
            .select_from(votes.join(questions, votes.c.question_id == questions.c.id))
            .where(questions.c.talk_id == talk_id)
        )
        users |= {u for u in session.execute(stmt).scalars() if u}
    for table in Base.metadata.tables.values():
        if "reaction" in table.name and "talk_id" in table.c and (who := _first(table, _USER_COLUMNS)) is not None:
            users |= {u for u in session.execute(select(who).where(table.c.talk_id == talk_id)).scalars() if u}
    return users


@dataclass(frozen=True)
class QuestionStats:
    asked: int
    answered: int
    top: list[tuple[str, int]]  # (text, votes), most voted first


def question_stats(*, session: Session, talk_id: int, top: int = 3) -> QuestionStats | None:
    questions, votes = _question_tables()
    if questions is None:
        return None
    text_col = _first(questions, ("text", "body", "question", "content"))
    rows = session.execute(select(questions).where(questions.c.talk_id == talk_id)).mappings().all()
    vote_counts: dict[Any, int] = {}
    if votes is not None:
        stmt = (
            select(votes.c.question_id, func.count())
            .select_from(votes.join(questions, votes.c.question_id == questions.c.id))
            .where(questions.c.talk_id == talk_id)
            .group_by(votes.c.question_id)
        )
        vote_counts = {qid: int(n) for qid, n in session.execute(stmt).all()}
    answered = 0
    ranked: list[tuple[str, int]] = []
    shown = 0
    for row in rows:
        status = str(row.get("status") or "")
        if status == "hidden":  # moderated away: not part of the talk's record
            continue
        shown += 1
        if status in ("answered", "done") or (not status and (row.get("answered") or row.get("answered_at"))):
            answered += 1
        count = vote_counts.get(row["id"])
        if count is None:
            count = int(next((row[c] for c in ("votes", "vote_count", "upvotes") if c in row), 0) or 0)
        text = str(row[text_col.name]) if text_col is not None else f"#{row['id']}"
        ranked.append((text, count))
    ranked.sort(key=lambda item: -item[1])
    return QuestionStats(asked=shown, answered=answered, top=[r for r in ranked[:top] if r[1] > 0])


def reaction_totals(*, session: Session, talk_id: int) -> dict[str, int] | None:
    """Current reaction count per emoji over all surfaces (None: no reactions feature here)."""
    table = _table("reaction_totals")
    if table is None or not {"talk_id", "emoji", "count"} <= set(table.c.keys()):
        return None
    stmt = select(table.c.emoji, func.sum(table.c["count"])).where(table.c.talk_id == talk_id).group_by(table.c.emoji)
    return {str(e): int(n or 0) for e, n in session.execute(stmt).all() if int(n or 0) > 0}


def reaction_minutes(*, session: Session, talk_id: int) -> dict[str, dict[int, int]] | None:
    """Reactions added per emoji and minute since the start (None: no reactions feature here)."""
    table = _table("reaction_counts")
    if table is None or not {"talk_id", "emoji", "minute", "added"} <= set(table.c.keys()):
        return None
    stmt = (
        select(table.c.emoji, table.c.minute, func.sum(table.c.added))
        .where(table.c.talk_id == talk_id)
        .group_by(table.c.emoji, table.c.minute)
    )
    out: dict[str, dict[int, int]] = {}
    for emoji, minute, added in session.execute(stmt).all():
        out.setdefault(str(emoji), {})[int(minute)] = int(added or 0)
    return out
