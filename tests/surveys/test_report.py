"""The report: numbers on a known data set, the threshold of 3, real PNG charts with the right series,
the thread summary, /lunchlearn report and export permissions, English and Japanese."""

from __future__ import annotations

import csv
import io
import json

from PIL import Image

from bot.container import Container
from bot.db import surveys_repo as srepo
from bot.db.models import Question, QuestionSource, QuestionStatus, QuestionVote, ReactionCount, ReactionTotal
from bot.scheduling import jobs
from tests.conftest import GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk

PEOPLE = ["UR1", "UR2", "UR3", "UR4"]


def _seed(container: Container, talk_id: int, answers: list[dict]) -> None:
    with container.db.session() as session:
        for i, fields in enumerate(answers):
            srepo.upsert_answer(session=session, talk_id=talk_id, user_id=PEOPLE[i], fields=fields)


def _data(container: Container, talk_id: int) -> None:
    with container.db.session() as session:
        q1 = Question(talk_id=talk_id, text="Is Rust fast?", asker_id="UR1", source=QuestionSource.MODAL)
        q2 = Question(
            talk_id=talk_id,
            text="Borrowing?",
            asker_id="UR2",
            source=QuestionSource.MODAL,
            status=QuestionStatus.ANSWERED,
        )
        session.add_all([q1, q2])
        session.flush()
        session.add_all([QuestionVote(question_id=q2.id, user_id=u) for u in ("UR1", "UR3", "UR4")])
        session.add(QuestionVote(question_id=q1.id, user_id="UR2"))
        session.add_all(
            [
                ReactionCount(talk_id=talk_id, surface="live", emoji="clap", minute=0, added=3, removed=0),
                ReactionCount(talk_id=talk_id, surface="live", emoji="clap", minute=2, added=5, removed=1),
                ReactionCount(talk_id=talk_id, surface="live", emoji="bulb", minute=1, added=2, removed=0),
                ReactionTotal(talk_id=talk_id, surface="live", emoji="clap", count=7),
                ReactionTotal(talk_id=talk_id, surface="live", emoji="bulb", count=2),
            ]
        )


def _png_series(data: bytes) -> dict:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.size[0] > 200 and image.size[1] > 100
    return json.loads(image.text["Description"])


def test_report_numbers_threshold_charts_and_summary(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, announcement_ts = ended_talk(slack, fake_slack, container, going=PEOPLE, question="Next topic?")
    _data(container, talk_id)
    container.surveys.run_worker()
    _seed(
        container,
        talk_id,
        [
            {"overall": 5, "usefulness": 4, "improve": "More code", "share_name": True},
            {"overall": 3, "usefulness": 2, "topics": "Async", "custom_answer": "WASM"},
        ],
    )
    fake_slack.reset_calls()

    # Preliminary, 2 answers: the organiser only, and only the count: no ratings, no averages, no comments, no
    # ratings chart (k-anonymity holds for the organiser too). Speakers get nothing yet.
    jobs.bind(container)
    jobs.survey_preliminary_report(talk_id)
    [report] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]
    text = block_texts(report.params["blocks"])
    assert "*Attendance:* 4 RSVPed · 4 took part during the talk · 4 asked for feedback" in text
    assert "*Responses:* 2 of 4 (50%)" in text
    assert "2 answers so far" in text
    assert "*Questions:* 2 asked · 1 answered" in text and "• Borrowing? (3 votes)" in text
    assert "*Reactions:* :clap: 7 :bulb: 2" in text
    for secret in ("Overall", "Usefulness", "★", "More code", "Async", "WASM", "UR1", "anonymous"):
        assert secret not in text, secret
    fake_slack.assert_no_call("chat.postMessage", where=lambda c: c.params["channel"] in (SPEAKER, GENERAL))
    jobs.survey_preliminary_report(talk_id)  # a re-run sends nothing twice
    assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]) == 1
    [complete] = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == report.response["channel"]
    pngs = {f["filename"]: f["data"] for f in fake_slack.files.values()}
    assert f"ratings-{talk_id}.png" not in pngs  # the reactions timeline is not from answers: it may go
    timeline = _png_series(pngs[f"reactions-{talk_id}.png"])
    assert timeline["series"]["clap"][:3] == [3, 0, 5] and timeline["series"]["bulb"][:3] == [0, 2, 0]
    assert len(timeline["series"]["clap"]) == 45  # one point per minute of the talk

    # Third answer, then close: final report to organiser and speaker, summary in the thread (no names).
    _seed(container, talk_id, [{}, {}, {"overall": 4, "usefulness": 4, "improve": "Slower pace"}])
    fake_slack.reset_calls()
    fake_slack.files.clear()
    jobs.survey_close(talk_id)
    posts = fake_slack.calls_to("chat.postMessage")
    assert {c.params["channel"] for c in posts} == {ORGANISER, SPEAKER, GENERAL}
    final = block_texts(next(c for c in posts if c.params["channel"] == ORGANISER).params["blocks"])
    assert "*Overall:* 4.0/5 average · 1★×0 2★×0 3★×1 4★×1 5★×1" in final
    assert "*Usefulness:* 3.3/5 average" in final
    assert "More code (<@UR1>)" in final and "Async (anonymous)" in final and "WASM (anonymous)" in final
    assert "Slower pace (anonymous)" in final and "answers so far" not in final
    speaker = next(c for c in posts if c.params["channel"] == SPEAKER)
    assert "フィードバック" in block_texts(speaker.params["blocks"])  # the speaker reads Japanese
    assert "*全体:* 平均 4.0/5" in block_texts(speaker.params["blocks"])
    ratings = _png_series(next(f["data"] for f in fake_slack.files.values() if f["filename"].startswith("ratings")))
    assert ratings == {"chart": "ratings", "overall": [0, 0, 1, 1, 1], "usefulness": [0, 1, 0, 2, 0]}
    [summary] = [c for c in posts if c.params["channel"] == GENERAL]
    assert summary.params["thread_ts"] == announcement_ts
    assert "3 answers, overall 4.0/5, usefulness 3.3/5" in summary.params["text"]
    assert "More code" not in summary.params["text"] and "UR1" not in summary.params["text"]
    jobs.survey_close(talk_id)
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


