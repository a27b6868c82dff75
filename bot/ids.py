"""Every callback, action and block id, in one place so builders and listeners cannot drift."""

COMMAND = "/lunchlearn"

# Modals (callback ids)
CALLBACK_TALK_NEW = "talk_new"
CALLBACK_TALK_EDIT = "talk_edit"
CALLBACK_TALK_CANCEL = "talk_cancel"

# Talk modal input blocks and their elements (block id == the field a validation error points to)
BLOCK_TITLE = "title"
BLOCK_DESCRIPTION = "description"
BLOCK_SPEAKERS = "speakers"
BLOCK_START = "start"
BLOCK_DURATION = "duration"
BLOCK_CHANNEL = "channel"
BLOCK_STREAM_KIND = "stream_kind"
BLOCK_STREAM_URL = "stream_url"
BLOCK_LANGUAGE = "language"
BLOCK_CANCEL_REASON = "cancel_reason"

ACTION_TITLE = "title_input"
ACTION_DESCRIPTION = "description_input"
ACTION_SPEAKERS = "speakers_select"
ACTION_START = "start_picker"
ACTION_DURATION = "duration_input"
ACTION_CHANNEL = "channel_select"
ACTION_STREAM_KIND = "stream_kind_select"
ACTION_STREAM_URL = "stream_url_input"
ACTION_LANGUAGE = "language_select"
ACTION_CANCEL_REASON = "cancel_reason_input"

# Announcement
BLOCK_ANNOUNCEMENT_ACTIONS = "announcement_actions"
ACTION_RSVP_GOING = "rsvp_going"
ACTION_RSVP_NOT_GOING = "rsvp_not_going"
ACTION_ADD_TO_CALENDAR = "add_to_calendar"
ACTION_TALK_MENU = "talk_menu"
MENU_EDIT = "edit"
MENU_CANCEL = "cancel"

# Slack message metadata (lets us find our own posts again after a crash)
METADATA_EVENT_TYPE = "lunchlearn_talk"
