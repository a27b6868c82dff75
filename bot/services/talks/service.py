"""Talks: create, announce, RSVP, edit, cancel, list."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block
from slack_sdk.models.metadata import Metadata
from sqlalchemy.orm import Session

from bot import ids
from bot.config import Settings
from bot.db import repositories as repo
from bot.db import series_repo
from bot.db.models import SlotStatus, Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once, sent_message
from bot.delivery.refresher import Refresher
from bot.domain import Actor, TalkInput, UserFacingError
from bot.flows.engine import FlowRunner, GiveUp, Retry, Run
from bot.flows.engine import start as start_flow
from bot.flows.engine import start_once as start_flow_once
from bot.i18n import t
from bot.integrations.slack_gateway import ChannelAccess, SlackGateway, SlackGatewayError, is_transient
from bot.services.streams.links import link_for
from bot.services.talks.access import TalkAccess
from bot.views.announcement import (
    announcement_metadata,
    announcement_text,
    build_announce_failed,
    build_announcement,
)
from bot.views.cancel_modal import build_cancel_modal
from bot.views.commands import LIST_MAX, build_talk_list
from bot.views.formatting import mention, mrkdwn_escape, slack_date
from bot.views.problems import slack_problem
from bot.views.talk_modal import StateValues, build_talk_modal, form_from_state

logger = logging.getLogger(__name__)

CHANNEL_ERROR_KEYS = {
    ChannelAccess.PRIVATE_NOT_MEMBER: "error.channel.private",
    ChannelAccess.NOT_FOUND: "error.channel.not_found",
    ChannelAccess.ARCHIVED: "error.channel.archived",
    ChannelAccess.IM: "error.channel.im",
}


LIST_SCAN = 200  # talks read for /lunchlearn list before hiding private ones the user may not see


def cancel_metadata(talk_id: int) -> Metadata:
    return Metadata(event_type=ids.METADATA_EVENT_TYPE, event_payload={"talk_id": talk_id, "kind": "cancelled"})


class NotAllowed(UserFacingError):
    """The user may not change this talk."""


class TalkService:
    def __init__(
        self, *, settings: Settings, db: Database, slack: SlackGateway, refresher: Refresher, flows: FlowRunner
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.refresher = refresher
        self.flows = flows
        self.access = TalkAccess(slack, db)

    # People ----------------------------------------------------------------------------------------

    def actor(self, user_id: str, team_id: str, payload_team_id: str | None = None) -> Actor:
        """`team_id`: the user's team as the payload gives it; `payload_team_id`: the payload's own team (a slash
        command has only one). users.info's team_id, when known, is the user's team."""
        user = self.slack.user(user_id)
        own_team = user.team_id or team_id
        internal = self.access.is_internal(user_team=own_team, payload_team=payload_team_id or team_id)
        return Actor(user_id=user_id, team_id=own_team, lang=user.lang, internal=internal)

    def timezone_of(self, user_id: str) -> str:
        tz = self.slack.user(user_id).tz
        try:
            if tz:
                ZoneInfo(tz)
                return tz
        except (ValueError, KeyError):
            pass
        return self.settings.DEFAULT_TIMEZONE

    def can_manage(self, talk: Talk, actor: Actor) -> bool:
        return self.access.can_manage(talk, actor)

    def can_see(self, talk: Talk, user_id: str) -> bool:
        return self.access.can_see(talk, user_id)

    def refusal(self, talk: Talk, actor: Actor, action: str) -> str:
        """ "Only the organiser... can <action> <title>", or "can't find that talk" to someone who may not see it."""
        if not self.can_see(talk, actor.user_id):
            return t(actor.lang, "notice.talk_missing")
        action_text = t(actor.lang, f"refusal.action.{action}")
        return t(actor.lang, "refusal.not_allowed", action=action_text, title=mrkdwn_escape(talk.title))

    # New talk --------------------------------------------------------------------------------------

    def open_new_modal(self, *, actor: Actor, trigger_id: str, channel_id: str | None, title: str) -> None:
        if not actor.internal:
            raise NotAllowed(t(actor.lang, "refusal.external"))  # planning a talk is managing it
        tz = ZoneInfo(self.timezone_of(actor.user_id))
        # Default: tomorrow at noon in the organiser's zone (lunch time, far enough ahead for a reminder).
        tomorrow = (datetime.now(tz) + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
        channel = channel_id if channel_id and channel_id.startswith(("C", "G")) else None
        view = build_talk_modal(
            actor.lang,
            title=title,
            speaker_ids=[actor.user_id],
            starts_at=tomorrow,
            channel_id=channel,
            default_reminders=self.settings.REMINDER_OFFSETS,
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def channel_error(self, channel_id: str, lang: str) -> str | None:
        """Why the bot cannot announce in this channel (joining public channels itself), or None."""
        try:
            access = self.slack.ensure_can_post(channel_id)
        except SlackGatewayError as exc:
            logger.warning("Checking channel %s failed: %s", channel_id, exc.error)
            return t(lang, "error.channel.failed", problem=slack_problem(lang, exc.error))
        key = CHANNEL_ERROR_KEYS.get(access)
        return t(lang, key) if key else None

    def create_talk(self, *, actor: Actor, data: TalkInput, view_id: str | None, slot_id: int | None = None) -> int:
        """Store the talk (once per modal: a repeated submission returns the same talk). With `slot_id` (the modal
        was opened from a series slot) the talk fills that slot in the same transaction, or is refused."""
        if not actor.internal:
            raise NotAllowed(t(actor.lang, "refusal.external"))
        with self.db.session() as session:
            if view_id and (existing := repo.get_talk_by_view(session=session, view_id=view_id)):
                return existing.id
            talk = repo.create_talk(
                session=session,
                data=data,
                team_id=actor.team_id,
                organiser_id=actor.user_id,
                timezone=self.timezone_of(actor.user_id),
                source_view_id=view_id,
            )
            session.flush()
            talk_id = talk.id
            if slot_id is not None and (problem := self._fill_slot(session, slot_id, talk, actor)):
                raise NotAllowed(problem)
            start_flow(session, talk_id=talk_id, flow="created", args=_by(actor))
        logger.info("Talk %s created by %s", talk_id, actor.user_id)
        return talk_id

    def _fill_slot(self, session: Session, slot_id: int, talk: Talk, actor: Actor) -> str | None:
        """series: the talk takes the slot (locked) if it is still open and the actor runs the series."""
        slot = series_repo.get_slot(session=session, slot_id=slot_id, lock=True)
        series = series_repo.get_series(session=session, series_id=slot.series_id) if slot else None
        if slot is None or series is None:
            return t(actor.lang, "series.missing")
        if actor.user_id not in series.manager_ids and not self.slack.user(actor.user_id).is_admin:
            return t(actor.lang, "series.refusal", name=mrkdwn_escape(series.name))
        if slot.status is not SlotStatus.OPEN or slot.talk_id is not None:
            return t(actor.lang, "series.slot.not_open", status=t(actor.lang, f"series.slot.{slot.status.value}"))
        slot.status, slot.talk_id, talk.series_id = SlotStatus.FILLED, talk.id, series.id
        return None

    def run_flows(self, talk_id: int) -> None:
        """Run the talk's pending flow steps now, in this thread (after the ack); the worker resumes the rest."""
        self.flows.drain(talk_id)

    def announce(self, talk_id: int, *, run: Run) -> None:
        """Flow step: post the announcement once and store its ts. After a crash between the post and the
        record, the post is found again in the channel by its metadata instead of being posted twice."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.announcement_ts:
                return
            going = repo.count_going(session=session, talk_id=talk_id)
        key = f"announcement:{talk_id}"
        error: str | None = None
        try:
            send_once(
                self.db,
                key=key,
                talk_id=talk_id,
                kind="announcement",
                recipient=talk.channel_id,
                send=partial(
                    self.slack.post_message,
                    channel=talk.channel_id,
                    text=announcement_text(talk),
                    blocks=build_announcement(talk, going_count=going, link=link_for(self.db, talk)),
                    metadata=announcement_metadata(talk),
                ),
                recover=partial(self._find_announcement, talk),
                crash="announce.after_post",
                raise_errors=True,
            )
        except SlackGatewayError as exc:
            error = exc.error
        posted = sent_message(self.db, key)
        if posted is None:
            if error is None or is_transient(error):
                raise Retry(f"announcement not posted ({error or 'in progress elsewhere'})")
            logger.warning("Announcing talk %s failed: %s", talk_id, error)
            lang = str(run.args.get("lang") or talk.language)
            organiser = str(run.args.get("by") or talk.organiser_id)
            text = t(
                lang,
                "notice.announce_failed",
                title=mrkdwn_escape(talk.title),
                channel=mrkdwn_escape(talk.channel_id),
                problem=slack_problem(lang, error),
            )
            send_once(
                self.db,
                key=f"announce_failed:{talk_id}:{run.id}",
                talk_id=talk_id,
                kind="announce_failed",
                recipient=organiser,
                send=partial(
                    self.slack.post_message,
                    channel=organiser,
                    text=text,
                    blocks=build_announce_failed(lang, talk_id=talk_id, text=text),
                ),
            )
            raise GiveUp(f"cannot post in {talk.channel_id}: {error}", told=True)
        with self.db.session() as session:
            stored = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if stored is not None and not stored.announcement_ts:
                stored.announcement_channel, stored.announcement_ts = posted

    def _find_announcement(self, talk: Talk) -> tuple[str, str] | None:
        ts = self.slack.find_own_message(
            channel=talk.channel_id,
            event_type=ids.METADATA_EVENT_TYPE,
            payload_match={"talk_id": talk.id, "kind": "announcement"},
            oldest=f"{talk.created_at.timestamp() - 60:.6f}",
        )
        return (talk.channel_id, ts) if ts else None

    def confirm(self, talk_id: int, *, run: Run, message: str, key: str) -> None:
        """Flow step: a confirmation DM to whoever acted, with the announcement's permalink (once per key)."""
        user = str(run.args.get("by") or "")
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            told = len(repo.sent_keys(session=session, talk_id=talk_id, kind="cancel_dm")) if talk else 0
        if talk is None or not user:
            return
        lang = str(run.args.get("lang") or self.slack.user(user).lang)
        link = ""
        if talk.announcement_channel and talk.announcement_ts:
            link = self.slack.permalink(channel=talk.announcement_channel, ts=talk.announcement_ts) or ""
        text = t(
            lang,
            message,
            title=mrkdwn_escape(talk.title),
            channel=mrkdwn_escape(talk.announcement_channel or talk.channel_id),
            link=mrkdwn_escape(link),
            count=told,
        )
        send_once(
            self.db,
            key=key,
            talk_id=talk_id,
            kind="confirm",
            recipient=user,
            send=partial(self.slack.post_message, channel=user, text=text),
        )

    def tell_flow_failed(self, talk: Talk, *, run: Run, step: str) -> None:
        """After a flow gave up: tell the organiser in one or two sentences what did not happen."""
        lang = self.slack.user(talk.organiser_id).lang
        what = t(lang, f"flows.what.{run.flow}")
        text = t(lang, "flows.failed", title=mrkdwn_escape(talk.title), what=what)
        send_once(
            self.db,
            key=f"flow_failed:{run.id}",
            talk_id=talk.id,
            kind="flow_failed",
            recipient=talk.organiser_id,
            send=partial(self.slack.post_message, channel=talk.organiser_id, text=text),
        )

    def retry_announce(self, *, actor: Actor, talk_id: int) -> str | None:
        """The organiser's "Try again" after a failed announcement; returns a refusal or a problem to show."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return t(actor.lang, "notice.talk_missing")
        if not self.can_manage(talk, actor):
            return self.refusal(talk, actor, "edit")
        if talk.announcement_ts:
            return None  # already announced (a double click, or another replica)
        problem = self.channel_error(talk.channel_id, actor.lang)
        if problem:
            return problem
        with self.db.session() as session:
            start_flow(session, talk_id=talk_id, flow="created", args=_by(actor))
        self.run_flows(talk_id)
        return None

    # Announcement refresh ------------------------------------------------------------------------------

    def refresh_announcement(self, talk_id: int, *, now: bool = False) -> None:
        """Re-render the announcement from the database; coalesced unless `now`."""
        self.refresher.refresh(("announcement", talk_id), partial(self._render_announcement, talk_id), now=now)

    def _render_announcement(self, talk_id: int) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or not talk.announcement_ts or not talk.announcement_channel:
                return
            going = repo.count_going(session=session, talk_id=talk_id)
        self.slack.update_message(
            channel=talk.announcement_channel,
            ts=talk.announcement_ts,
            text=announcement_text(talk),
            blocks=build_announcement(talk, going_count=going, link=link_for(self.db, talk)),
            metadata=announcement_metadata(talk),
        )

    def rerender(self, talk_id: int, *, run: Run) -> None:
        """Flow step: the card shows the talk's current state now (posted, if it never went out)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return
        if not talk.announcement_ts:
            self.announce(talk_id, run=run)
            return
        try:
            self.refresh_announcement(talk_id, now=True)
        except SlackGatewayError as exc:
            if is_transient(exc.error):
                raise Retry(f"chat.update: {exc.error}") from None
            logger.warning("Updating the announcement of talk %s failed for good: %s", talk_id, exc.error)

    # RSVP --------------------------------------------------------------------------------------------

    def rsvp(self, *, actor: Actor, talk_id: int, going: bool, channel_id: str | None) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or not self.can_see(talk, actor.user_id):
                message = t(actor.lang, "notice.talk_missing")
                changed = False
            elif talk.status not in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
                status = t(actor.lang, f"status.{talk.status.value}")
                message = t(actor.lang, "rsvp.closed", title=mrkdwn_escape(talk.title), status=status)
                changed = False
            else:
                changed = repo.set_rsvp(session=session, talk_id=talk_id, user_id=actor.user_id, going=going)
                if changed:
                    start_flow_once(session, talk_id=talk_id, flow="rsvp")
                session.flush()
                count = repo.count_going(session=session, talk_id=talk_id)
                message = t(
                    actor.lang,
                    "rsvp.going" if going else "rsvp.not_going",
                    title=mrkdwn_escape(talk.title),
                    count=count,
                )
        if channel_id:
            self._ephemeral(channel_id, actor.user_id, message)
        if changed:
            self.run_flows(talk_id)

    # Edit ----------------------------------------------------------------------------------------------

    def _load_manageable(self, session_talk: Talk | None, actor: Actor, action: str) -> Talk:
        if session_talk is None:
            raise NotAllowed(t(actor.lang, "notice.talk_missing"))
        if not self.can_manage(session_talk, actor):
            raise NotAllowed(self.refusal(session_talk, actor, action))
        if session_talk.status in (TalkStatus.ENDED, TalkStatus.CANCELLED):
            status = t(actor.lang, f"status.{session_talk.status.value}")
            raise NotAllowed(
                t(actor.lang, "refusal.not_editable", title=mrkdwn_escape(session_talk.title), status=status)
            )
        return session_talk

    def open_edit_modal(self, *, actor: Actor, talk_id: int, trigger_id: str) -> None:
        with self.db.session() as session:
            talk = self._load_manageable(repo.get_talk(session=session, talk_id=talk_id), actor, "edit")
        view = build_talk_modal(
            actor.lang,
            editing=True,
            default_reminders=self.settings.REMINDER_OFFSETS,
            private_metadata=str(talk.id),
            **_edit_form(talk),
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def redraw_form(
        self,
        *,
        actor: Actor,
        view_id: str,
        view_hash: str | None,
        talk_id: int | None,
        private_metadata: str,
        values: StateValues,
        more: bool,
    ) -> None:
        """A stream kind chosen or "More options" clicked in the talk form: the same form again with the fields
        that now apply, every typed value kept (Slack keeps typed input only for blocks it still finds; the
        initial values make sure of it). Fields appearing for the first time show the talk's own values when
        editing (`talk_id`), the defaults otherwise."""
        base: dict[str, Any] = {}
        if talk_id is not None:
            try:
                talk = self.talk_for_edit(actor=actor, talk_id=talk_id)
            except NotAllowed:
                return  # no longer editable: the submission says why
            base = _edit_form(talk)
        view = build_talk_modal(
            actor.lang,
            editing=talk_id is not None,
            default_reminders=self.settings.REMINDER_OFFSETS,
            private_metadata=private_metadata,
            more=more,
            **{**base, **form_from_state(values)},
        )
        try:
            self.slack.update_view(view_id=view_id, view=view, view_hash=view_hash)
        except SlackGatewayError as exc:
            # hash_conflict: the form changed after this click (a later click's redraw landed first). Its state
            # cannot be read back, so it is left as it is; the person's next choice redraws it again.
            log = logger.info if exc.error == "hash_conflict" else logger.warning
            log("Redrawing the talk form %s failed: %s", view_id, exc.error)

    def talk_for_edit(self, *, actor: Actor, talk_id: int) -> Talk:
        with self.db.session() as session:
            return self._load_manageable(repo.get_talk(session=session, talk_id=talk_id), actor, "edit")

    def update_talk(self, *, actor: Actor, talk_id: int, data: TalkInput) -> None:
        """Save an edit (before the modal closes, so a failure keeps the user's input)."""
        with self.db.session() as session:
            talk = self._load_manageable(repo.get_talk(session=session, talk_id=talk_id, lock=True), actor, "edit")
            before = {"starts_at": talk.starts_at.isoformat(), "link": talk.stream_url, "kind": talk.stream_kind.value}
            repo.apply_talk_input(talk=talk, data=data)
            start_flow(session, talk_id=talk_id, flow="updated", args={**_by(actor), "before": before})
        logger.info("Talk %s edited by %s", talk_id, actor.user_id)

    def notify_changes(self, talk_id: int, *, run: Run) -> None:
        """Flow step: DM everyone going when the time or the link changed, with the old and new value."""
        before = run.args.get("before") or {}
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            going = repo.going_user_ids(session=session, talk_id=talk_id) if talk else []
        if talk is None or talk.status is not TalkStatus.SCHEDULED:
            return
        old_start = datetime.fromisoformat(before["starts_at"]) if before.get("starts_at") else talk.starts_at
        time_changed = old_start != talk.starts_at
        link_changed = talk.stream_kind.value == before.get("kind") and talk.stream_url != before.get("link")
        if not (time_changed or link_changed):
            return
        by = str(run.args.get("by") or talk.organiser_id)
        for user_id in going:
            if user_id == by:
                continue
            lang = self.slack.user(user_id).lang
            lines = [t(lang, "notice.changed", title=mrkdwn_escape(talk.title), by=mention(by))]
            if time_changed:
                lines.append(
                    t(
                        lang,
                        "notice.changed.time",
                        old=slack_date(old_start, talk.timezone),
                        new=slack_date(talk.starts_at, talk.timezone),
                    )
                )
            if link_changed and talk.stream_url:
                lines.append(t(lang, "notice.changed.link", new=mrkdwn_escape(talk.stream_url)))
            send_once(
                self.db,
                key=f"change_dm:{run.id}:{user_id}",
                talk_id=talk_id,
                kind="change_dm",
                recipient=user_id,
                send=partial(self.slack.post_message, channel=user_id, text="\n".join(lines)),
            )

    # Cancel --------------------------------------------------------------------------------------------

    def open_cancel_modal(self, *, actor: Actor, talk_id: int, trigger_id: str) -> None:
        with self.db.session() as session:
            talk = self._load_manageable(repo.get_talk(session=session, talk_id=talk_id), actor, "cancel")
        self.slack.open_view(
            trigger_id=trigger_id, view=build_cancel_modal(actor.lang, talk_id=talk.id, title=talk.title)
        )

    def cancel_talk(self, *, actor: Actor, talk_id: int, reason: str) -> None:
        """Mark the talk cancelled (before the modal closes)."""
        with self.db.session() as session:
            talk = self._load_manageable(repo.get_talk(session=session, talk_id=talk_id, lock=True), actor, "cancel")
            talk.status = TalkStatus.CANCELLED
            talk.cancel_reason = reason or None
            if talk.series_id is not None:
                series_repo.release_slot(session=session, talk_id=talk_id)
            start_flow(session, talk_id=talk_id, flow="cancelled", args=_by(actor))
        logger.info("Talk %s cancelled by %s", talk_id, actor.user_id)

    def notify_cancelled(self, talk_id: int, *, by: str) -> int:
        """DM everyone who was going, exactly once each (safe to re-run after a crash)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            going = repo.going_user_ids(session=session, talk_id=talk_id) if talk else []
        if talk is None:
            return 0
        sent = 0
        for user_id in [user for user in going if self.can_see(talk, user)]:  # not those who left a private channel
            lang = self.slack.user(user_id).lang
            when = slack_date(talk.starts_at, talk.timezone)
            if talk.cancel_reason:
                text = t(
                    lang,
                    "notice.cancelled_reason",
                    title=mrkdwn_escape(talk.title),
                    when=when,
                    by=mention(by),
                    reason=mrkdwn_escape(talk.cancel_reason),
                )
            else:
                text = t(lang, "notice.cancelled", title=mrkdwn_escape(talk.title), when=when, by=mention(by))
            if send_once(
                self.db,
                key=f"cancel_dm:{talk_id}:{user_id}",
                talk_id=talk_id,
                kind="cancel_dm",
                recipient=user_id,
                send=partial(self.slack.post_message, channel=user_id, text=text, metadata=cancel_metadata(talk_id)),
                recover=partial(
                    self.slack.find_own_dm,
                    user_id=user_id,
                    event_type=ids.METADATA_EVENT_TYPE,
                    payload_match={"talk_id": talk_id, "kind": "cancelled"},
                ),
            ):
                sent += 1
        return sent

    # List ----------------------------------------------------------------------------------------------

    def list_upcoming(self, *, actor: Actor, response_url: str) -> None:
        with self.db.session() as session:
            found = repo.list_upcoming(session=session, team_id=actor.team_id, now=datetime.now(UTC), limit=LIST_SCAN)
        talks = self.access.visible(list(found), actor.user_id)
        shown = talks[:LIST_MAX]
        permalinks = {
            talk.id: link
            for talk in shown
            if talk.announcement_channel
            and talk.announcement_ts
            and (link := self.slack.permalink(channel=talk.announcement_channel, ts=talk.announcement_ts))
        }
        blocks = build_talk_list(actor.lang, shown, permalinks=permalinks, more=max(0, len(talks) - LIST_MAX))
        self.slack.respond(response_url, text=t(actor.lang, "list.header"), blocks=blocks)

    # Messages to people --------------------------------------------------------------------------------

    def _tell(self, user_id: str, text: str, *, blocks: list[Block] | None = None) -> None:
        """A DM from the app; failures are logged, never raised (it is a courtesy, not the work)."""
        try:
            self.slack.post_message(channel=user_id, text=text, blocks=blocks)
        except SlackGatewayError as exc:
            logger.warning("Could not DM %s: %s", user_id, exc.error)

    def _ephemeral(self, channel_id: str, user_id: str, text: str) -> None:
        try:
            self.slack.post_ephemeral(channel=channel_id, user=user_id, text=text)
        except SlackGatewayError:
            self._tell(user_id, text)

    def tell_ephemeral(self, *, channel_id: str | None, user_id: str, text: str) -> None:
        if channel_id:
            self._ephemeral(channel_id, user_id, text)
        else:
            self._tell(user_id, text)


def _by(actor: Actor) -> dict[str, str]:
    """Flow arguments naming who acted, in their language (for confirmations and notices)."""
    return {"by": actor.user_id, "lang": actor.lang}


def _edit_form(talk: Talk) -> dict[str, Any]:
    """The edit form's values: the talk as it is now."""
    return {
        "title": talk.title,
        "description": talk.description,
        "speaker_ids": talk.speaker_ids,
        "starts_at": talk.starts_at,
        "duration_minutes": talk.duration_minutes,
        "stream_kind": talk.stream_kind,
        "stream_url": talk.stream_url,
        "language": talk.language,
        "reminders": talk.reminder_offsets,
        "announce_link": talk.announce_link,
    }
