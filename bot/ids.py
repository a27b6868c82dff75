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
ACTION_RETRY_ANNOUNCE = "retry_announce"
MENU_EDIT = "edit"
MENU_CANCEL = "cancel"
MENU_START_NOW = "start"
MENU_END_NOW = "end"

# Talk modal: per-talk reminder leads (advanced)
BLOCK_REMINDERS = "reminders"
ACTION_REMINDERS = "reminders_input"
BLOCK_ANNOUNCE_LINK = "announce_link"
ACTION_ANNOUNCE_LINK = "announce_link_checkbox"

# Live post
BLOCK_LIVE_ACTIONS = "live_actions"
ACTION_JOIN_STREAM = "join_stream"

# App Home
ACTION_HOME_RSVP_GOING = "home_rsvp_going"

# --- Streams: "Add link" button in the organiser's failure DM and its modal
ACTION_STREAM_ADD_LINK = "stream_add_link"
CALLBACK_STREAM_LINK = "stream_link"
BLOCK_STREAM_LINK = "stream_link_url"
ACTION_STREAM_LINK = "stream_link_input"

# Slack message metadata (lets us find our own posts again after a crash)
METADATA_EVENT_TYPE = "lunchlearn_talk"

# --- Reactions as live feedback: blocks on the live post and the speaker's board
BLOCK_REACTION_LEGEND = "reaction_legend"
BLOCK_REACTION_PULSE = "reaction_pulse"
BLOCK_REACTION_SURGE = "reaction_surge"

# --- Live questions
CALLBACK_QUESTION_ASK = "question_ask"
CALLBACK_QUESTION_ANSWER = "question_answer"
BLOCK_QUESTION_TEXT = "question_text"
ACTION_QUESTION_TEXT = "question_text_input"
BLOCK_QUESTION_OPTIONS = "question_options"
ACTION_QUESTION_ANONYMOUS = "question_anonymous"
OPTION_ANONYMOUS = "anonymous"
BLOCK_ANSWER_TEXT = "answer_text"
ACTION_ANSWER_TEXT = "answer_text_input"
BLOCK_QUESTION_ASK = "question_ask"
ACTION_ASK_QUESTION = "ask_question"
ACTION_QUESTION_VOTE = "question_vote"
ACTION_QUESTION_ANSWERED = "question_answered"
ACTION_QUESTION_HIDE = "question_hide"
ACTION_QUESTION_ANSWER_LATER = "question_answer_later"
ACTION_QUESTION_PICK_TALK = "question_pick_talk"
METADATA_QUESTION_EVENT_TYPE = "lunchlearn_question"

# --- Surveys: the survey DM, the feedback modal, the talk modal's survey fields
ACTION_SURVEY_RATE = "survey_rate"  # value "<talk id>:<1..5>"
ACTION_SURVEY_MORE = "survey_more"  # value "<talk id>"
BLOCK_SURVEY_RATING = "survey_rating"
BLOCK_SURVEY_ACTIONS = "survey_actions"
CALLBACK_SURVEY_FEEDBACK = "survey_feedback"
BLOCK_SURVEY_OVERALL = "survey_overall"
ACTION_SURVEY_OVERALL = "survey_overall_select"
BLOCK_SURVEY_USEFULNESS = "survey_usefulness"
ACTION_SURVEY_USEFULNESS = "survey_usefulness_select"
BLOCK_SURVEY_IMPROVE = "survey_improve"
ACTION_SURVEY_IMPROVE = "survey_improve_input"
BLOCK_SURVEY_TOPICS = "survey_topics"
ACTION_SURVEY_TOPICS = "survey_topics_input"
BLOCK_SURVEY_CUSTOM = "survey_custom"
ACTION_SURVEY_CUSTOM = "survey_custom_input"
BLOCK_SURVEY_SHARE = "survey_share"
ACTION_SURVEY_SHARE = "survey_share_check"
SHARE_NAME_VALUE = "share"
# Talk modal (creation): the organiser's survey choices
BLOCK_SURVEY_QUESTION = "survey_question"
ACTION_SURVEY_QUESTION = "survey_question_input"
BLOCK_SURVEY_OPTIONS = "survey_options"
ACTION_SURVEY_OPTIONS = "survey_options_check"
SURVEY_OPTION_POST_SUMMARY = "post_summary"
METADATA_SURVEY_EVENT_TYPE = "lunchlearn_survey"
# live: the talk form's opt-in to nudges on the speakers' boards
BLOCK_NUDGES = "talk_nudges"
ACTION_NUDGES = "talk_nudges_check"
NUDGES_ON = "on"

