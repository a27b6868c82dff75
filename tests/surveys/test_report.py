"""The report: numbers on a known data set, the threshold of 3, real PNG charts with the right series,
the thread summary, /lunchlearn report and export permissions, English and Japanese."""

from __future__ import annotations

import csv
import io

import numpy as np
from PIL import Image

from bot.container import Container
from bot.db import surveys_repo as srepo
from bot.db.models import Question, QuestionSource, QuestionStatus, QuestionVote, ReactionCount, ReactionTotal
from bot.scheduling import jobs
from bot.services.reactions.pulse import parse_legend
from bot.services.surveys.report import Report, ratings_chart, timeline_chart
from tests.conftest import GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk, ran_for

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


OVERALL_RGB = (0x4A, 0x90, 0xD9)  # the bar colours bot/services/surveys/report.py plots with
USEFULNESS_RGB = (0xF5, 0xA6, 0x23)


def _pixels(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.size[0] > 200 and image.size[1] > 100
    return np.asarray(image.convert("RGB"))


def _bars(data: bytes, rgb: tuple[int, int, int]) -> list[tuple[float, int]]:
    """(x centre, height) in pixels of each bar drawn in `rgb`, left to right, read from the decoded image. The
    legend's colour swatches are left out: bars stand on the x axis, the lowest painted row of the chart."""
    pixels = _pixels(data)
    found: list[tuple[float, int, int]] = []  # (x centre, top, bottom)
    for colour in (OVERALL_RGB, USEFULNESS_RGB):
        mask = np.all(pixels == colour, axis=2)
        columns = np.flatnonzero(mask.any(axis=0))
        groups = np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1) if columns.size else []
        for group in groups:
            rows = np.flatnonzero(mask[:, group[0] : group[-1] + 1].any(axis=1))
            bar = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)[-1]  # the lowest run: not a swatch above
            if colour == rgb:
                found.append((float(group.mean()), int(bar[0]), int(bar[-1])))
    baseline = max(bottom for _, _, bottom in found)
    return [(x, bottom - top + 1) for x, top, bottom in sorted(found) if bottom >= baseline - 1]


def _report(**fields: object) -> Report:
    empty: dict[str, object] = {
        "talk_id": 1, "title": "T", "going": 0, "interacted": 0, "asked": 0, "responses": 0, "overall_dist": {},
        "usefulness_dist": {}, "overall_avg": None, "usefulness_avg": None, "improve": [], "topics": [],
        "custom": [], "custom_question": None, "questions": None, "reaction_totals": None, "timeline": None,
        "min_responses": 3,
    }  # fmt: skip
    return Report(**{**empty, **fields})  # type: ignore[arg-type]


def test_the_ratings_chart_plots_each_distribution_at_its_rating() -> None:
    """Known data in, bar heights out of the decoded PNG: proportional to the counts, in rating order."""
    overall = {1: 1, 2: 2, 3: 3, 4: 4, 5: 8}
    useful = {1: 8, 2: 4, 3: 0, 4: 2, 5: 1}
    png = ratings_chart(_report(overall_dist=overall, usefulness_dist=useful), "en")
    blue, orange = _bars(png, OVERALL_RGB), _bars(png, USEFULNESS_RGB)
    assert len(blue) == 5 and len(orange) == 4  # a zero count draws no bar
    unit = blue[4][1] / 8  # pixels per answer
    assert [round(h / unit) for _, h in blue] == [1, 2, 3, 4, 8]
    assert [round(h / unit) for _, h in orange] == [8, 4, 2, 1]
    # Each usefulness bar sits just right of the overall bar of the same rating (and none at rating 3).
    pitch = (blue[4][0] - blue[0][0]) / 4
    assert [round((x - blue[0][0]) / pitch - 0.38, 1) for x, _ in orange] == [0.0, 1.0, 3.0, 4.0]


def _same_image(a: bytes, b: bytes) -> bool:
    left, right = _pixels(a), _pixels(b)
    return left.shape == right.shape and bool(np.array_equal(left, right))


