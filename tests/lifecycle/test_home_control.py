"""Home as the control centre: "Plan a talk", each talk once in its section, the organiser's menu only for people
who may use it, announcement and report links, "You went" / "You missed it" from attendance (join clicks, questions
asked while live), and the report's registered / attended / no-show numbers. English and Japanese."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import Attendance, Question, QuestionSource, TalkStatus
from bot.i18n import t
from bot.scheduling import jobs
from bot.services.talks.attendance import attended
from tests.conftest import ADMIN, ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts, create_talk, in_days, talks_in_db
from tests.lifecycle.test_home import open_home
from tests.questions.helpers import questions_in_db, vote, votes_in_db
from tests.reactions.helpers import react, settle
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk

MISSED = "UMISS"  # RSVPs going, asks a question in advance, then does nothing while the talk is live


def home_action(slack: SlackDriver, user: str, view: dict[str, Any], action: dict[str, Any]) -> None:
    """A click on the user's published Home tab, as Slack sends it (container type view, the view's blocks)."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "AFAKE",
        "trigger_id": f"t-home-{user}-{time.monotonic()}",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"type": "home", "id": "VHOME", "callback_id": "", "blocks": view["blocks"]},
        "actions": [{"block_id": "b", "action_ts": "1.0", **action}],
    }
    assert slack.interactive(payload).status_code == 200


def elements(view: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == kind]
    return found + [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("type") == kind]


def wait_until(check: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("user, label", [(ORGANISER, "Plan a talk"), (SPEAKER, "発表を企画する")])
def test_plan_a_talk_on_home_opens_the_new_talk_form(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, user: str, label: str
) -> None:
    view = open_home(slack, fake_slack, user)
    [button] = [e for e in elements(view, "button") if e["action_id"] == ids.ACTION_HOME_NEW_TALK]
    assert button["text"]["text"] == label
    home_action(slack, user, view, {"type": "button", "action_id": button["action_id"], "value": button["value"]})
    [opened] = fake_slack.wait_for("views.open")
    form = opened.params["view"]
    assert form["callback_id"] == ids.CALLBACK_TALK_NEW
    # The same form as /lunchlearn new, in the clicker's language, with them as the speaker.
    assert form["title"]["text"] == t("en" if user == ORGANISER else "ja", "modal.new.title")
    assert user in str(form["blocks"])
    fake_slack.assert_no_call("chat.postEphemeral")


def test_each_talk_once_with_the_menu_only_for_people_who_may_manage_it(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, title="Rust <b>&</b> you", start=in_days(2))
    permalink = f"https://fake.slack.com/archives/{GENERAL}/p{ts.replace('.', '')}"

    # The organiser: once, under "Your talks", with the menu (start, edit, cancel) and the announcement link.
    view = open_home(slack, fake_slack, ORGANISER)
    text = block_texts(view["blocks"])
    assert text.count("Rust &lt;b&gt;&amp;&lt;/b&gt; you") == 1 and "<b>" not in text
    assert text.index("Your talks") < text.index("Rust &lt;b&gt;") < text.index("Past talks")
    assert f"<{permalink}|Announcement>" in text
    [menu] = elements(view, "overflow")
    assert [o["value"] for o in menu["options"]] == [
        f"{ids.MENU_START_NOW}:{talk_id}",
        f"{ids.MENU_EDIT}:{talk_id}",
        f"{ids.MENU_CANCEL}:{talk_id}",
    ]
    # The permalink is stored on the talk: the next Home asks Slack for nothing.
    assert talks_in_db(container)[0].announcement_permalink == permalink
    fake_slack.reset_calls()

    # The speaker (Japanese): once, the menu in Japanese.
    speaker = open_home(slack, fake_slack, SPEAKER)
    assert block_texts(speaker["blocks"]).count("Rust &lt;b&gt;") == 1
    assert f"<{permalink}|お知らせ>" in block_texts(speaker["blocks"])
    [menu_ja] = elements(speaker, "overflow")
    assert [o["text"]["text"] for o in menu_ja["options"]] == ["今すぐ開始", "編集する", "中止する"]
    fake_slack.assert_no_call("chat.getPermalink")

    # An attendee: once, under "Upcoming talks", with RSVP and no menu.
    attendee = open_home(slack, fake_slack, ATTENDEE)
    attendee_text = block_texts(attendee["blocks"])
    assert attendee_text.count("Rust &lt;b&gt;") == 1
    assert (
        attendee_text.index("Upcoming talks")
        < attendee_text.index("Rust &lt;b&gt;")
        < attendee_text.index("Your talks")
    )
    assert elements(attendee, "overflow") == []
    assert [b["action_id"] for b in elements(attendee, "button")] == [ids.ACTION_HOME_NEW_TALK, ids.ACTION_RSVP_GOING]

    # The organiser starts it from Home: it goes live and their Home shows it live, still once, with End now.
    home_action(
        slack,
        ORGANISER,
        view,
        {
            "type": "overflow",
            "action_id": ids.ACTION_TALK_MENU,
            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": f"start:{talk_id}"},
        },
    )
    republished = fake_slack.wait_for("views.publish", where=lambda c: c.params["user_id"] == ORGANISER)[-1]
    assert talks_in_db(container)[0].status is TalkStatus.LIVE
    live_text = block_texts(republished.params["view"]["blocks"])
    assert live_text.count("Rust &lt;b&gt;") == 1 and ":red_circle: Live now" in live_text
    [live_menu] = elements(republished.params["view"], "overflow")
    assert [o["value"] for o in live_menu["options"]] == [f"{ids.MENU_END_NOW}:{talk_id}", f"{ids.MENU_EDIT}:{talk_id}"]
    # For the attendee it moved to "Live now", with no menu and no RSVP.
    attendee = open_home(slack, fake_slack, ATTENDEE)
    attendee_text = block_texts(attendee["blocks"])
    assert attendee_text.count("Rust &lt;b&gt;") == 1
    assert attendee_text.index("Live now") < attendee_text.index("Rust &lt;b&gt;") < attendee_text.index("Upcoming")
    assert elements(attendee, "overflow") == [] and len(elements(attendee, "button")) == 1


def _join_payload(talk_id: int, live_ts: str, user: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "team_id": "T1", "name": user.lower()},
        "api_app_id": "AFAKE",
        "trigger_id": f"trigger-join-{user}",
        "container": {"type": "message", "channel_id": GENERAL, "message_ts": live_ts, "is_ephemeral": False},
        "channel": {"id": GENERAL, "name": "general"},
        "message": {"ts": live_ts, "type": "message", "user": "UBOT"},
        "actions": [
            {
                "type": "button",
                "action_id": ids.ACTION_JOIN_STREAM,
                "block_id": ids.BLOCK_LIVE_ACTIONS,
                "value": str(talk_id),
                "action_ts": "1.0",
                "text": {"type": "plain_text", "text": "Join"},
            }
        ],
    }


