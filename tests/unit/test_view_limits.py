"""Every surface the bot builds (bot/views) fits every limit Slack documents, in English and Japanese, with the
largest inputs the bot accepts: a 150-character title, a 2,900-character description, 10 speakers, 100 questions of
500 characters, the longest catalog strings. Limits: tests/fakes/slack_limits.py (the fake Slack enforces the same
table on every request)."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

import bot.views
from bot import ids
from bot.config import Settings
from bot.db.models import Proposal, ProposalKind, StreamKind, SurveyAnswer, Talk, TalkSegment, TalkSpeaker, TalkStatus
from bot.db.surveys_repo import QuestionStats
from bot.domain import DESCRIPTION_MAX, TITLE_MAX
from bot.services.surveys.report import Report
from bot.views import (
    agenda,
    announcement,
    cancel_modal,
    commands,
    followup,
    home,
    live_post,
    lunch,
    proposals,
    pulse,
    questions,
    streams,
    survey,
)
from bot.views.talk_modal import build_talk_modal
from tests.fakes import slack_limits
from tests.fakes.slack_api import validate_message_blocks, validate_view

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LANGS = ["en", "ja"]
MAX_QUESTION = questions.MAX_QUESTION
# Hostile, long and wide: mrkdwn control characters, a mention-looking string, multi-byte characters.
TITLE = ("*_~`<!here>&é漢" * 20)[:TITLE_MAX]
DESCRIPTION = ("説明 <@U1> *bold* " * 400)[: min(2900, DESCRIPTION_MAX)]
SPEAKERS = [f"U{i:010d}" for i in range(10)]
LONG_URL = "https://example.com/" + "p" * 1980
RETENTION_DAYS = Settings.model_fields["QUESTION_ANONYMOUS_RETENTION_DAYS"].default


def make_talk(lang: str, status: TalkStatus = TalkStatus.SCHEDULED, talk_id: int = 2_000_000_000) -> Talk:
    talk = Talk(
        id=talk_id,
        team_id="T1",
        organiser_id="UORG",
        title=TITLE,
        description=DESCRIPTION,
        channel_id="C1",
        starts_at=NOW,
        ends_at=NOW + timedelta(minutes=180),
        timezone="America/Argentina/ComodRivadavia",
        language=lang,
        stream_kind=StreamKind.MANUAL,
        stream_url=LONG_URL,
        status=status,
        cancel_reason="R" * 500,
        announce_link=True,
    )
    talk.speakers = [TalkSpeaker(user_id=user, position=i) for i, user in enumerate(SPEAKERS)]
    # A full agenda: every row, the longest titles, a speaker each.
    talk.segments = [
        TalkSegment(position=i, speaker_id=f"U{i:010d}", title="議題 <!here> *x* " * 20, minutes=30)
        for i in range(ids.AGENDA_ROWS)
    ]
    return talk


def question_items(n: int = 100) -> list[questions.QuestionItem]:
    statuses = ["open", "answered", "hidden"]
    return [
        questions.QuestionItem(
            id=2_000_000_000 + i,
            text=("質問 *x* <!channel> " * 100)[:MAX_QUESTION],
            asker=f"{'名前' * 40} via YouTube",
            votes=10_000 + i,
            status=statuses[i % 3],
            answer="A" * 3000 if i % 3 == 1 else None,
        )
        for i in range(n)
    ]


def a_pulse() -> tuple[pulse.Pulse, list[pulse.LegendItem]]:
    emoji = [f"custom_emoji_with_a_long_name_{i:02d}" for i in range(40)]
    totals = {e: 1_000_000 - i for i, e in enumerate(emoji)}
    legend = [pulse.LegendItem(emoji=e, key="L" * 100) for e in emoji]
    return pulse.Pulse(totals=totals, last_minute=dict(totals), surges=dict(totals)), legend


def a_report(lang: str, *, withheld: bool) -> Report:
    comments = [("C" * 2000 + "<!here>", "U" + "1" * 10) for _ in range(100)]
    return Report(
        talk_id=1,
        title=TITLE,
        going=100_000,
        interacted=100_000,
        asked=100_000,
        responses=100_000,
        overall_dist=dict.fromkeys(range(1, 6), 20000),
        usefulness_dist=dict.fromkeys(range(1, 6), 20000),
        overall_avg=4.55,
        usefulness_avg=3.14,
        improve=comments,
        topics=comments,
        custom=comments,
        custom_question="Q" * 200,
        questions=QuestionStats(asked=100, answered=50, top=[("Q" * MAX_QUESTION, 999) for _ in range(3)]),
        reaction_totals={f"custom_emoji_with_a_long_name_{i:02d}": 999_999 for i in range(40)},
        timeline=None,
        min_responses=5,
        withheld=withheld,
    )


def an_answer() -> SurveyAnswer:
    return SurveyAnswer(
        talk_id=1,
        user_id="U1",
        overall=5,
        usefulness=4,
        improve="I" * 3000,
        topics="T" * 3000,
        custom_answer="C" * 3000,
    )


Surface = tuple[str, str, Any]  # (name, "view" | "message", rendered)


def surfaces(lang: str) -> list[Surface]:
    """Every builder's output with the largest inputs, per surface."""
    out: list[Surface] = []

    def msg(name: str, blocks: list[Block]) -> None:
        out.append((name, "message", [b.to_dict() for b in blocks]))

    def view(name: str, built: View) -> None:
        out.append((name, "view", built.to_dict()))

    for status in TalkStatus:
        talk = make_talk(lang, status)
        msg(
            f"announcement[{status.value}]",
            announcement.build_announcement(
                talk,
                going_count=10**9,
                link=LONG_URL,
                going_names=["<!channel> " + "N" * 200] * 3,
                permalink=LONG_URL,
                ics_url=LONG_URL,
            ),
        )
        if status in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
            view(f"manage[{status.value}]", announcement.build_manage_modal(lang, talk))
        msg(
            f"live_post[{status.value}]",
            live_post.build_live_post(talk, url=LONG_URL, join_label="J" * 500, extra=[]),
        )
    talk = make_talk(lang, TalkStatus.LIVE)
    pulse_now, legend = a_pulse()
    extra = questions.ask_blocks(lang, talk.id) + pulse.build_live_post_reaction_blocks(lang, legend)
    msg("live_post[with features]", live_post.build_live_post(talk, url=LONG_URL, join_label="J", extra=extra))
    msg("agenda[now, next]", agenda.now_blocks(talk, next_button=True))
    view("agenda_modal", agenda.build_agenda_modal(lang, talk))
    msg("announce_failed", announcement.build_announce_failed(lang, talk_id=talk.id, text="E" * 5000))
    view("manage_notice", announcement.build_notice_modal(lang, "E" * 5000))
    view("cancel_modal", cancel_modal.build_cancel_modal(lang, talk_id=talk.id, title=TITLE))
    msg("help", commands.build_help(lang, unknown="u" * 5000))
    many = [make_talk(lang, talk_id=2_000_000_000 + i) for i in range(120)]
    msg("talk_list", commands.build_talk_list(lang, many, permalinks={t.id: LONG_URL for t in many}, more=10**6))
    going = {t.id for t in many[::2]}
    view("home", home.build_home(lang, live=many, upcoming=many, mine=many, ended=many, going=going))
    # home: every link, the went/missed line and the organiser's menu on every talk, in every section.
    full = {t.id: home.TalkLinks(LONG_URL, LONG_URL, LONG_URL, went=t.id % 3 == 0, manage=True) for t in many}
    view("home[links]", home.build_home(lang, live=many, upcoming=many, mine=many, ended=many, going=going, links=full))
    view("home[empty]", home.build_home(lang, live=[], upcoming=[], mine=[], ended=[], going=set()))
    msg("pulse", pulse.build_pulse_blocks(lang, pulse_now, legend))
    msg("legend", pulse.build_legend_blocks(lang, legend))
    for advance in (False, True):
        view(
            f"ask_modal[advance={advance}]",
            questions.build_ask_modal(
                lang,
                title=TITLE,
                advance=advance,
                private_metadata="9" * 100,
                retention_days=RETENTION_DAYS,
                speakers=[(s.speaker_id, s.title) for s in talk.segments],
                current=talk.segments[-1].speaker_id,
            ),
        )
    for item in question_items(3):
        msg(f"question_post[{item.status}]", questions.build_question_post(lang, item))
    items = question_items()
    nudge = pulse.Nudge(emoji="e" * 100, count=10**9, at=NOW, timezone="Asia/Tokyo")
    pulse_blocks = pulse.build_pulse_blocks(lang, pulse_now, legend, nudge=nudge)
    msg("board", questions.build_board(lang, title=TITLE, items=items, hidden=10**6, pulse=pulse_blocks))
    msg("board[empty]", questions.build_board(lang, title=TITLE, items=[], hidden=0))
    msg("after_talk", questions.build_after_talk(lang, title=TITLE, items=items))
    view("answer_modal", questions.build_answer_modal(lang, question_id=2_000_000_000, text="Q" * MAX_QUESTION))
    picker = [(2_000_000_000 + i, TITLE) for i in range(150)]
    msg("talk_picker", questions.build_talk_picker(lang, token="k" * 64, talks=picker))
    for offer in (False, True):
        msg(
            f"stream_failed[{offer}]",
            streams.build_stream_failed_blocks(lang, text="E" * 5000, talk_id=1, offer_link=offer),
        )
    view("link_modal", streams.build_link_modal(lang, talk_id=talk.id, title=TITLE))
    for kwargs in (
        {},
        {"answer": an_answer(), "closes_at": NOW},
        {"answer": an_answer()},
        {"closed": True},
        {"reminder": True, "closes_at": NOW},
    ):
        msg(f"survey_dm{sorted(kwargs)}", survey.build_survey_dm(lang, talk, **kwargs))
    for answer in (None, an_answer()):
        view(
            f"feedback_modal[{answer is not None}]",
            survey.build_feedback_modal(lang, talk, custom_question="Q" * 200, answer=answer),
        )
    for final in (False, True):
        for withheld in (False, True):
            report = a_report(lang, withheld=withheld)
            msg(
                f"report[final={final},withheld={withheld}]",
                survey.build_report(
                    lang,
                    report,
                    final=final,
                    closes_at=NOW,
                    timezone=talk.timezone,
                    charts=[survey.ReportChart(file_id="F0123456789", title="T" * 3000, alt_text="A" * 3000)] * 2,
                ),
            )
    new = build_talk_modal(
        lang,
        title=TITLE,
        description=DESCRIPTION,
        speaker_ids=SPEAKERS,
        starts_at=NOW,
        duration_minutes=180,
        channel_id="C" * 20,
        stream_url=LONG_URL,
        language=lang,
        reminders="10080,1440,60,10,5",
        announce_link=True,
        nudges=True,
        private_metadata="9" * 200,
    )
    view("talk_modal[new]", new)
    # form: every field shown ("More options" open), for each stream kind (the link, or the announce-link option)
    for kind in StreamKind:
        full = build_talk_modal(
            lang,
            title=TITLE,
            description=DESCRIPTION,
            speaker_ids=SPEAKERS,
            starts_at=NOW,
            duration_minutes=180,
            channel_id="C" * 20,
            stream_kind=kind,
            stream_url=LONG_URL,
            language=lang,
            reminders="10080,1440,60,10,5",
            announce_link=True,
            nudges=True,
            private_metadata="9" * 200,
            more=True,
            survey_question="Q" * 300,
            post_summary=False,
        )
        view(f"talk_modal[new,more,{kind.value}]", full)
    view("talk_modal[edit]", build_talk_modal(lang, editing=True, title=TITLE, private_metadata="9" * 200))
    # followup: links after the talk (each link as long as the modal accepts), the archive
    ended = [followup_talk(lang, 2_000_000_000 + i) for i in range(120)]
    msg("announcement[ended, links]", announcement.build_announcement(ended[0], going_count=10**9, link=LONG_URL))
    view("home[ended, links]", home.build_home(lang, live=[], upcoming=many, mine=ended, ended=ended, going=going))
    view("links_modal", followup.build_links_modal(lang, ended[0]))
    msg("survey_dm[links]", survey.build_survey_dm(lang, ended[0], answer=an_answer(), closes_at=NOW))
    msg("followup_thread", followup.thread_post_blocks(ended[0]))
    msg("noshow_dm", followup.no_show_blocks(lang, ended[0]))
    permalinks = {t.id: LONG_URL for t in ended}
    for page in (0, 3):
        archive = followup.build_archive(
            lang, ended[: followup.ARCHIVE_PAGE], query="q" * 500, page=page, has_more=True, permalinks=permalinks
        )
        msg(f"archive[{page}]", archive)
    msg("archive[empty]", followup.build_archive(lang, [], query="q" * 500, page=0, has_more=False, permalinks={}))
    # lunch: the settings and Going modals, the headcount with everyone's longest dietary note
    view("lunch_settings", lunch.build_lunch_settings_modal(lang, talk, enabled=True, capacity=10**4, cutoff_at=NOW))
    for in_person in (None, True, False):
        rsvp = lunch.build_lunch_rsvp_modal(lang, talk, in_person=in_person, dietary="d" * 300, channel_id="C" * 20)
        view(f"lunch_rsvp[{in_person}]", rsvp)
    states = ("in_person", "waitlist", "remote")
    lines = [lunch.HeadcountLine(f"U{i:010d}", states[i % 3], "<!here> 食事" * 60, True) for i in range(500)]
    msg("lunch_headcount", lunch.build_headcount(lang, talk, lines, capacity=10**4))
    # pipeline: proposals board and list, propose/decline/slides modals, check-in and slides DMs
    entries = [(a_proposal(2_000_000_000 + i, topic=i % 2 == 1), 10**9) for i in range(60)]
    msg("proposals_board", proposals.build_proposals_board(lang, entries))
    msg("proposals_board[empty]", proposals.build_proposals_board(lang, []))
    msg("proposal_list", proposals.build_proposal_list(lang, entries))
    view("propose_modal", proposals.build_propose_modal(lang, title=TITLE, channel_id="C" * 20, today=NOW.date()))
    view("decline_modal", proposals.build_decline_modal(lang, proposal=a_proposal(1)))
    view("decline_modal[topic]", proposals.build_decline_modal(lang, proposal=a_proposal(1, topic=True)))
    talk.slides_url = LONG_URL
    for answer in (None, "confirmed", "reschedule"):
        msg(f"checkin_dm[{answer}]", proposals.build_checkin_dm(lang, talk, answer=answer))
    msg("slides_reminder", proposals.build_slides_reminder(lang, talk))
    view("slides_modal", proposals.build_slides_modal(lang, talk))
    out += series_surfaces(lang)
    return out


