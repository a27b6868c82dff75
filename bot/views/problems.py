"""What a failed Slack call means for the person who acted: one sentence in their language that says what to do.

Slack's own error codes (`restricted_action`, `ratelimited`...) mean nothing to most people, so they go to the
log and `lunchlearn doctor`; users read the sentence for the code's family, or a generic one.
"""

from __future__ import annotations

from bot.i18n import t

_FAMILIES: dict[str, tuple[str, ...]] = {
    "rate_limited": ("ratelimited", "rate_limited", "http_429"),
    "restricted": (
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "posting_to_general_channel_denied",
        "ekm_access_denied",
        "cannot_reply_to_message",
    ),
    "not_in_channel": ("not_in_channel", "channel_not_member"),
    "channel_not_found": ("channel_not_found", "is_archived", "team_access_not_granted"),
    "setup": (
        "missing_scope",
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "not_allowed_token_type",
        "org_login_required",
    ),
    "expired": ("expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id", "trigger_expired"),
    "unavailable": ("fatal_error", "internal_error", "service_unavailable", "request_timeout", "timeout"),
}
_KEYS = {code: f"problem.slack.{family}" for family, codes in _FAMILIES.items() for code in codes}


def slack_problem_key(code: str) -> str:
    """The catalog key for a Slack error code or a transport failure (an exception class name, `http_5xx`)."""
    if code in _KEYS:
        return _KEYS[code]
    if code[:1].isupper() or code.startswith("http_5"):  # no answer from Slack at all
        return "problem.slack.unavailable"
    return "problem.slack.other"


def slack_problem(lang: str, code: str) -> str:
    return t(lang, slack_problem_key(code))