def test_report_numbers_threshold_charts_and_summary(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, announcement_ts = ended_talk(slack, fake_slack, container, going=PEOPLE, question="Next topic?")
    _data(container, talk_id)
    ran_for(container, talk_id, 25)
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
    assert "*Attendance:* 4 registered, 0 attended (no-show rate 100%)" in text  # never went live
    assert "*Answers:* 2 from 4 people asked (50%)" in text
    assert "2 answers so far" in text
    assert "*Questions:* 2 asked, 1 answered" in text
    assert "• Borrowing? (3 votes)" in text and "• Is Rust fast? (1 vote)" in text  # singular and plural
    # Each emoji with what it means in the legend.
    assert "*Reactions:* :clap: applause 7 · :bulb: learned something 2" in text
    for secret in ("Overall", "Usefulness", "★", "More code", "Async", "WASM", "UR1", "anonymous"):
        assert secret not in text, secret
    fake_slack.assert_no_call("chat.postMessage", where=lambda c: c.params["channel"] in (SPEAKER, GENERAL))
    jobs.survey_preliminary_report(talk_id)  # a re-run sends nothing twice
    assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]) == 1
    [complete] = fake_slack.calls_to("files.completeUploadExternal")
    assert "channel_id" not in complete.params  # shared nowhere: shown by the report's image block
    pngs = {f["filename"]: f["data"] for f in fake_slack.files.values()}
    assert f"ratings-{talk_id}.png" not in pngs  # the reactions timeline is not from answers: it may go
    # The timeline: the same pixels as the expected series drawn by the chart code (one point per minute of the
    # talk's real 25 minutes, not the 45 planned), and not the same as a series that differs in one minute.
    clap, bulb = [3, 0, 5] + [0] * 22, [0, 2, 0] + [0] * 22
    legend = parse_legend(container.settings.REACTION_LEGEND)
    timeline = pngs[f"reactions-{talk_id}.png"]
    expected = timeline_chart(_report(timeline={"clap": clap, "bulb": bulb}, duration_minutes=25.0), "en", legend)
    off_by_one = timeline_chart(
        _report(timeline={"clap": [3, 0, 4] + [0] * 22, "bulb": bulb}, duration_minutes=25.0), "en", legend
    )
    assert expected is not None and off_by_one is not None
    assert _same_image(timeline, expected) and not _same_image(timeline, off_by_one)

    # Third answer, then close: final report to organiser and speaker, summary in the thread (no names).
    _seed(container, talk_id, [{}, {}, {"overall": 4, "usefulness": 4, "improve": "Slower pace"}])
    fake_slack.reset_calls()
    fake_slack.files.clear()
    jobs.survey_close(talk_id)
    posts = fake_slack.calls_to("chat.postMessage")
    # The organiser's preliminary report becomes the final one; the speaker gets theirs only now.
    assert {c.params["channel"] for c in posts} == {SPEAKER, GENERAL}
    [edit] = fake_slack.calls_to("chat.update")
    assert (edit.params["channel"], edit.params["ts"]) == (report.response["channel"], report.response["ts"])
    final = block_texts(edit.params["blocks"])
    assert (
        "*Overall satisfaction:* ★ 4.0 (3 answers)\n"
        "`5★` ██████████ 1\n`4★` ██████████ 1\n`3★` ██████████ 1\n`2★` ░░░░░░░░░░ 0\n`1★` ░░░░░░░░░░ 0\n"
    ) in final
    assert "*Usefulness:* ★ 3.3 (3 answers)" in final
    assert "More code (<@UR1>)" in final and "Async (anonymous)" in final and "WASM (anonymous)" in final
    assert "Slower pace (anonymous)" in final and "answers so far" not in final
    speaker = next(c for c in posts if c.params["channel"] == SPEAKER)
    ja = block_texts(speaker.params["blocks"])  # the speaker reads Japanese
    assert "フィードバック：Intro to Rust" in ja
    assert "*参加状況：* 参加登録4人、実際の参加0人（欠席率100%）\n*回答：* 依頼した4人中3人（75%）\n" in ja
    assert "*全体の満足度：* ★ 4.0（回答3件）\n`5★` ██████████ 1\n" in ja
    assert (
        "*役に立ったか：* ★ 3.3（回答3件）\n"
        "`5★` ░░░░░░░░░░ 0\n`4★` ██████████ 2\n`3★` ░░░░░░░░░░ 0\n`2★` █████░░░░░ 1\n" in ja
    )
    assert "• Is Rust fast?（1票）" in ja and "*リアクション：* :clap: 拍手 7 · :bulb: 学びがあった 2" in ja
    # The final ratings chart, read from its pixels: overall one answer each at 3, 4, 5; usefulness 1 at 2, 2 at 4.
    ratings = next(f["data"] for f in fake_slack.files.values() if f["filename"].startswith("ratings"))
    blue, orange = _bars(ratings, OVERALL_RGB), _bars(ratings, USEFULNESS_RGB)
    assert len(blue) == 3 and max(h for _, h in blue) - min(h for _, h in blue) <= 1
    assert len(orange) == 2 and abs(orange[1][1] - 2 * orange[0][1]) <= 2
    [summary] = [c for c in posts if c.params["channel"] == GENERAL]
    assert summary.params["thread_ts"] == announcement_ts
    assert "3 answers; overall satisfaction ★ 4.0, usefulness ★ 3.3 (out of 5)" in summary.params["text"]
    assert "More code" not in summary.params["text"] and "UR1" not in summary.params["text"]
    jobs.survey_close(talk_id)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2 and len(fake_slack.calls_to("chat.update")) == 1


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
    assert "3人が回答すると" in _response(fake_slack, slack)
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
    assert "*Answers:* 3 from 4 people asked (75%)" in block_texts(dm.params["blocks"])
    fake_slack.wait_for("files.completeUploadExternal")

    slack.command(f"export {talk_id}", user=SPEAKER)
    assert "エクスポートできるのは、主催者だけ" in _response(fake_slack, slack)
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


def test_the_reaction_timeline_is_split_at_each_part_of_the_agenda() -> None:
    """A talk with an agenda: a dashed line where each later part starts (within the real duration), each part
    labelled; parts that never started before the real end are not drawn."""
    from bot.services.surveys.report import SegmentScore, timeline_figure

    parts = [
        SegmentScore("Intro", "U1", 0.0, 0, None),
        SegmentScore("On-device ML", "U2", 15.0, 0, None),
        SegmentScore("Never reached", "U3", 40.0, 0, None),
    ]
    report = _report(timeline={"clap": [1] * 30}, duration_minutes=30.0, segments=parts)
    fig = timeline_figure(report, "en")
    assert fig is not None
    [ax] = fig.axes
    splits = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    assert splits == [15.0]
    assert {text.get_text() for text in ax.texts} == {"Intro", "On-device ML"}
    unsplit = timeline_figure(_report(timeline={"clap": [1] * 30}, duration_minutes=30.0), "en")
    assert unsplit is not None and not [line for line in unsplit.axes[0].lines if line.get_linestyle() == "--"]
