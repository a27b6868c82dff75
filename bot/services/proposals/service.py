"""The speaker pipeline: proposals and survey topics on a board people upvote; organisers accept one into a talk
(the new-talk form, prefilled) or decline it with a reason; the proposer is told either way.

Who is an organiser here (may accept or decline): a workspace admin or owner, anyone listed in ORGANISER_IDS, and
anyone who has organised a talk in this workspace. Anyone may already create a talk, so this only keeps the
decision away from people who never ran one; Slack Connect guests never decide.

The board is one channel message per channel, posted once through the outbox (key `proposal_board:<channel>`,
found again by its metadata after a crash) and re-rendered from the database with coalesced chat.update calls.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk.models.metadata import Metadata

from bot import ids
from bot.config import Settings
from bot.db import proposals_repo as prepo
from bot.db import repositories as repo
from bot.db.base import utcnow
from bot.db.models import Proposal, ProposalKind, ProposalStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once, sent_message
from bot.delivery.refresher import Refresher
from bot.domain import Actor
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGateway
from bot.services.talks.service import NotAllowed, TalkService
from bot.views.formatting import mention, mrkdwn_escape, slack_date
from bot.views.proposals import (
    ProposalInput,
    board_metadata,
    board_text,
    build_decline_modal,
    build_proposal_list,
    build_proposals_board,
    build_propose_modal,
)
from bot.views.talk_modal import build_talk_modal

logger = logging.getLogger(__name__)


def board_key(channel_id: str) -> str:
    return f"proposal_board:{channel_id}"


class ProposalService:
    def __init__(
        self, *, settings: Settings, db: Database, slack: SlackGateway, refresher: Refresher, talks: TalkService
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.refresher = refresher
        self.talks = talks

    # Who decides ---------------------------------------------------------------------------------------------

    def is_organiser(self, actor: Actor, *, excluding_talk: int | None = None) -> bool:
        """`excluding_talk`: the talk the person just created from the proposal's form does not count."""
        if not actor.internal:
            return False
        if actor.user_id in self.settings.organiser_ids or self.slack.user(actor.user_id).is_admin:
            return True
        with self.db.session() as session:
            return prepo.has_organised(
                session=session, team_id=actor.team_id, user_id=actor.user_id, excluding=excluding_talk
            )

    def can_see(self, proposal: Proposal, user_id: str) -> bool:
        """A board in a private channel is for its members (and the proposer), like a talk announced there."""
        if user_id == proposal.proposer_id or not self.slack.channel_is_private(proposal.channel_id):
            return True
        members = self.slack.channel_members(proposal.channel_id)
        return members is not None and user_id in members

    # Propose -------------------------------------------------------------------------------------------------

    def _today(self, user_id: str) -> date:
        return datetime.now(ZoneInfo(self.talks.timezone_of(user_id))).date()

    def open_propose_modal(self, *, actor: Actor, trigger_id: str, channel_id: str | None, title: str = "") -> None:
        if not actor.internal:
            raise NotAllowed(t(actor.lang, "refusal.external"))
        here = channel_id if channel_id and channel_id.startswith(("C", "G")) else None
        view = build_propose_modal(
            actor.lang,
            title=title,
            channel_id=self.settings.PROPOSALS_CHANNEL or here,
            today=self._today(actor.user_id),
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def today_of(self, user_id: str) -> date:
        return self._today(user_id)

    def create(self, *, actor: Actor, data: ProposalInput, view_id: str | None) -> int:
        """Store the proposal (once per modal: a repeated submission returns the same one)."""
        if not actor.internal:
            raise NotAllowed(t(actor.lang, "refusal.external"))
        with self.db.session() as session:
            if view_id and (existing := prepo.by_view(session=session, view_id=view_id)):
                return existing.id
            proposal = prepo.create(
                session=session,
                team_id=actor.team_id,
                proposer_id=actor.user_id,
                title=data.title,
                abstract=data.abstract,
                preferred_dates=",".join(d.isoformat() for d in data.preferred_dates) or None,
                channel_id=data.channel_id,
                view_id=view_id,
            )
            proposal_id = proposal.id
        logger.info("Proposal %s by %s", proposal_id, actor.user_id)
        return proposal_id

    def after_create(self, proposal_id: int) -> None:
        """After the ack: the board shows it."""
        with self.db.session() as session:
            proposal = prepo.get(session=session, proposal_id=proposal_id)
        if proposal is not None:
            self.refresh_board(proposal.team_id, proposal.channel_id)

    # The board ------------------------------------------------------------------------------------------------

    def refresh_board(self, team_id: str, channel_id: str, *, now: bool = False) -> None:
        self.refresher.refresh(
            ("proposal_board", channel_id), partial(self._render_board, team_id, channel_id), now=now
        )

    def _entries(self, team_id: str, channel_id: str | None) -> list[tuple[Proposal, int]]:
        with self.db.session() as session:
            return prepo.open_ranked(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                min_survey_answers=self.settings.SURVEY_MIN_RESPONSES,
            )

    def _render_board(self, team_id: str, channel_id: str) -> None:
        """Post the channel's board once, then keep it current (rendered from the database each time)."""
        lang = self.settings.PROPOSALS_LANGUAGE
        entries = self._entries(team_id, channel_id)
        text = board_text(lang, len(entries))
        blocks = build_proposals_board(lang, entries)
        key = board_key(channel_id)
        posted = sent_message(self.db, key)
        if posted is None and not entries:
            return  # no board in a channel until it has something to show
        if posted is None:
            send_once(
                self.db,
                key=key,
                talk_id=None,
                kind="proposal_board",
                recipient=channel_id,
                send=partial(
                    self.slack.post_message,
                    channel=channel_id,
                    text=text,
                    blocks=blocks,
                    metadata=board_metadata(channel_id),
                ),
                recover=partial(self._find_board, channel_id),
            )
            # Posted with the current state (a post recovered after a crash is brought up to date next time).
            return
        channel, ts = posted
        self.slack.update_message(channel=channel, ts=ts, text=text, blocks=blocks, metadata=board_metadata(channel_id))

    def _find_board(self, channel_id: str) -> tuple[str, str] | None:
        # A post whose record a crash lost is recent: the last week of the channel is enough to look through.
        ts = self.slack.find_own_message(
            channel=channel_id,
            event_type=ids.METADATA_PROPOSALS_EVENT_TYPE,
            payload_match={"board": channel_id},
            oldest=f"{(utcnow() - timedelta(days=7)).timestamp():.6f}",
        )
        return (channel_id, ts) if ts else None

    def list_command(self, *, actor: Actor, response_url: str) -> None:
        entries = [(p, n) for p, n in self._entries(actor.team_id, None) if self.can_see(p, actor.user_id)]
        blocks = build_proposal_list(actor.lang, entries)
        self.slack.respond(response_url, text=t(actor.lang, "proposals.list.header"), blocks=blocks)

    # Votes ---------------------------------------------------------------------------------------------------

    def vote(self, *, actor: Actor, proposal_id: int, action_ts: str, channel_id: str | None, ephemeral: bool) -> None:
        with self.db.session() as session:
            proposal = prepo.get(session=session, proposal_id=proposal_id)
            if proposal is None or proposal.team_id != actor.team_id or not self.can_see(proposal, actor.user_id):
                message: str | None = t(actor.lang, "proposals.missing")
                result = None
            elif proposal.status is not ProposalStatus.OPEN:
                message, result = t(actor.lang, "proposals.closed", title=mrkdwn_escape(proposal.title)), None
            else:
                result = prepo.toggle_vote(
                    session=session, proposal_id=proposal_id, user_id=actor.user_id, action_ts=action_ts
                )
                session.flush()
                count = prepo.vote_count(session=session, proposal_id=proposal_id)
                message = None
                if ephemeral and result is not None:
                    key = "proposals.voted" if result else "proposals.unvoted"
                    message = t(actor.lang, key, title=mrkdwn_escape(proposal.title), count=count)
            team_id, board = (proposal.team_id, proposal.channel_id) if proposal else ("", "")
        if message is not None:
            self.talks.tell_ephemeral(channel_id=channel_id, user_id=actor.user_id, text=message)
        if result is not None:
            self.refresh_board(team_id, board)

    # Accept ---------------------------------------------------------------------------------------------------

    def _decidable(self, actor: Actor, proposal_id: int, action: str) -> Proposal:
        with self.db.session() as session:
            proposal = prepo.get(session=session, proposal_id=proposal_id)
        if proposal is None or proposal.team_id != actor.team_id or not self.can_see(proposal, actor.user_id):
            raise NotAllowed(t(actor.lang, "proposals.missing"))
        if not self.is_organiser(actor):
            raise NotAllowed(t(actor.lang, f"proposals.refusal.{action}"))
        if proposal.status is not ProposalStatus.OPEN:
            raise NotAllowed(t(actor.lang, "proposals.closed", title=mrkdwn_escape(proposal.title)))
        return proposal

    def open_accept(self, *, actor: Actor, proposal_id: int, trigger_id: str) -> None:
        """The new-talk form, prefilled: title, abstract as description, the proposer as speaker, the first
        preferred date at noon (the organiser's zone); submitting it creates the talk and accepts the proposal."""
        proposal = self._decidable(actor, proposal_id, "accept")
        tz = ZoneInfo(self.talks.timezone_of(actor.user_id))
        today = datetime.now(tz).date()
        preferred = [date.fromisoformat(d) for d in (proposal.preferred_dates or "").split(",") if d]
        day = next((d for d in preferred if d > today), today + timedelta(days=1))
        speaker = proposal.proposer_id if proposal.kind is ProposalKind.TALK and proposal.proposer_id else None
        view = build_talk_modal(
            actor.lang,
            title=proposal.title,
            description=proposal.abstract,
            speaker_ids=[speaker or actor.user_id],
            starts_at=datetime.combine(day, time(12, 0), tzinfo=tz),
            channel_id=proposal.channel_id,
            default_reminders=self.settings.REMINDER_OFFSETS,
            private_metadata=f"{ids.PROPOSAL_METADATA_PREFIX}{proposal.id}",
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def accept_into(self, *, actor: Actor, proposal_id: int, talk_id: int) -> bool:
        """The talk made from the proposal's form exists: the proposal is accepted into it (before the form's ack,
        so a crash leaves the form open and its resubmission finds the same talk). False when already decided."""
        if not self.is_organiser(actor, excluding_talk=talk_id):
            return False
        with self.db.session() as session:
            proposal = prepo.get(session=session, proposal_id=proposal_id, lock=True)
            if proposal is None or proposal.team_id != actor.team_id or proposal.status is not ProposalStatus.OPEN:
                return False
            proposal.status = ProposalStatus.ACCEPTED
            proposal.talk_id = talk_id
            proposal.decided_by = actor.user_id
            proposal.decided_at = utcnow()
        logger.info("Proposal %s accepted into talk %s by %s", proposal_id, talk_id, actor.user_id)
        return True

    # Decline ----------------------------------------------------------------------------------------------------

    def open_decline(self, *, actor: Actor, proposal_id: int, trigger_id: str) -> None:
        proposal = self._decidable(actor, proposal_id, "decline")
        self.slack.open_view(trigger_id=trigger_id, view=build_decline_modal(actor.lang, proposal=proposal))

    def decline(self, *, actor: Actor, proposal_id: int, reason: str) -> str | None:
        """Before the modal's ack: a refusal keeps it open with the message. Returns what the form lacks: a
        proposer is owed a reason; an anonymous survey topic is removed without one (nobody is told)."""
        proposal = self._decidable(actor, proposal_id, "decline")
        if not reason and proposal.kind is ProposalKind.TALK:
            return t(actor.lang, "proposals.error.reason")
        with self.db.session() as session:
            stored = prepo.get(session=session, proposal_id=proposal_id, lock=True)
            if stored is None or stored.status is not ProposalStatus.OPEN:
                return None
            stored.status = ProposalStatus.DECLINED
            stored.decline_reason = reason or None
            stored.decided_by = actor.user_id
            stored.decided_at = utcnow()
        logger.info("Proposal %s declined by %s", proposal_id, actor.user_id)
        return None

    # After a decision ---------------------------------------------------------------------------------------------

    def after_decision(self, proposal_id: int) -> None:
        """The proposer hears the decision (once), and the board drops the entry."""
        with self.db.session() as session:
            proposal = prepo.get(session=session, proposal_id=proposal_id)
        if proposal is None:
            return
        self.notify(proposal_id)
        self.refresh_board(proposal.team_id, proposal.channel_id)

    def notify(self, proposal_id: int) -> None:
        """DM the proposer the decision, exactly once (outbox key), then record that they were told."""
        with self.db.session() as session:
            proposal = prepo.get(session=session, proposal_id=proposal_id)
            talk = repo.get_talk(session=session, talk_id=proposal.talk_id) if proposal and proposal.talk_id else None
        if proposal is None or proposal.proposer_id is None or proposal.notified_at is not None:
            return
        if proposal.status is ProposalStatus.OPEN:
            return
        user = proposal.proposer_id
        lang = self.slack.user(user).lang
        title = mrkdwn_escape(proposal.title)
        if proposal.status is ProposalStatus.ACCEPTED:
            when = slack_date(talk.starts_at, talk.timezone) if talk else "-"
            text = t(lang, "proposals.dm.accepted", title=title, by=mention(proposal.decided_by or ""), when=when)
        else:
            text = t(
                lang,
                "proposals.dm.declined",
                title=title,
                by=mention(proposal.decided_by or ""),
                reason=mrkdwn_escape(proposal.decline_reason or ""),
            )
        metadata = Metadata(
            event_type=ids.METADATA_PROPOSALS_EVENT_TYPE, event_payload={"proposal_id": proposal_id, "kind": "decision"}
        )
        send_once(
            self.db,
            key=f"proposal_decision:{proposal_id}",
            talk_id=None,
            kind="proposal_decision",
            recipient=user,
            send=partial(self.slack.post_message, channel=user, text=text, metadata=metadata),
            # A DM whose record a crash lost is found again by its metadata instead of being sent twice.
            recover=partial(
                self.slack.find_own_dm,
                user_id=user,
                event_type=ids.METADATA_PROPOSALS_EVENT_TYPE,
                payload_match={"proposal_id": proposal_id, "kind": "decision"},
            ),
        )
        if sent_message(self.db, f"proposal_decision:{proposal_id}") is not None:
            with self.db.session() as session:
                stored = prepo.get(session=session, proposal_id=proposal_id, lock=True)
                if stored is not None and stored.notified_at is None:
                    stored.notified_at = utcnow()

    def sweep(self) -> None:
        """Every minute: decisions whose DM a crash or a Slack failure left unsent, and boards never posted."""
        with self.db.session() as session:
            pending = [p.id for p in prepo.undecided_notices(session=session)]
            boards = prepo.open_boards(session=session)
        for proposal_id in pending:
            self.notify(proposal_id)
        # A board whose first post a crash prevented (the proposal was stored, the post was to follow the ack).
        for team_id, channel_id in boards:
            if sent_message(self.db, board_key(channel_id)) is None:
                self.refresh_board(team_id, channel_id)

    # Survey topics ------------------------------------------------------------------------------------------------

    def survey_answered(self, talk_id: int) -> None:
        """A survey answer changed: its talk's topics may now show (or change) on the board."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            topics = prepo.topic_channels(session=session, survey_talk_id=talk_id)
        if talk is None:
            return
        default = self.settings.PROPOSALS_CHANNEL or talk.announcement_channel or talk.channel_id
        if sent_message(self.db, board_key(default)) is not None:
            topics.add(default)  # an answer emptied since: its topic is gone from the table, not yet from the board
        for channel in topics:
            self.refresh_board(talk.team_id, channel)