def followup_talk(lang: str, talk_id: int) -> Talk:
    talk = make_talk(lang, TalkStatus.ENDED, talk_id)
    talk.slides_url = ("https://example.com/slides/" + "s" * 1000)[: followup.URL_INPUT_MAX]
    talk.recording_url = ("https://example.com/video/" + "v" * 1000)[: followup.URL_INPUT_MAX]
    return talk


def a_proposal(proposal_id: int, *, topic: bool = False) -> Proposal:
    return Proposal(
        id=proposal_id,
        team_id="T1",
        kind=ProposalKind.TOPIC if topic else ProposalKind.TALK,
        proposer_id=None if topic else "U" + "9" * 10,
        title=TITLE,
        abstract=DESCRIPTION,
        preferred_dates="2026-12-10,2026-12-17,2026-12-24",
        channel_id="C1",
    )


def series_surfaces(lang: str) -> list[Surface]:
    """series: the modal (new, edit), /lunchlearn series, the empty-slot DM and the Home section, at their largest."""
    from bot.db.models import SeriesCadence, SeriesOrganiser, SeriesSlot, SlotStatus
    from bot.views import series as sv

    def a_series(i: int, cadence: SeriesCadence) -> sv.Series:
        found = sv.Series(
            id=2_000_000_000 + i,
            team_id="T1",
            organiser_id="UORG",
            name=TITLE[:100],
            channel_id="C" * 20,
            cadence=cadence,
            weekday=6,
            week_of_month=-1 if cadence is SeriesCadence.MONTHLY else None,
            start_time="23:59",
            timezone="America/Argentina/ComodRivadavia",
            duration_minutes=180,
            stream_kind=StreamKind.MANUAL,
            announce_days=30,
            paused=True,
        )
        found.organisers = [SeriesOrganiser(user_id=u) for u in SPEAKERS]
        return found

    statuses = list(SlotStatus)
    from bot.services.series.report import REPORT_TALKS, SeriesReport, TalkPoint
    from bot.views.series_report import build_series_report

    points = [
        TalkPoint(2_000_000_000 + i, TITLE, NOW, 10**6, 10**6 - 1, 10**6, 10**6 - 2, 4.96 if i % 2 else None)
        for i in range(REPORT_TALKS)
    ]
    a_report = SeriesReport(2_000_000_000, TITLE, "Asia/Tokyo", points, [(TITLE, 10**6)] * 5)
    empty_report = SeriesReport(1, TITLE, "UTC", [], [])

    def rows(i: int) -> list[sv.SlotRow]:
        return [
            sv.SlotRow(
                slot=SeriesSlot(id=1_000_000_000 + 100 * i + j, starts_at=NOW, status=statuses[j % 4]),
                talk=make_talk(lang, TalkStatus.CANCELLED) if j % 4 == 1 else None,
            )
            for j in range(10)
        ]

    cadences = list(SeriesCadence)
    entries = [(a_series(i, cadences[i % 3]), rows(i), True) for i in range(60)]
    slot = entries[0][1][0].slot
    return [
        ("series_modal[new]", "view", sv.build_series_modal(lang, channel_id="C" * 20, timezone="T" * 64).to_dict()),
        ("series_modal[edit]", "view", sv.build_series_modal(lang, series=entries[2][0]).to_dict()),
        ("series_list", "message", [b.to_dict() for b in sv.build_series_list(lang, entries, more=10**6)]),
        ("series_list[empty]", "message", [b.to_dict() for b in sv.build_series_list(lang, [])]),
        ("empty_slot_dm", "message", [b.to_dict() for b in sv.build_empty_slot_dm(lang, entries[0][0], slot)]),
        ("series_home", "message", [b.to_dict() for b in sv.series_home_blocks(lang, entries)]),
        (
            "series_report",
            "message",
            [b.to_dict() for b in build_series_report(lang, a_report, chart_file_id="F" * 20)],
        ),
        ("series_report[empty]", "message", [b.to_dict() for b in build_series_report(lang, empty_report)]),
    ]