# --- card: the announcement's "More" overflow (value "<choice>:<talk id>") and the Manage modal. The modal's
# buttons reuse ACTION_TALK_MENU with the MENU_* values, so the card menu's old clicks keep working.
ACTION_CARD_MORE = "card_more"
MORE_GOING = "going"
MORE_NOT_GOING = "not_going"
MORE_MANAGE = "manage"
MORE_GOOGLE = "gcal"  # url options: Slack opens the link and still sends the click
MORE_OUTLOOK = "outlook"
MORE_ICS = "ics"
CALLBACK_TALK_MANAGE = "talk_manage"
BLOCK_MANAGE_START = "manage_start"
BLOCK_MANAGE_END = "manage_end"
BLOCK_MANAGE_EDIT = "manage_edit"
BLOCK_MANAGE_CANCEL = "manage_cancel"
BLOCK_MANAGE_AGENDA = "manage_agenda"
# --- followup: slides and recording links after a talk, the no-show DM, /lunchlearn archive
ACTION_FOLLOWUP_ADD_LINKS = "followup_add_links"  # value "<talk id>"
CALLBACK_FOLLOWUP_LINKS = "followup_links_modal"
BLOCK_FOLLOWUP_SLIDES = "followup_slides"
ACTION_FOLLOWUP_SLIDES = "followup_slides_input"
BLOCK_FOLLOWUP_RECORDING = "followup_recording"
ACTION_FOLLOWUP_RECORDING = "followup_recording_input"
BLOCK_ARCHIVE_PAGES = "archive_pages"
ACTION_ARCHIVE_NEXT = "archive_next"  # value "<page>:<query>"
ACTION_ARCHIVE_PREV = "archive_prev"

# --- lunch: in person (with lunch) or remote, capacity and waitlist, the lunch-order cutoff
CALLBACK_LUNCH_SETTINGS = "lunch_settings"
BLOCK_LUNCH_ASK = "lunch_ask"
ACTION_LUNCH_ASK = "lunch_ask_check"
LUNCH_OPTION_ASK = "ask"
BLOCK_LUNCH_CAPACITY = "lunch_capacity"
ACTION_LUNCH_CAPACITY = "lunch_capacity_input"
BLOCK_LUNCH_CUTOFF = "lunch_cutoff"
ACTION_LUNCH_CUTOFF = "lunch_cutoff_picker"
CALLBACK_LUNCH_RSVP = "lunch_rsvp"
BLOCK_LUNCH_MODE = "lunch_mode"
ACTION_LUNCH_MODE = "lunch_mode_radio"
BLOCK_LUNCH_DIETARY = "lunch_dietary"
ACTION_LUNCH_DIETARY = "lunch_dietary_input"
# --- series: /lunchlearn series, the series modal, slot actions and the series menu
CALLBACK_SERIES_NEW = "series_new"
CALLBACK_SERIES_EDIT = "series_edit"
BLOCK_SERIES_NAME = "series_name"
ACTION_SERIES_NAME = "series_name_input"
BLOCK_SERIES_CHANNEL = "series_channel"
ACTION_SERIES_CHANNEL = "series_channel_select"
BLOCK_SERIES_CADENCE = "series_cadence"
ACTION_SERIES_CADENCE = "series_cadence_select"
BLOCK_SERIES_WEEK = "series_week"
ACTION_SERIES_WEEK = "series_week_select"
BLOCK_SERIES_WEEKDAY = "series_weekday"
ACTION_SERIES_WEEKDAY = "series_weekday_select"
BLOCK_SERIES_TIME = "series_time"
ACTION_SERIES_TIME = "series_time_picker"
BLOCK_SERIES_TIMEZONE = "series_timezone"
ACTION_SERIES_TIMEZONE = "series_timezone_input"
BLOCK_SERIES_DURATION = "series_duration"
ACTION_SERIES_DURATION = "series_duration_input"
BLOCK_SERIES_STREAM = "series_stream"
ACTION_SERIES_STREAM = "series_stream_select"
BLOCK_SERIES_ANNOUNCE_DAYS = "series_announce_days"
ACTION_SERIES_ANNOUNCE_DAYS = "series_announce_days_input"
BLOCK_SERIES_ORGANISERS = "series_organisers"
ACTION_SERIES_ORGANISERS = "series_organisers_select"
ACTION_SLOT_FILL = "series_slot_fill"  # value "<slot id>"
ACTION_SLOT_SKIP = "series_slot_skip"
ACTION_SLOT_CANCEL = "series_slot_cancel"
ACTION_SERIES_MENU = "series_menu"  # option value "<choice>:<series id>"
SERIES_MENU_EDIT = "edit"
SERIES_MENU_PAUSE = "pause"
SERIES_MENU_RESUME = "resume"
SERIES_MENU_FEED = "feed"  # rotate the calendar feed token and show the new URL
SLOT_METADATA_PREFIX = "slot:"  # the new-talk modal opened from a slot carries "slot:<id>" as private_metadata
METADATA_SERIES_EVENT_TYPE = "lunchlearn_series"  # the empty-slot DM, found again after a crash
# form: the talk form redraws itself (stream kind chosen, "More options" clicked) with views.update
BLOCK_TALK_FORM_MORE = "talk_form_more"
ACTION_TALK_FORM_MORE = "talk_form_more"
BLOCK_TALK_FORM_SUMMARY = "talk_form_summary"
# report: the feedback report DM (one per reader, edited from preliminary to final) carries this metadata
METADATA_REPORT_EVENT_TYPE = "lunchlearn_report"
# agenda: a talk's segments (speaker, title, minutes); the organiser moves on with "Next"
CALLBACK_AGENDA = "talk_agenda"
MENU_AGENDA = "agenda"
AGENDA_ROWS = 6  # segments a talk can have (3 speakers sharing a lunch, a 3 x 25 min meetup, with room to spare)
BLOCK_AGENDA_SPEAKER = "agenda_speaker_"  # + row number
ACTION_AGENDA_SPEAKER = "agenda_speaker_select"
BLOCK_AGENDA_TITLE = "agenda_title_"  # + row number
ACTION_AGENDA_TITLE = "agenda_title_input"
BLOCK_AGENDA_MINUTES = "agenda_minutes_"  # + row number
ACTION_AGENDA_MINUTES = "agenda_minutes_input"
ACTION_AGENDA_NEXT = "agenda_next"  # value "<talk id>"
BLOCK_QUESTION_FOR = "question_for"
ACTION_QUESTION_FOR = "question_for_select"
BLOCK_AGENDA_NOW = "agenda_now"

