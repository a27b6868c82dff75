from __future__ import annotations

import re

from slack_bolt import App

from bot import ids
from bot.container import Container
from bot.db.models import SlotStatus
from bot.listeners.actions import url_buttons
from bot.listeners.actions.add_slides import make_add_slides_action
from bot.listeners.actions.agenda_next import make_agenda_next_action
from bot.listeners.actions.archive_page import make_archive_page_action
from bot.listeners.actions.ask_question import make_ask_question_action
from bot.listeners.actions.card_more import make_card_more_action
from bot.listeners.actions.checkin_answer import make_checkin_answer_action
from bot.listeners.actions.followup_add_links import make_followup_add_links_action
from bot.listeners.actions.home_new_talk import make_home_new_talk_action
from bot.listeners.actions.proposal_accept import make_proposal_accept_action
from bot.listeners.actions.proposal_decline import make_proposal_decline_action
from bot.listeners.actions.proposal_upvote import make_proposal_upvote_action
from bot.listeners.actions.propose import make_propose_action
from bot.listeners.actions.question_answer_later import make_question_answer_later_action
from bot.listeners.actions.question_moderate import make_question_moderate_action
from bot.listeners.actions.question_pick_talk import make_question_pick_talk_action
from bot.listeners.actions.question_vote import make_question_vote_action
from bot.listeners.actions.retry_announce import make_retry_announce_action
from bot.listeners.actions.rsvp import make_rsvp_action
from bot.listeners.actions.series_menu import make_series_menu_action
from bot.listeners.actions.series_slot_fill import make_series_slot_fill_action
from bot.listeners.actions.series_slot_status import make_series_slot_status_action
from bot.listeners.actions.stream_add_link import make_stream_add_link_action
from bot.listeners.actions.survey_more import make_survey_more_action
from bot.listeners.actions.survey_rate import make_survey_rate_action
from bot.listeners.actions.talk_form_redraw import make_talk_form_redraw_action
from bot.listeners.actions.talk_menu import make_talk_menu_action
from bot.services.checkins.service import CONFIRMED, RESCHEDULE


def register(app: App, container: Container) -> None:
    app.action(ids.ACTION_RSVP_GOING)(make_rsvp_action(container, going=True))
    app.action(ids.ACTION_RSVP_NOT_GOING)(make_rsvp_action(container, going=False))
    url_buttons.register(app, container)
    app.action(ids.ACTION_TALK_MENU)(make_talk_menu_action(container))
    app.action(ids.ACTION_CARD_MORE)(make_card_more_action(container))
    app.action(ids.ACTION_RETRY_ANNOUNCE)(make_retry_announce_action(container))
    app.action(ids.ACTION_STREAM_ADD_LINK)(make_stream_add_link_action(container))
    # Live questions
    app.action(ids.ACTION_ASK_QUESTION)(make_ask_question_action(container))
    app.action(ids.ACTION_QUESTION_VOTE)(make_question_vote_action(container))
    app.action(ids.ACTION_QUESTION_ANSWERED)(make_question_moderate_action(container, action_name="answered"))
    app.action(ids.ACTION_QUESTION_HIDE)(make_question_moderate_action(container, action_name="hide"))
    app.action(ids.ACTION_QUESTION_ANSWER_LATER)(make_question_answer_later_action(container))
    app.action(ids.ACTION_QUESTION_PICK_TALK)(make_question_pick_talk_action(container))
    app.action(ids.ACTION_AGENDA_NEXT)(make_agenda_next_action(container))
    # Surveys: the rating row's buttons are survey_rate_1..5 (block action ids must be unique)
    app.action(re.compile(rf"^{ids.ACTION_SURVEY_RATE}_[1-5]$"))(make_survey_rate_action(container))
    app.action(ids.ACTION_SURVEY_MORE)(make_survey_more_action(container))
    # Follow-up: links after the talk, archive pages
    app.action(ids.ACTION_FOLLOWUP_ADD_LINKS)(make_followup_add_links_action(container))
    app.action(ids.ACTION_ARCHIVE_NEXT)(make_archive_page_action(container))
    app.action(ids.ACTION_ARCHIVE_PREV)(make_archive_page_action(container))
    # form: the talk form redraws itself for the chosen stream kind and for "More options"
    redraw = make_talk_form_redraw_action(container)
    app.action(ids.ACTION_STREAM_KIND)(redraw)
    app.action(ids.ACTION_TALK_FORM_MORE)(redraw)
    # home: Home's "Plan a talk"
    app.action(ids.ACTION_HOME_NEW_TALK)(make_home_new_talk_action(container))
    # pipeline: proposals board, speaker check-ins, slides link
    app.action(ids.ACTION_PROPOSE)(make_propose_action(container))
    app.action(ids.ACTION_PROPOSAL_UPVOTE)(make_proposal_upvote_action(container))
    app.action(ids.ACTION_PROPOSAL_ACCEPT)(make_proposal_accept_action(container))
    app.action(ids.ACTION_PROPOSAL_DECLINE)(make_proposal_decline_action(container))
    app.action(ids.ACTION_CHECKIN_CONFIRM)(make_checkin_answer_action(container, answer=CONFIRMED))
    app.action(ids.ACTION_CHECKIN_RESCHEDULE)(make_checkin_answer_action(container, answer=RESCHEDULE))
    app.action(ids.ACTION_ADD_SLIDES)(make_add_slides_action(container))
    # series
    app.action(ids.ACTION_SLOT_FILL)(make_series_slot_fill_action(container))
    app.action(ids.ACTION_SLOT_SKIP)(make_series_slot_status_action(container, status=SlotStatus.SKIPPED))
    app.action(ids.ACTION_SLOT_CANCEL)(make_series_slot_status_action(container, status=SlotStatus.CANCELLED))
    app.action(ids.ACTION_SERIES_MENU)(make_series_menu_action(container))
