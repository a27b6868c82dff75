"""Going / not going buttons on the announcement and on the Home tab."""

from __future__ import annotations

from collections.abc import Callable

from bot.container import Container
from bot.listeners.payload import Click, id_button


def make_rsvp_action(container: Container, *, going: bool) -> Callable[..., None]:
    def rsvp(click: Click) -> None:
        from_home = (click.body.get("view") or {}).get("type") == "home"
        actor = click.actor
        channel_id = None if from_home else click.channel_id
        if going and container.lunch.asks(click.target_id):
            # Lunch headcount: Going asks "in person (with lunch)" or "remote" first.
            container.lunch.open_rsvp_modal(
                actor=actor, talk_id=click.target_id, trigger_id=click.body["trigger_id"], channel_id=channel_id
            )
            return
        container.talks.rsvp(actor=actor, talk_id=click.target_id, going=going, channel_id=channel_id)
        if not going:
            container.lunch.not_going(user_id=actor.user_id, talk_id=click.target_id)
        if from_home:
            # The Home tab shows the new state instead of an ephemeral message (there is no channel there).
            container.home.publish(user_id=actor.user_id, team_id=actor.team_id)

    return id_button(container, rsvp)
