"""Tables. Schema changes go through an Alembic migration in migrations/versions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, UTCDateTime, utcnow


class TalkStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class StreamKind(enum.StrEnum):
    YOUTUBE = "youtube"
    MEET = "meet"
    MANUAL = "manual"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a process; stale after a while (that process died mid-send)
    SENT = "sent"
    FAILED = "failed"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    # VARCHAR, not a native PostgreSQL enum: adding a value later is then a no-op migration.
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Talk(Base):
    __tablename__ = "talks"
    __table_args__ = (
        Index("ix_talks_team_id_status_starts_at", "team_id", "status", "starts_at"),
        # Reactions and thread replies find their talk by message.
        Index("ix_talks_live_message", "live_channel", "live_ts"),
        Index("ix_talks_announcement_message", "announcement_channel", "announcement_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    organiser_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    stream_kind: Mapped[StreamKind] = mapped_column(_enum(StreamKind))
    stream_url: Mapped[str | None] = mapped_column(String(3000))
    status: Mapped[TalkStatus] = mapped_column(_enum(TalkStatus), default=TalkStatus.SCHEDULED)
    announcement_channel: Mapped[str | None] = mapped_column(String(32))
    announcement_ts: Mapped[str | None] = mapped_column(String(32))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # chat.getPermalink of the announcement, fetched once (Home, calendar entries, confirmations link to it).
    announcement_permalink: Mapped[str | None] = mapped_column(String(500))
    # Reminder leads in minutes before the start, e.g. "1440,10"; None uses the deployment's REMINDER_OFFSETS.
    reminder_offsets: Mapped[str | None] = mapped_column(String(64))
    # Show a YouTube/Meet link in the announcement too (not only at go-live); manual links always show.
    announce_link: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Nudge the speakers on their boards when a signal (e.g. slow down) surges; opt-in per talk (talk form).
    nudges: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The speaker's slides (https, checked with safe_url); set from the "slides ready?" reminder or after the talk.
    slides_url: Mapped[str | None] = mapped_column(String(3000))
    # The go-live post (a reply in the announcement's thread, broadcast to the channel).
    live_channel: Mapped[str | None] = mapped_column(String(32))
    live_ts: Mapped[str | None] = mapped_column(String(32))
    # The .ics SEQUENCE: raised on every change of time, link or status, so a re-imported event replaces the old.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    went_live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Follow-up (after the talk): the recording link (slides_url above is shared with the check-ins); a YouTube
    # talk's recording defaults to its broadcast's watch URL when it ends.
    recording_url: Mapped[str | None] = mapped_column(String(3000))
    # The modal a talk came from: a repeated view_submission finds the talk instead of creating a second.
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # series: the series whose slot this talk fills (its co-organisers may manage it).
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    # Agenda (docs/series.md): the segment the organiser moved to with "Next" (None: the agenda follows the clock),
    # and the one the live post and boards last showed (a change re-renders them).
    segment_index: Mapped[int | None] = mapped_column(Integer)
    segment_shown: Mapped[int | None] = mapped_column(Integer)

    speakers: Mapped[list[TalkSpeaker]] = relationship(
        back_populates="talk", cascade="all, delete-orphan", order_by="TalkSpeaker.position", lazy="selectin"
    )
    segments: Mapped[list[TalkSegment]] = relationship(
        back_populates="talk", cascade="all, delete-orphan", order_by="TalkSegment.position", lazy="selectin"
    )

    @property
    def speaker_ids(self) -> list[str]:
        return [s.user_id for s in self.speakers]

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class TalkSpeaker(Base):
    __tablename__ = "talk_speakers"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    talk: Mapped[Talk] = relationship(back_populates="speakers")


class TalkSegment(Base):
    """One part of a talk's agenda: who speaks, on what, for how long (three speakers sharing one lunch)."""

    __tablename__ = "talk_segments"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    minutes: Mapped[int] = mapped_column(Integer)

    talk: Mapped[Talk] = relationship(back_populates="segments")


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("talk_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    going: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ProcessedDelivery(Base):
    """A Slack delivery (event_id, or an interaction key) already handled; Slack retries must change nothing."""

    __tablename__ = "processed_deliveries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class OutboxMessage(Base):
    """One side effect (a post, a DM) keyed so that it happens at most once, whoever retries it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    talk_id: Mapped[int | None] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(32))
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(255))  # bot/delivery/holders.py
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FlowStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its next step (now, or after a backoff)
    RUNNING = "running"  # claimed by a process until claimed_until
    DONE = "done"
    FAILED = "failed"  # gave up after FLOW_MAX_ATTEMPTS; the organiser was told


class FlowRun(Base):
    """One run of a talk flow (bot/flows/talk.py): inserted in the transaction that changed the talk, then its
    steps run in order; `step` is the index of the next step, advanced in the database as each one finishes."""

    __tablename__ = "flow_runs"
    __table_args__ = (Index("ix_flow_runs_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(32))
    args: Mapped[str] = mapped_column(Text, default="{}")  # JSON: who acted, values before an edit...
    step: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[FlowStatus] = mapped_column(_enum(FlowStatus), default=FlowStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed tries of the current step
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ParkedEvent(Base):
    """A Slack event about a message the bot posted but has not recorded yet (a reaction on the live post in the
    instant between chat.postMessage and storing its ts): kept here, applied once the post is recorded."""

    __tablename__ = "parked_events"
    __table_args__ = (Index("ix_parked_events_channel_ts", "channel", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the event JSON (reaction, user, item): no message text
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SchedulerLease(Base):
    """Which process runs the scheduler: held by renewing expires_at; another takes over when it lapses."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- Reactions as live feedback ----------------------------------------------------------------------------------


class ReactionCount(Base):
    """Reactions added and removed per talk, surface ("live" post / "announcement"), emoji and minute since the
    start: the timeline. Both columns only grow, so a removal in a later minute never corrupts an earlier one."""

    __tablename__ = "reaction_counts"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    surface: Mapped[str] = mapped_column(String(16), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(100), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)  # negative before the start
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)