# --- home: Home as the control centre (plan a talk from Home)
ACTION_HOME_NEW_TALK = "home_new_talk"
BLOCK_HOME_ACTIONS = "home_actions"
# --- pipeline: proposals board, the propose/decline modals, speaker check-ins and the slides link
CALLBACK_PROPOSAL_NEW = "proposal_new"
CALLBACK_PROPOSAL_DECLINE = "proposal_decline"
CALLBACK_SLIDES_LINK = "slides_link"
BLOCK_PROPOSAL_TITLE = "proposal_title"
ACTION_PROPOSAL_TITLE = "proposal_title_input"
BLOCK_PROPOSAL_ABSTRACT = "proposal_abstract"
ACTION_PROPOSAL_ABSTRACT = "proposal_abstract_input"
BLOCK_PROPOSAL_DATE = "proposal_date"  # proposal_date_1..3 (one datepicker each)
ACTION_PROPOSAL_DATE = "proposal_date_picker"
PROPOSAL_DATE_COUNT = 3
BLOCK_PROPOSAL_CHANNEL = "proposal_channel"
ACTION_PROPOSAL_CHANNEL = "proposal_channel_select"
BLOCK_DECLINE_REASON = "decline_reason"
ACTION_DECLINE_REASON = "decline_reason_input"
BLOCK_SLIDES_URL = "slides_url"
ACTION_SLIDES_URL = "slides_url_input"
ACTION_PROPOSE = "propose"  # the "Propose a talk" button other surfaces place (views.proposals.propose_button)
ACTION_PROPOSAL_UPVOTE = "proposal_upvote"  # value "<proposal id>"
ACTION_PROPOSAL_ACCEPT = "proposal_accept"
ACTION_PROPOSAL_DECLINE = "proposal_decline"
ACTION_CHECKIN_CONFIRM = "checkin_confirm"  # value "<talk id>"
ACTION_CHECKIN_RESCHEDULE = "checkin_reschedule"
ACTION_ADD_SLIDES = "add_slides"
PROPOSAL_METADATA_PREFIX = "proposal:"  # the new-talk modal's private_metadata when it accepts a proposal
METADATA_PROPOSALS_EVENT_TYPE = "lunchlearn_proposals"
# Survey feedback modal: "What should we cover next?" (feeds the proposals board, anonymously)
BLOCK_SURVEY_COVER_NEXT = "survey_cover_next"
ACTION_SURVEY_COVER_NEXT = "survey_cover_next_input"
SERIES_MENU_REPORT = "report"  # series report: how is the series doing (DM to the one who asked)
BLOCK_SURVEY_SEGMENT = "survey_segment_"  # + the part's position: agenda parts rated on their own
ACTION_SURVEY_SEGMENT = "survey_segment_select"