def _asked(container: Container, user: str) -> bool:
    with container.db.session() as session:
        return session.execute(select(Question.id).where(Question.asker_id == user)).first() is not None


def _joins(container: Container, talk_id: int) -> list[tuple[str, str]]:
    with container.db.session() as session:
        rows = session.execute(select(Attendance).where(Attendance.talk_id == talk_id)).scalars().all()
        return [(row.user_id, row.source) for row in rows]


@pytest.mark.parametrize(
    "lang, went, missed, turnout",
    [
        (
            "en",
            ":white_check_mark: You went",
            "You missed it",
            "*Attendance:* 3 registered, 2 attended (no-show rate 33%)",
        ),
        (
            "ja",
            ":white_check_mark: 参加しました",
            "参加しませんでした",
            "*参加状況：* 参加登録3人、実際の参加2人（欠席率33%）",
        ),
    ],
)
def test_past_talk_says_you_went_or_you_missed_it_and_the_report_counts_attendance(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    container: Container,
    lang: str,
    went: str,
    missed: str,
    turnout: str,
) -> None:
    locale = "ja-JP" if lang == "ja" else "en-US"
    for user in (ORGANISER, ATTENDEE, OTHER, MISSED):
        fake_slack.add_user(user, locale=locale, tz="America/New_York")

    def during(talk_id: int) -> None:
        # Asked in advance: not attendance (the talk was not live yet).
        with container.db.session() as session:
            session.add(
                Question(
                    talk_id=talk_id,
                    text="Asked early",
                    asker_id=MISSED,
                    source=QuestionSource.MODAL,
                    created_at=talks_in_db(container)[-1].created_at - timedelta(minutes=1),
                )
            )
        assert container.lifecycle.go_live(talk_id)
        live_ts = str(talks_in_db(container)[-1].live_ts)
        # The attendee clicks Join twice, and Slack delivers one click twice: one row.
        slack.button(ids.ACTION_JOIN_STREAM, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=live_ts)
        for _ in range(2):
            assert slack.interactive(_join_payload(talk_id, live_ts, ATTENDEE)).status_code == 200
        wait_until(lambda: _joins(container, talk_id) == [(ATTENDEE, "join")])
        # Another asks a question while it is live.
        assert slack.command("ask How fast is it?", user=OTHER, channel=GENERAL).status_code == 200
        wait_until(lambda: _asked(container, OTHER))

    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE, OTHER, MISSED], during=during)
    # A straggling join click after the end is not attendance (the talk is not live).
    slack.button(ids.ACTION_JOIN_STREAM, str(talk_id), user=MISSED, channel=GENERAL, message_ts="1.0")
    time.sleep(0.3)
    assert _joins(container, talk_id) == [(ATTENDEE, "join")]

    # The report: registered against attended, and the no-show rate (1 of 3 who signed up did not come).
    container.surveys.run_worker()
    fake_slack.reset_calls()
    jobs.bind(container)
    jobs.survey_preliminary_report(talk_id)
    [report] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]
    assert turnout in block_texts(report.params["blocks"])

    # Home: went / missed for people who RSVPed, nothing for others; the organiser links to their report DM.
    for user, line in ((ATTENDEE, went), (OTHER, went), (MISSED, missed)):
        text = block_texts(open_home(slack, fake_slack, user)["blocks"])
        assert text.count("Intro to Rust") == 1 and line in text, user
        assert (missed if line == went else went) not in text
    admin = block_texts(open_home(slack, fake_slack, ADMIN)["blocks"])
    assert "Intro to Rust" in admin and "You went" not in admin and "You missed" not in admin
    organiser = open_home(slack, fake_slack, ORGANISER)
    report_link = (
        f"https://fake.slack.com/archives/{report.response['channel']}/p{report.response['ts'].replace('.', '')}"
    )
    assert report_link in block_texts(organiser["blocks"])
    assert report_link not in block_texts(open_home(slack, fake_slack, ATTENDEE)["blocks"])
    assert elements(organiser, "overflow") == []  # an ended talk has nothing to manage