def texts(lang: str) -> dict[str, str]:
    """The `text` fallbacks the bot sends next to blocks (Slack recommends at most 4,000 characters)."""
    talk = make_talk(lang, TalkStatus.LIVE)
    _, legend = a_pulse()
    report = a_report(lang, withheld=False)
    item = question_items(1)[0]
    return {
        "announcement": announcement.announcement_text(talk),
        "live": live_post.live_text(talk),
        "reminder_thread": live_post.reminder_thread_text(talk),
        "reminder_dm": live_post.reminder_dm_text(talk, lang, 10080, LONG_URL),
        "survey_dm": survey.survey_dm_text(lang, talk, reminder=True),
        "question_post": questions.question_post_text(lang, item),
        "report": survey.report_text(lang, report),
        "summary": survey.summary_text(lang, report),
        "nudge": pulse.nudge_line(
            lang, pulse.Nudge(emoji="e" * 100, count=10**9, at=NOW, timezone="Asia/Tokyo"), legend
        ),
        "followup_thread": followup.thread_post_text(followup_talk(lang, 1)),
        "noshow_dm": followup.no_show_text(lang, followup_talk(lang, 1)),
        "lunch_notice": lunch.notice_text(lang, "late", talk, about="U1", detail="d" * 400),
        "lunch_headcount": lunch.headcount_text(lang, talk),
        "proposals_board": proposals.board_text(lang, 10**9),
        "checkin_dm": proposals.checkin_text(lang, talk),
        "slides_dm": proposals.slides_text(lang, talk),
    }