def test_summary_can_be_turned_off(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=PEOPLE, no_summary=True)
    container.surveys.run_worker()
    _seed(container, talk_id, [{"overall": 4}, {"overall": 4}, {"overall": 5}])
    fake_slack.reset_calls()
    container.surveys.close(talk_id)
    fake_slack.assert_no_call("chat.postMessage", where=lambda c: c.params["channel"] == GENERAL)


def _response(fake: FakeSlack, slack: SlackDriver) -> str:
    [reply] = fake.wait_for(slack.last_webhook)
    return str(reply.params["text"])


def test_report_and_export_commands_check_permissions(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=PEOPLE)
    container.surveys.run_worker()
    _seed(container, talk_id, [{"overall": 5, "improve": "=cmd()", "share_name": True}, {"overall": 2, "topics": "Go"}])
    fake_slack.reset_calls()

    slack.command(f"report {talk_id}", user=OTHER)
    assert "Only the organiser and the speakers" in _response(fake_slack, slack)
    slack.command("report Intro to Rust", user=SPEAKER)  # by title; 2 answers: not released to speakers yet
    assert "3 人が回答すると" in _response(fake_slack, slack)
    slack.command("report nothing like it", user=ORGANISER)
    assert 'matching "nothing like it"' in _response(fake_slack, slack)
    fake_slack.assert_no_call("chat.postMessage")

    # Below the threshold the organiser too gets only the count: no report DM, no CSV.
    slack.command(f"report {talk_id}", user=ORGANISER)
    assert _response(fake_slack, slack) == (
        "*Intro to Rust*: 2 answers so far. Ratings and comments are shown once 3 people have answered."
    )
    slack.command(f"export {talk_id}", user=ORGANISER)
    assert "2 answers so far" in _response(fake_slack, slack)
    fake_slack.assert_no_call("chat.postMessage")
    assert fake_slack.files == {}

    _seed(container, talk_id, [{}, {}, {"overall": 4}])
    slack.command(f"report {talk_id}", user=ORGANISER)
    assert "sent you the feedback report" in _response(fake_slack, slack)
    [dm] = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER)
    assert "*Responses:* 3 of 4 (75%)" in block_texts(dm.params["blocks"])
    fake_slack.wait_for("files.completeUploadExternal")

    slack.command(f"export {talk_id}", user=SPEAKER)
    assert "エクスポートできるのは主催者だけ" in _response(fake_slack, slack)
    fake_slack.reset_calls()
    slack.command(f"export {talk_id}", user=ORGANISER)
    assert "as a CSV file" in _response(fake_slack, slack)
    [upload] = [f for f in fake_slack.files.values() if f["filename"] == f"feedback-{talk_id}.csv"]
    table = list(csv.DictReader(io.StringIO(upload["data"].decode("utf-8-sig"))))
    # Rows in content order, not answer order, and no per-answer timestamps.
    assert [(r["respondent"], r["overall"], r["improve"], r["topics"]) for r in table] == [
        ("", "2", "", "Go"),
        ("", "4", "", ""),
        ("UR1", "5", "'=cmd()", ""),
    ]
    assert "updated_at" not in table[0] and not any("T" in v and ":" in v for r in table for v in r.values())