class ReactionTotal(Base):
    """Current count per talk, surface and emoji: events add/subtract (never below zero), reactions.get resets."""

    __tablename__ = "reaction_totals"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    surface: Mapped[str] = mapped_column(String(16), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReactionTalkState(Base):
    """Per-talk bookkeeping: the last speaker nudge (one per quiet period, claimed with a conditional UPDATE)
    and the last reconciliation with reactions.get."""

    __tablename__ = "reaction_talk_state"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    last_nudge_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_nudge_emoji: Mapped[str | None] = mapped_column(String(100))
    last_nudge_count: Mapped[int | None] = mapped_column(Integer)  # people, in the minute before the nudge
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReactionUser(Base):
    """Who reacted to a talk's live post (not how): the survey asks them too."""

    __tablename__ = "reaction_users"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- Streams: YouTube Live and Google Meet -------------------------------------------------------------------------


class StreamStatus(enum.StrEnum):
    PROVISIONING = "provisioning"  # intent recorded; Google calls in progress (or interrupted: resume)
    READY = "ready"  # link available
    FAILED = "failed"  # gave up after retries; the organiser was told and can add a link by hand
    DELETED = "deleted"  # talk cancelled (or switched to another stream kind) before it started
    COMPLETED = "completed"  # talk cancelled after the broadcast had started


class TalkStream(Base):
    """The Google resources behind one talk's stream. Ids are recorded as soon as Google returns them (and the
    intent before each creating call), so a retry resumes instead of creating a second broadcast or event.
    The stream key is never stored: it is read back from YouTube when a speaker needs it."""

    __tablename__ = "talk_streams"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[StreamKind] = mapped_column(_enum(StreamKind))
    status: Mapped[StreamStatus] = mapped_column(_enum(StreamStatus), default=StreamStatus.PROVISIONING)
    # YouTube
    broadcast_id: Mapped[str | None] = mapped_column(String(64))
    stream_id: Mapped[str | None] = mapped_column(String(64))
    bound: Mapped[bool] = mapped_column(Boolean, default=False)
    broadcast_attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stream_attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quota_units: Mapped[int] = mapped_column(Integer, default=0)
    # Meet: requestId (conference idempotency key) and our own event id (makes events.insert idempotent).
    request_id: Mapped[str | None] = mapped_column(String(128))
    calendar_id: Mapped[str | None] = mapped_column(String(255))
    event_id: Mapped[str | None] = mapped_column(String(128))
    # Both
    link: Mapped[str | None] = mapped_column(String(3000))
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error_detail: Mapped[str | None] = mapped_column(String(255))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class YoutubeQuotaDay(Base):
    """YouTube Data API units spent per quota day (Google resets the quota at midnight Pacific time)."""

    __tablename__ = "youtube_quota_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- Live questions ------------------------------------------------------------------------------------------------


class QuestionStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    HIDDEN = "hidden"


class QuestionSource(enum.StrEnum):
    SLACK = "slack"  # another Slack surface (reserved)
    MODAL = "modal"  # the "Ask a question" button (live post or announcement)
    COMMAND = "command"  # /lunchlearn ask
    THREAD = "thread"  # a reply in the live post's thread
    YOUTUBE = "youtube"  # the YouTube live chat bridge


class Question(Base):
    """One audience question. `asker_id` is kept for anonymous questions too, only so the bot can tell the asker
    privately (hidden, answered later) and enforce the rate limit: it is never rendered for an anonymous question
    and is erased QUESTION_ANONYMOUS_RETENTION_DAYS after the talk (docs/questions.md)."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_talk_id_status", "talk_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    asker_id: Mapped[str | None] = mapped_column(String(32), index=True)  # None: YouTube, or erased
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[QuestionSource] = mapped_column(_enum(QuestionSource))
    # What made this question (view id, trigger id, thread message, YouTube message): a retry finds it.
    source_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    youtube_message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    author_name: Mapped[str | None] = mapped_column(String(100))  # YouTube display name
    thread_channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))  # our post of the question in the live thread
    status: Mapped[QuestionStatus] = mapped_column(_enum(QuestionStatus), default=QuestionStatus.OPEN)
    answer_text: Mapped[str | None] = mapped_column(Text)
    moderated_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The speaker it is for, in a talk with an agenda (the current segment's speaker unless the asker chose).
    speaker_id: Mapped[str | None] = mapped_column(String(32))


class QuestionVote(Base):
    __tablename__ = "question_votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuestionBoard(Base):
    """A speaker's (or the organiser's) DM board for one talk."""

    __tablename__ = "question_boards"
    __table_args__ = (UniqueConstraint("talk_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuestionDraft(Base):
    """A /lunchlearn ask typed in a channel with several live talks, waiting for the asker to pick one."""

    __tablename__ = "question_drafts"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class QuestionChatPoll(Base):
    """The YouTube live chat bridge's position for one talk: survives restarts; next_poll_at is claimed with a
    conditional UPDATE so two processes never poll the same chat at once."""

    __tablename__ = "question_chat_polls"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    live_chat_id: Mapped[str | None] = mapped_column(String(255))
    page_token: Mapped[str | None] = mapped_column(String(255))
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime())
    units: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)


# --- Surveys: post-talk feedback by DM and the results report ----------------------------------------------------


class SurveyMessageStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker (claimed_by/claimed_at); stale after SURVEY_CLAIM_TIMEOUT
    SENT = "sent"
    FAILED = "failed"  # retry at next_attempt_at; final when next_attempt_at is None
    UNDELIVERABLE = "undeliverable"  # deactivated user, bot, ...: recorded, never retried


class SurveyConfig(Base):
    """A talk's survey: the organiser's choices (from the talk modal) and, once the talk ended, its clock."""

    __tablename__ = "survey_configs"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    custom_question: Mapped[str | None] = mapped_column(String(300))  # None: the default question set
    post_summary: Mapped[bool] = mapped_column(Boolean, default=True)  # aggregate summary in the thread
    reminder_hours: Mapped[int | None] = mapped_column(Integer)  # None: Settings.SURVEY_REMINDER_HOURS
    close_hours: Mapped[int | None] = mapped_column(Integer)  # None: Settings.SURVEY_CLOSE_HOURS
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # recipients enqueued (talk ended)
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyMessage(Base):
    """The durable outbox of survey DMs: one row per talk, person and kind ("invite" = the survey itself, once
    per talk and person; "reminder"). A worker claims due rows, paces chat.postMessage and records the result."""

    __tablename__ = "survey_messages"
    __table_args__ = (
        UniqueConstraint("talk_id", "user_id", "kind"),
        Index("ix_survey_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="invite")
    status: Mapped[SurveyMessageStatus] = mapped_column(_enum(SurveyMessageStatus), default=SurveyMessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lang: Mapped[str | None] = mapped_column(String(8))
    dm_channel: Mapped[str | None] = mapped_column(String(32))
    dm_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SurveyAnswer(Base):
    """One person's answers for one talk, editable until the survey closes."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("talk_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    # agenda: each part rated on its own, {"<position>": 1..5} as JSON (None: no part rated).
    segment_ratings: Mapped[str | None] = mapped_column(Text)
    overall: Mapped[int | None] = mapped_column(Integer)  # 1..5
    usefulness: Mapped[int | None] = mapped_column(Integer)  # 1..5
    improve: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[str | None] = mapped_column(Text)
    custom_answer: Mapped[str | None] = mapped_column(Text)
    # "What should we cover next?": shown on the proposals board without a name (bot/services/proposals/).
    cover_next: Mapped[str | None] = mapped_column(Text)
    share_name: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# --- Lunch headcount: in person (with lunch) or remote, capacity and waitlist, the order cutoff -----------------