COVERED = {
    "build_series_report",
    "build_agenda_modal",
    "build_announcement",
    "build_announce_failed",
    "build_manage_modal",
    "build_notice_modal",
    "build_cancel_modal",
    "build_help",
    "build_talk_list",
    "build_home",
    "build_live_post",
    "build_pulse_blocks",
    "build_legend_blocks",
    "build_live_post_reaction_blocks",
    "build_ask_modal",
    "build_question_post",
    "build_board",
    "build_after_talk",
    "build_answer_modal",
    "build_talk_picker",
    "build_stream_failed_blocks",
    "build_link_modal",
    "build_survey_dm",
    "build_feedback_modal",
    "build_report",
    "build_talk_modal",
    # followup
    "build_links_modal",
    "build_archive",
    # lunch
    "build_lunch_settings_modal",
    "build_lunch_rsvp_modal",
    "build_headcount",
    # pipeline
    "build_proposals_board",
    "build_proposal_list",
    "build_propose_modal",
    "build_decline_modal",
    "build_checkin_dm",
    "build_slides_reminder",
    "build_slides_modal",
    # series
    "build_series_modal",
    "build_series_list",
    "build_empty_slot_dm",
}


def test_the_sweep_covers_every_builder_in_bot_views() -> None:
    import pkgutil
    from importlib import import_module

    found: set[str] = set()
    for module in pkgutil.iter_modules(bot.views.__path__):
        mod = import_module(f"bot.views.{module.name}")
        found |= {
            name
            for name, fn in inspect.getmembers(mod, inspect.isfunction)
            if name.startswith("build_") and fn.__module__ == mod.__name__
        }
    assert found == COVERED, "add the new builder to surfaces() with its largest inputs"


