"""Setting a talk's agenda, moving on to the next part, and following the clock while live.

The live post and the speakers' boards show the part on now. A change (the agenda saved, "Next", the clock
passing a boundary) is recorded on the talk and starts the `agenda` flow (bot/flows/talk.py), which re-renders
the announcement, the live post and the boards from the database: durable, and idempotent by construction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import Talk, TalkSegment, TalkSpeaker, TalkStatus
from bot.db.session import Database
from bot.domain import Actor, SegmentInput
from bot.flows.engine import start as start_flow
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway
from bot.services.agenda.timing import current_index, shown_index
from bot.services.talks.service import NotAllowed, TalkService
from bot.views.agenda import build_agenda_modal
from bot.views.formatting import mrkdwn_escape

logger = logging.getLogger(__name__)


class AgendaService:
    def __init__(self, *, db: Database, slack: SlackGateway, talks: TalkService) -> None:
        self.db = db
        self.slack = slack
        self.talks = talks

    def open_modal(self, *, actor: Actor, talk_id: int, trigger_id: str) -> None:
        talk = self.talks.talk_for_edit(actor=actor, talk_id=talk_id)  # organiser, speakers, admins; not ended
        self.slack.open_view(trigger_id=trigger_id, view=build_agenda_modal(actor.lang, talk))

    def duration_of(self, *, actor: Actor, talk_id: int) -> int:
        return self.talks.talk_for_edit(actor=actor, talk_id=talk_id).duration_minutes

    def save(self, *, actor: Actor, talk_id: int, segments: list[SegmentInput]) -> None:
        """Replace the agenda (before the modal closes, so a refusal shows inline). Each part's speaker becomes one
        of the talk's speakers: they get a board and are not surveyed about their own talk."""
        self.talks.talk_for_edit(actor=actor, talk_id=talk_id)  # who may (a Slack call): outside the lock
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None:
                raise NotAllowed(t(actor.lang, "notice.talk_missing"))
            talk.segments.clear()
            session.flush()
            talk.segments.extend(
                TalkSegment(position=i, speaker_id=s.speaker_id, title=s.title, minutes=s.minutes)
                for i, s in enumerate(segments)
            )
            known = set(talk.speaker_ids)
            for s in segments:
                if s.speaker_id not in known:
                    known.add(s.speaker_id)
                    talk.speakers.append(TalkSpeaker(user_id=s.speaker_id, position=len(talk.speakers)))
            talk.segment_index = None  # a new agenda follows the clock again
            talk.segment_shown = current_index(talk)  # what the flow below renders
            start_flow(session, talk_id=talk_id, flow="agenda")
        logger.info("Talk %s agenda set by %s: %d parts", talk_id, actor.user_id, len(segments))

    def next_part(self, *, actor: Actor, talk_id: int) -> str:
        """The organiser or a speaker moves on: from then on the agenda follows their clicks, not the clock."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if talk is None:
                raise NotAllowed(t(actor.lang, "notice.talk_missing"))
            if not self.talks.can_manage(talk, actor):
                raise NotAllowed(self.talks.refusal(talk, actor, "edit"))
            if talk.status is not TalkStatus.LIVE or not talk.segments:
                return t(actor.lang, "agenda.next.not_live", title=mrkdwn_escape(talk.title))
            index = shown_index(talk)
            if index is None or index + 1 >= len(talk.segments):
                return t(actor.lang, "agenda.next.last")
            talk.segment_index = talk.segment_shown = index + 1
            segment = talk.segments[index + 1]
            start_flow(session, talk_id=talk_id, flow="agenda")
            return t(actor.lang, "agenda.next.done", n=index + 2, title=mrkdwn_escape(segment.title))

    def follow_clock(self, now: datetime | None = None) -> list[int]:
        """Every 30 s (leader): live talks whose part changed by the clock get their live post and boards
        re-rendered, once per change. Returns the talks moved on."""
        now = now or utcnow()
        moved: list[int] = []
        with self.db.session() as session:
            live = session.execute(
                select(Talk).where(Talk.status == TalkStatus.LIVE, Talk.segment_index.is_(None))
            ).scalars()
            for talk in live:
                index = current_index(talk, now)
                if index is None or index == talk.segment_shown:
                    continue
                talk.segment_shown = index
                start_flow(session, talk_id=talk.id, flow="agenda")
                moved.append(talk.id)
        for talk_id in moved:
            self.talks.run_flows(talk_id)
        return moved
