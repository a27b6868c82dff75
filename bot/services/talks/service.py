"""Talks: create, announce, RSVP, edit, cancel, list."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block
from slack_sdk.models.metadata import Metadata

from bot import ids
from bot.config import Settings
from bot.db import repositories as repo
from bot.db.models import Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.outbox import send_once
from bot.delivery.refresher import Refresher
from bot.domain import Actor, TalkInput, UserFacingError
from bot.i18n import t
from bot.integrations.slack_gateway import ChannelAccess, SlackGateway, SlackGatewayError
from bot.services.hooks import Hooks
from bot.views.announcement import (
    announcement_metadata,
    announcement_text,
    build_announce_failed,
    build_announcement,
)
from bot.views.cancel_modal import build_cancel_modal
from bot.views.commands import LIST_MAX, build_talk_list
from bot.views.formatting import slack_date
from bot.views.live_post import build_live_post, live_metadata, live_text
from bot.views.problems import slack_problem
from bot.views.talk_modal import build_talk_modal

logger = logging.getLogger(__name__)

CHANNEL_ERROR_KEYS = {
    ChannelAccess.PRIVATE_NOT_MEMBER: "error.channel.private",
    ChannelAccess.NOT_FOUND: "error.channel.not_found",
    ChannelAccess.ARCHIVED: "error.channel.archived",
    ChannelAccess.IM: "error.channel.im",
}


def cancel_metadata(talk_id: int) -> Metadata:
    return Metadata(event_type=ids.METADATA_EVENT_TYPE, event_payload={"talk_id": talk_id, "kind": "cancelled"})


class NotAllowed(UserFacingError):
    """The user may not change this talk."""


class TalkService:
    def __init__(
        self, *, settings: Settings, db: Database, slack: SlackGateway, refresher: Refresher, hooks: Hooks
    ) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.refresher = refresher
        self.hooks = hooks

    # People ----------------------------------------------------------------------------------------

    def actor(self, user_id: str, team_id: str) -> Actor:
        return Actor(user_id=user_id, team_id=team_id, lang=self.slack.user(user_id).lang)

    def timezone_of(self, user_id: str) -> str:
        tz = self.slack.user(user_id).tz
        try:
            if tz:
                ZoneInfo(tz)
                return tz
        except (ValueError, KeyError):
            pass
        return self.settings.DEFAULT_TIMEZONE

    def can_manage(self, talk: Talk, user_id: str) -> bool:
        if user_id == talk.organiser_id or user_id in talk.speaker_ids:
            return True
        return self.slack.user(user_id).is_admin

    # New talk --------------------------------------------------------------------------------------

    def open_new_modal(self, *, actor: Actor, trigger_id: str, channel_id: str | None, title: str) -> None:
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

    def create_talk(self, *, actor: Actor, data: TalkInput, view_id: str | None) -> int:
        """Store the talk (once per modal: a repeated submission returns the same talk)."""
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
            talk_id = talk.id
        logger.info("Talk %s created by %s", talk_id, actor.user_id)
        return talk_id

    def announce(self, talk_id: int, *, actor: Actor) -> None:
        """Post the announcement (once) and confirm to the organiser with its permalink."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.announcement_ts:
                return
            going = repo.count_going(session=session, talk_id=talk_id)
        try:
            channel, ts = self.slack.post_message(
                channel=talk.channel_id,
                text=announcement_text(talk),
                blocks=build_announcement(talk, going_count=going, link=self.hooks.link_for(talk)),
                metadata=announcement_metadata(talk),
            )
        except SlackGatewayError as exc:
            logger.warning("Announcing talk %s failed: %s", talk_id, exc.error)
            problem = slack_problem(actor.lang, exc.error)
            text = t(actor.lang, "notice.announce_failed", title=talk.title, channel=talk.channel_id, problem=problem)
            self._tell(actor.user_id, text, blocks=build_announce_failed(actor.lang, talk_id=talk_id, text=text))
            return
        with self.db.session() as session:
            stored = repo.get_talk(session=session, talk_id=talk_id, lock=True)
            if stored is not None:
                stored.announcement_channel, stored.announcement_ts = channel, ts
        link = self.slack.permalink(channel=channel, ts=ts) or ""
        self._tell(actor.user_id, t(actor.lang, "confirm.created", title=talk.title, channel=channel, link=link))
        self.hooks.fire("talk_created", talk_id)

    def retry_announce(self, *, actor: Actor, talk_id: int) -> str | None:
        """The organiser's "Try again" after a failed announcement; returns a refusal or a problem to show."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return t(actor.lang, "notice.talk_missing")
        if not self.can_manage(talk, actor.user_id):
            action = t(actor.lang, "refusal.action.edit")
            return t(actor.lang, "refusal.not_allowed", action=action, title=talk.title)
        if talk.announcement_ts:
            return None  # already announced (a double click, or another replica)
        problem = self.channel_error(talk.channel_id, actor.lang)
        if problem:
            return problem
        self.announce(talk_id, actor=actor)
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
            blocks=build_announcement(talk, going_count=going, link=self.hooks.link_for(talk)),
            metadata=announcement_metadata(talk),
        )

    def refresh_live_post(self, talk_id: int, *, now: bool = False) -> None:
        """Re-render the live post (link, features' blocks such as questions and the pulse); coalesced."""
        self.refresher.refresh(("live", talk_id), partial(self._render_live_post, talk_id), now=now)

    def _render_live_post(self, talk_id: int) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None or not talk.live_channel or not talk.live_ts:
            return
        url = self.hooks.link_for(talk)
        self.slack.update_message(
            channel=talk.live_channel,
            ts=talk.live_ts,
            text=live_text(talk, url),
            blocks=build_live_post(talk, url=url, extra=self.hooks.extra_live_blocks(talk)),
            metadata=live_metadata(talk),
        )

    # RSVP --------------------------------------------------------------------------------------------

    def rsvp(self, *, actor: Actor, talk_id: int, going: bool, channel_id: str | None) -> None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None:
                message = t(actor.lang, "notice.talk_missing")
                changed = False
            elif talk.status not in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
                status = t(actor.lang, f"status.{talk.status.value}")
                message = t(actor.lang, "rsvp.closed", title=talk.title, status=status)
                changed = False
            else:
                changed = repo.set_rsvp(session=session, talk_id=talk_id, user_id=actor.user_id, going=going)
                session.flush()
                count = repo.count_going(session=session, talk_id=talk_id)
                message = t(actor.lang, "rsvp.going" if going else "rsvp.not_going", title=talk.title, count=count)
        if changed:
            self.refresh_announcement(talk_id)
        if channel_id:
            self._ephemeral(channel_id, actor.user_id, message)
        if changed:
            self.hooks.fire("talk_rsvp", talk_id)

    # Edit ----------------------------------------------------------------------------------------------

    def _load_manageable(self, session_talk: Talk | None, actor: Actor, action: str) -> Talk:
        if session_talk is None:
            raise NotAllowed(t(actor.lang, "notice.talk_missing"))
        if not self.can_manage(session_talk, actor.user_id):
            raise NotAllowed(
                t(
                    actor.lang,
                    "refusal.not_allowed",
                    action=t(actor.lang, f"refusal.action.{action}"),
                    title=session_talk.title,
                )
            )
        if session_talk.status in (TalkStatus.ENDED, TalkStatus.CANCELLED):
            status = t(actor.lang, f"status.{session_talk.status.value}")
            raise NotAllowed(t(actor.lang, "refusal.not_editable", title=session_talk.title, status=status))
        return session_talk

    def open_edit_modal(self, *, actor: Actor, talk_id: int, trigger_id: str) -> None:
        with self.db.session() as session:
            talk = self._load_manageable(repo.get_talk(session=session, talk_id=talk_id), actor, "edit")
        view = build_talk_modal(
            actor.lang,
            editing=True,
            title=talk.title,
            description=talk.description,
            speaker_ids=talk.speaker_ids,
            starts_at=talk.starts_at,
            duration_minutes=talk.duration_minutes,
            stream_kind=talk.stream_kind,
            stream_url=talk.stream_url,
            language=talk.language,
            reminders=talk.reminder_offsets,
            announce_link=talk.announce_link,
            default_reminders=self.settings.REMINDER_OFFSETS,
            private_metadata=str(talk.id),
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def talk_for_edit(self, *, actor: Actor, talk_id: int) -> Talk:
        with self.db.session() as session:
            return self._load_manageable(repo.get_talk(session=session, talk_id=talk_id), actor, "edit")

    def update_talk(self, *, actor: Actor, talk_id: int, data: TalkInput) -> None:
        """Save an edit (before the modal closes, so a failure keeps the user's input)."""
        with self.db.session() as session:
            talk = self._load_manageable(repo.get_talk(session=session, talk_id=talk_id, lock=True), actor, "edit")
            repo.apply_talk_input(talk=talk, data=data)
        logger.info("Talk %s edited by %s", talk_id, actor.user_id)

    def after_update(self, *, actor: Actor, talk_id: int) -> None:
        """Update the announcement in place and confirm with its permalink (or post it, if it never went out)."""
        with self.db.session() as session:
            current = repo.get_talk(session=session, talk_id=talk_id)
        if current is not None and not current.announcement_ts:
            self.announce(talk_id, actor=actor)
            self.hooks.fire("talk_updated", talk_id)
            return
        try:
            self.refresh_announcement(talk_id, now=True)
        except SlackGatewayError as exc:
            logger.warning("Updating the announcement of talk %s failed: %s", talk_id, exc.error)
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is None:
            return
        link = ""
        if talk.announcement_channel and talk.announcement_ts:
            link = self.slack.permalink(channel=talk.announcement_channel, ts=talk.announcement_ts) or ""
        self._tell(actor.user_id, t(actor.lang, "confirm.updated", title=talk.title, link=link))
        self.hooks.fire("talk_updated", talk_id)

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
        logger.info("Talk %s cancelled by %s", talk_id, actor.user_id)

    def after_cancel(self, *, actor: Actor, talk_id: int) -> None:
        """Mark the announcement, tell everyone who was going, confirm to the canceller."""
        try:
            self.refresh_announcement(talk_id, now=True)
        except SlackGatewayError as exc:
            logger.warning("Marking the announcement of talk %s cancelled failed: %s", talk_id, exc.error)
        told = self.notify_cancelled(talk_id, by=actor.user_id)
        self.hooks.fire("talk_cancelled", talk_id)
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
        if talk is not None:
            self._tell(actor.user_id, t(actor.lang, "confirm.cancelled", title=talk.title, count=told))

    def notify_cancelled(self, talk_id: int, *, by: str) -> int:
        """DM everyone who was going, exactly once each (safe to re-run after a crash)."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            going = repo.going_user_ids(session=session, talk_id=talk_id) if talk else []
        if talk is None:
            return 0
        sent = 0
        for user_id in going:
            lang = self.slack.user(user_id).lang
            when = slack_date(talk.starts_at, talk.timezone)
            if talk.cancel_reason:
                text = t(
                    lang,
                    "notice.cancelled_reason",
                    title=talk.title,
                    when=when,
                    by=f"<@{by}>",
                    reason=talk.cancel_reason,
                )
            else:
                text = t(lang, "notice.cancelled", title=talk.title, when=when, by=f"<@{by}>")
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
            talks = repo.list_upcoming(
                session=session, team_id=actor.team_id, now=datetime.now(UTC), limit=LIST_MAX + 1
            )
        shown = list(talks[:LIST_MAX])
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