def describe(problems: list[tuple[str, str, slack_limits.Limit]]) -> list[str]:
    return [f"{pointer}: {message} ({limit.source})" for pointer, message, limit in problems]


@pytest.mark.parametrize("lang", LANGS)
def test_every_surface_fits_slack_documented_limits(lang: str) -> None:
    failures: dict[str, list[Any]] = {}
    for name, kind, rendered in surfaces(lang):
        if kind == "view":
            problems: list[Any] = validate_view(rendered)
            problems += describe(slack_limits.check_view(rendered, include_advisory=True))
        else:
            problems = validate_message_blocks(rendered)
            problems += describe(slack_limits.check_blocks(rendered, "/blocks", include_advisory=True))
        if problems:
            failures[name] = problems
    assert failures == {}


@pytest.mark.parametrize("lang", LANGS)
def test_every_fallback_text_fits_the_recommended_length(lang: str) -> None:
    too_long = {
        name: len(text)
        for name, text in texts(lang).items()
        if slack_limits.check_message({"text": text}, include_advisory=True)
    }
    assert too_long == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_anonymous_option_explains_itself_within_slack_limits(lang: str) -> None:
    modal = questions.build_ask_modal(
        lang, title=TITLE, advance=False, private_metadata="1|C1", retention_days=RETENTION_DAYS
    ).to_dict()
    options_block = next(b for b in modal["blocks"] if b.get("block_id") == questions.ids.BLOCK_QUESTION_OPTIONS)
    [option] = options_block["element"]["options"]
    assert 0 < len(option["description"]["text"]) <= 75
    assert str(RETENTION_DAYS) in options_block["hint"]["text"]
    other = questions.build_ask_modal(lang, title=TITLE, advance=False, private_metadata="1|C1", retention_days=7)
    assert "7" in str(other.to_dict()["blocks"][2]["hint"]) and str(RETENTION_DAYS) not in str(
        other.to_dict()["blocks"][2]["hint"]
    )