def test_attended_counts_join_reaction_question_and_vote_only_while_live(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    for user in ("UASK", "UVOTE"):
        fake_slack.add_user(user, locale="ja-JP", tz="Asia/Tokyo")
    talk_id, announcement_ts = create_talk(slack, fake_slack, container, start=in_days(1))
    react(slack, ADMIN, "clap", GENERAL, announcement_ts)  # before the talk: not attendance
    settle(container, talk_id, 1)
    assert container.lifecycle.go_live(talk_id)
    live_ts = str(talks_in_db(container)[-1].live_ts)
    slack.button(ids.ACTION_JOIN_STREAM, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=live_ts)
    react(slack, OTHER, "bulb", GENERAL, live_ts)
    settle(container, talk_id, 2)
    assert slack.command("ask Does it scale?", user="UASK", channel=GENERAL).status_code == 200
    wait_until(lambda: _asked(container, "UASK"))
    [question] = questions_in_db(container, talk_id)
    wait_until(lambda: questions_in_db(container, talk_id)[0].thread_ts is not None)
    vote(slack, question.id, user="UVOTE", ts=str(questions_in_db(container, talk_id)[0].thread_ts))
    wait_until(lambda: votes_in_db(container, question.id) == ["UVOTE"])
    wait_until(lambda: _joins(container, talk_id) == [(ATTENDEE, "join")])
    assert container.lifecycle.end(talk_id)
    time.sleep(0.01)
    react(slack, ORGANISER, "clap", GENERAL, live_ts)  # after the end: not attendance
    settle(container, talk_id, 3)

    with container.db.session() as session:
        assert attended(session, talk_id) == {ATTENDEE, OTHER, "UASK", "UVOTE"}
