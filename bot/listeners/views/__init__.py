from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.container import Container
from bot.listeners.views.followup_links import make_followup_links_submission
from bot.listeners.views.lunch_rsvp import make_lunch_rsvp_submission
from bot.listeners.views.lunch_settings import make_lunch_settings_submission
from bot.listeners.views.proposal_decline import make_proposal_decline_submission
from bot.listeners.views.proposal_new import make_proposal_new_submission
from bot.listeners.views.question_answer import make_question_answer_submission
from bot.listeners.views.question_ask import make_question_ask_submission
from bot.listeners.views.series_edit import make_series_edit_submission
from bot.listeners.views.series_new import make_series_new_submission
from bot.listeners.views.slides_link import make_slides_link_submission
from bot.listeners.views.stream_link import make_stream_link_submission
from bot.listeners.views.survey_feedback import make_survey_feedback_submission
from bot.listeners.views.talk_agenda import make_talk_agenda_submission
from bot.listeners.views.talk_cancel import make_talk_cancel_submission
from bot.listeners.views.talk_edit import make_talk_edit_submission
from bot.listeners.views.talk_new import make_talk_new_submission


def register(app: App, container: Container) -> None:
    app.view(ids.CALLBACK_TALK_NEW)(make_talk_new_submission(container))
    app.view(ids.CALLBACK_TALK_EDIT)(make_talk_edit_submission(container))
    app.view(ids.CALLBACK_TALK_CANCEL)(make_talk_cancel_submission(container))
    app.view(ids.CALLBACK_STREAM_LINK)(make_stream_link_submission(container))
    app.view(ids.CALLBACK_AGENDA)(make_talk_agenda_submission(container))
    # Live questions
    app.view(ids.CALLBACK_QUESTION_ASK)(make_question_ask_submission(container))
    app.view(ids.CALLBACK_QUESTION_ANSWER)(make_question_answer_submission(container))
    app.view(ids.CALLBACK_SURVEY_FEEDBACK)(make_survey_feedback_submission(container))
    app.view(ids.CALLBACK_FOLLOWUP_LINKS)(make_followup_links_submission(container))
    app.view(ids.CALLBACK_LUNCH_SETTINGS)(make_lunch_settings_submission(container))
    app.view(ids.CALLBACK_LUNCH_RSVP)(make_lunch_rsvp_submission(container))
    # pipeline: propose, decline, slides link
    app.view(ids.CALLBACK_PROPOSAL_NEW)(make_proposal_new_submission(container))
    app.view(ids.CALLBACK_PROPOSAL_DECLINE)(make_proposal_decline_submission(container))
    app.view(ids.CALLBACK_SLIDES_LINK)(make_slides_link_submission(container))
    # series
    app.view(ids.CALLBACK_SERIES_NEW)(make_series_new_submission(container))
    app.view(ids.CALLBACK_SERIES_EDIT)(make_series_edit_submission(container))