@pytest.mark.parametrize(
    ("kind", "node", "fragment"),
    [
        (
            "option",
            {"text": {"type": "plain_text", "text": "x"}, "value": "v", "description": {"text": "d" * 76}},
            "76",
        ),
        ("overflow", {"options": [{}]}, "at least 2 items"),
        ("overflow", {"options": [{}] * 6}, "no more than 5 items"),
        ("modal", {"private_metadata": "m" * 3001}, "less than 3001"),
        ("message", {"blocks": [{}] * 51}, "no more than 50 items"),
        ("home", {"blocks": [{}] * 101}, "no more than 100 items"),
        ("confirm", {"confirm": {"text": "c" * 31}}, "less than 31"),
        ("input", {"hint": {"text": "h" * 2001}}, "less than 2001"),
    ],
)
def test_the_limits_table_rejects_one_past_each_limit(kind: str, node: dict[str, Any], fragment: str) -> None:
    problems = slack_limits.check_object(node, kind, "")
    assert problems and fragment in problems[0][1]
    assert all(limit.source.startswith(("https://docs.slack.dev/", "https://api.slack.com/")) for *_, limit in problems)


def test_every_limit_names_its_source() -> None:
    assert all(
        limit.source.startswith(("https://docs.slack.dev/", "https://api.slack.com/")) for limit in slack_limits.LIMITS
    )


def test_every_message_metadata_fits() -> None:
    talk = make_talk("en")
    metadata = [
        announcement.announcement_metadata(talk),
        live_post.live_metadata(talk),
        live_post.reminder_metadata(talk, 10080),
        questions.question_metadata(2_000_000_000, 2_000_000_000),
        survey.survey_metadata(2_000_000_000, "reminder"),
        proposals.board_metadata("C" * 20),
    ]
    for item in metadata:
        assert slack_limits.check_message({"metadata": item.to_dict()}, include_advisory=True) == []
