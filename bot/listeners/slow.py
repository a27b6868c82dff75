"""What a view submission does when Slack was too slow for its work to finish before the ack deadline."""

from __future__ import annotations

from slack_bolt import Ack

from bot import budget
from bot.container import Container
from bot.i18n import DEFAULT, t
from bot.views.problems import slack_problem


def refuse_slow(ack: Ack, container: Container, *, user_id: str, lang: str, block_id: str) -> None:
    """Nothing was saved (the commit refuses after the deadline): keep the modal open with the input and say so.
    If even this ack cannot reach Slack in time (the request waited for a listener thread), also say so by DM,
    since the user then sees only Slack's generic error."""
    ack(response_action="errors", errors={block_id: t(lang, "error.slack_slow")})
    window = budget.current()
    if window is not None and window.too_late_to_ack():
        container.talks.tell_ephemeral(channel_id=None, user_id=user_id, text=t(lang, "error.slack_slow_dm"))


def tell_not_opened(container: Container, *, user_id: str, channel_id: str | None, error: str) -> None:
    """A form could not be opened after the ack (Slack too slow for the click's 3-second trigger_id, or an error):
    the click must not just do nothing."""
    lang = container.slack.cached_lang(user_id) or DEFAULT
    text = t(lang, "error.slack.failed", problem=slack_problem(lang, error))
    container.talks.tell_ephemeral(channel_id=channel_id, user_id=user_id, text=text)
