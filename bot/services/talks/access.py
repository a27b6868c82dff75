"""Who may see and who may manage a talk: channel privacy and workspace binding, in one place.

A talk announced in a private channel is visible only to that channel's members (conversations.members, cached
briefly in the gateway), its organiser and speakers, and admins of the installed workspace. Managing a talk needs
a person of the installed workspace (auth.test) acting from it: Slack Connect guests may RSVP and ask, never manage.
"""

from __future__ import annotations

from bot.db import series_repo
from bot.db.models import Talk
from bot.db.session import Database
from bot.domain import Actor
from bot.integrations.slack_gateway import SlackGateway


class TalkAccess:
    def __init__(self, slack: SlackGateway, db: Database | None = None) -> None:
        self.slack = slack
        self.db = db  # series: reads a series talk's organisers (without it, only the talk's own people count)

    def is_internal(self, *, user_team: str | None, payload_team: str | None) -> bool:
        """Both the payload's team and the user's own team (users.info, else the payload's user.team_id) are ours."""
        home = self.slack.installed_team_id()
        return bool(home) and user_team == home and payload_team == home

    def can_manage(self, talk: Talk, actor: Actor) -> bool:
        if not actor.internal or actor.team_id != talk.team_id:
            return False
        if actor.user_id == talk.organiser_id or actor.user_id in talk.speaker_ids:
            return True
        if talk.series_id is not None and self.runs_series(talk.series_id, actor.user_id):
            return True
        return self.slack.user(actor.user_id).is_admin

    def runs_series(self, series_id: int, user_id: str) -> bool:
        """series: the series' organiser and co-organisers have the organiser's rights on its talks."""
        if self.db is None:
            return False
        with self.db.session() as session:
            series = series_repo.get_series(session=session, series_id=series_id)
            return series is not None and user_id in series.manager_ids

    def can_see(self, talk: Talk, user_id: str) -> bool:
        """Public-channel talks: everyone. Private: members, the organiser and speakers, our workspace's admins."""
        if user_id == talk.organiser_id or user_id in talk.speaker_ids:
            return True
        channel = talk.announcement_channel or talk.channel_id
        if not self.slack.channel_is_private(channel):
            return True
        members = self.slack.channel_members(channel)
        if members is not None and user_id in members:
            return True
        user = self.slack.user(user_id)
        return user.is_admin and user.team_id == self.slack.installed_team_id()

    def visible(self, talks: list[Talk], user_id: str) -> list[Talk]:
        return [talk for talk in talks if self.can_see(talk, user_id)]