class LunchSetting(Base):
    """A talk that asks RSVPs "in person (with lunch)" or "remote". No row: the talk does not ask."""

    __tablename__ = "talk_lunches"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    capacity: Mapped[int | None] = mapped_column(Integer)  # in-person places; None: no limit
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the lunch order: headcount to the organiser
    headcount_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LunchChoice(Base):
    """One going person's choice. In person beyond the capacity waits on the waitlist, in order of asking."""

    __tablename__ = "lunch_choices"
    __table_args__ = (UniqueConstraint("talk_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    in_person: Mapped[bool] = mapped_column(Boolean, default=True)
    waitlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    dietary: Mapped[str | None] = mapped_column(String(300))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # waitlist order
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # changed after the cutoff
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class LunchNotice(Base):
    """A DM owed because of a lunch change (moved on or off the waitlist; a late change for the organiser),
    written in the same transaction as the change and sent once (outbox key lunch_notice:<id>)."""

    __tablename__ = "lunch_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # waitlisted | promoted | demoted | late
    about: Mapped[str | None] = mapped_column(String(32))  # late: whose choice changed
    detail: Mapped[str | None] = mapped_column(String(400))  # late: the new choice, as the organiser reads it
    sent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- home: attendance (join clicks; reactions, questions and votes are read from their own tables) ---------------


class Attendance(Base):
    """Someone did something that shows they attended a talk while it was live (today: clicked Join), once per
    person, talk and kind of signal."""

    __tablename__ = "attendance"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- pipeline: talk proposals, topic suggestions and their votes; speaker check-ins -----------------------------


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ProposalKind(enum.StrEnum):
    TALK = "talk"  # someone offers to give a talk (/lunchlearn propose)
    TOPIC = "topic"  # a wish from a survey ("What should we cover next?"): anonymous, nobody to DM


class Proposal(Base):
    """An entry on a proposals board: a talk someone offers to give, or an anonymous topic from a survey."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_board", "team_id", "channel_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    kind: Mapped[ProposalKind] = mapped_column(_enum(ProposalKind), default=ProposalKind.TALK)
    # None for survey topics: they are shown without a name, and nobody is told about them.
    proposer_id: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    abstract: Mapped[str] = mapped_column(Text, default="")
    preferred_dates: Mapped[str | None] = mapped_column(String(64))  # ISO dates, comma-separated (up to 3)
    channel_id: Mapped[str] = mapped_column(String(32))  # the board it is shown on
    status: Mapped[ProposalStatus] = mapped_column(_enum(ProposalStatus), default=ProposalStatus.OPEN)
    talk_id: Mapped[int | None] = mapped_column(ForeignKey("talks.id", ondelete="SET NULL"))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the proposer was told the decision
    # The survey answer a topic comes from (edited with it, gone with it); its talk, for the k-anonymity rule.
    survey_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_answers.id", ondelete="CASCADE"), unique=True
    )
    survey_talk_id: Mapped[int | None] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"))
    # The modal a proposal came from: a repeated view_submission finds it instead of adding a second.
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ProposalVote(Base):
    """One person's upvote; `action_ts` of the click that cast it tells a retried or doubled click apart."""

    __tablename__ = "proposal_votes"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    action_ts: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SpeakerCheckin(Base):
    """A speaker's answer to the 72-hour check-in, for the talk's start time it was asked about (`starts_at`): a
    talk moved later asks again, and an old "confirmed" does not count for the new time."""

    __tablename__ = "speaker_checkins"

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str] = mapped_column(String(16))  # "confirmed" or "reschedule"
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- series: recurring slots (bot/services/series/) --------------------------------------------------------------


class SeriesCadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"  # on the Nth (or last) weekday of the month


class SlotStatus(enum.StrEnum):
    OPEN = "open"  # no talk yet
    FILLED = "filled"  # a talk was created for it (talk_id)
    SKIPPED = "skipped"  # no lunch-and-learn that week
    CANCELLED = "cancelled"


class Series(Base):
    """A recurring programme: the rule its slots follow, in its own time zone, and who runs it."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    organiser_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[SeriesCadence] = mapped_column(_enum(SeriesCadence))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    week_of_month: Mapped[int | None] = mapped_column(Integer)  # monthly only: 1..5, or -1 for the last
    start_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" in `timezone`
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    stream_kind: Mapped[StreamKind] = mapped_column(_enum(StreamKind))
    announce_days: Mapped[int] = mapped_column(Integer)  # how many days ahead an empty slot alerts the organisers
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Every-2-weeks series count weeks from here (the first slot's date), so an edit keeps the rhythm.
    anchor: Mapped[date] = mapped_column(Date)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # sha256 of the calendar feed token: the feed finds its series by this hash, the token itself is never stored.
    feed_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisers: Mapped[list[SeriesOrganiser]] = relationship(
        back_populates="series", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def co_organiser_ids(self) -> list[str]:
        return [o.user_id for o in self.organisers]

    @property
    def manager_ids(self) -> list[str]:
        return [self.organiser_id, *[u for u in self.co_organiser_ids if u != self.organiser_id]]


class SeriesOrganiser(Base):
    """A co-organiser: the organiser's rights on the series and its talks."""

    __tablename__ = "series_organisers"

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)

    series: Mapped[Series] = relationship(back_populates="organisers")


class SeriesSlot(Base):
    """One date of a series. Generation inserts with ON CONFLICT DO NOTHING on (series_id, starts_at)."""

    __tablename__ = "series_slots"
    __table_args__ = (
        UniqueConstraint("series_id", "starts_at"),
        Index("ix_series_slots_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[SlotStatus] = mapped_column(_enum(SlotStatus), default=SlotStatus.OPEN)
    talk_id: Mapped[int | None] = mapped_column(ForeignKey("talks.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
