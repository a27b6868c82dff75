"""The report is one DM per reader, edited from preliminary to final, with its charts inside it (image blocks naming
files uploaded without sharing them anywhere); the charts speak the reader's language, name reactions by meaning and
end their time axis when the talk really ended. English organiser, Japanese speaker."""

from __future__ import annotations

import io
import json
import warnings
from typing import Any

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from PIL import Image
from sqlalchemy import update

from bot.container import Container
from bot.db import surveys_repo as srepo
from bot.db.models import OutboxMessage, OutboxStatus, ReactionCount, ReactionTotal
from bot.i18n import t
from bot.scheduling import jobs
from bot.services.reactions.pulse import parse_legend
from bot.services.surveys.report import JA_FONT, ratings_chart, ratings_figure, timeline_chart, timeline_figure
from tests.conftest import ORGANISER, SPEAKER
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import block_texts
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk, ran_for

PEOPLE = ["UR1", "UR2", "UR3", "UR4"]
READERS = (ORGANISER, SPEAKER)


def _answers(container: Container, talk_id: int, ratings: list[int]) -> None:
    with container.db.session() as session:
        for user, rating in zip(PEOPLE, ratings, strict=False):
            srepo.upsert_answer(
                session=session, talk_id=talk_id, user_id=user, fields={"overall": rating, "usefulness": rating}
            )


def _reactions(container: Container, talk_id: int) -> None:
    """Slow-down requests early on, applause at minute 20; and one turtle after the real end (minute 30)."""
    with container.db.session() as session:
        session.add_all(
            [
                ReactionCount(talk_id=talk_id, surface="live", emoji="turtle", minute=2, added=4, removed=0),
                ReactionCount(talk_id=talk_id, surface="live", emoji="clap", minute=20, added=6, removed=0),
                ReactionCount(talk_id=talk_id, surface="live", emoji="turtle", minute=30, added=1, removed=0),
                ReactionTotal(talk_id=talk_id, surface="live", emoji="turtle", count=5),
                ReactionTotal(talk_id=talk_id, surface="live", emoji="clap", count=6),
            ]
        )


def _reports(fake: FakeSlack, method: str) -> dict[str, Call]:
    """The report call per reader (a report DM goes to the user id; its edit to the DM's channel)."""
    calls = [c for c in fake.calls_to(method) if c.params.get("metadata", {}).get("event_type") == "lunchlearn_report"]
    out = {str(c.params["metadata"]["event_payload"]["user_id"]): c for c in calls}
    assert len(out) == len(calls), "more than one report call for a reader"
    return out


def _report_messages(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages[channel] if (m.get("metadata") or {}).get("event_type") == "lunchlearn_report"]


def _image_files(blocks: list[dict[str, Any]]) -> list[str]:
    images = [b for b in blocks if b["type"] == "image"]
    assert all("image_url" not in b for b in images)
    return [b["slack_file"]["id"] for b in images]


def _description(png: bytes) -> dict[str, Any]:
    image = Image.open(io.BytesIO(png))
    image.load()
    return dict(json.loads(image.info["Description"]))


def _assert_unshared(fake: FakeSlack, file_ids: list[str]) -> None:
    for file_id in file_ids:
        entry = fake.files[file_id]
        assert entry["complete"] and entry["user"] == fake.bot_user_id and entry["channel"] is None
    for call in fake.calls_to("files.completeUploadExternal"):
        assert not call.params.get("channel_id") and not call.params.get("channels")
    shared = [m for messages in fake.messages.values() for m in messages if m.get("subtype") == "file_share"]
    assert shared == [], "a chart was shared into a conversation"


def test_one_report_message_edited_from_preliminary_to_final(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=PEOPLE)
    ran_for(container, talk_id, 25.5)  # planned for 45 minutes
    _reactions(container, talk_id)
    container.surveys.run_worker()
    _answers(container, talk_id, [5, 4, 4])
    fake_slack.reset_calls()

    jobs.bind(container)
    jobs.survey_preliminary_report(talk_id)
    posts = _reports(fake_slack, "chat.postMessage")
    assert set(posts) == set(READERS)
    assert fake_slack.calls_to("chat.update") == []
    first: dict[str, list[str]] = {}
    for reader, call in posts.items():
        assert call.params["channel"] == reader
        assert call.params["metadata"]["event_payload"]["stage"] == "preliminary"
        first[reader] = _image_files(call.params["blocks"])
        assert len(first[reader]) == 2  # ratings and reactions, inside the message
    assert "*Overall satisfaction:* ★ 4.3 (3 answers)" in block_texts(posts[ORGANISER].params["blocks"])
    assert "*全体の満足度：* ★ 4.3（回答3件）" in block_texts(posts[SPEAKER].params["blocks"])
    _assert_unshared(fake_slack, first[ORGANISER] + first[SPEAKER])
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 2  # both charts at once, per reader

    # Each reader's charts in their language: titles are the image blocks' titles and the files' titles.
    for reader, lang in ((ORGANISER, "en"), (SPEAKER, "ja")):
        blocks = posts[reader].params["blocks"]
        titles = [b["title"]["text"] for b in blocks if b["type"] == "image"]
        assert titles == [t(lang, "chart.ratings.title"), t(lang, "chart.timeline.title")]
        assert [fake_slack.files[f]["title"] for f in first[reader]] == titles

    # The speaker's reaction chart: the same pixels as the Japanese chart of this talk's data, whose time axis
    # ends at the real 25.5 minutes; the plotted minutes stop there (the late turtle at minute 30 is not drawn).
    found = container.surveys.report(talk_id)
    assert found is not None
    _, data, _ = found
    legend = parse_legend(container.settings.REACTION_LEGEND)
    figure = timeline_figure(data, "ja", legend)
    assert figure is not None and figure.axes[0].get_xlim()[1] == 25.5
    uploaded = fake_slack.files[first[SPEAKER][1]]["data"]
    series = _description(uploaded)["series"]
    assert set(series) == {"turtle", "clap"} and all(len(v) == 26 for v in series.values())
    assert series["turtle"][2] == 4 and series["clap"][20] == 6
    assert uploaded == timeline_chart(data, "ja", legend)
    assert uploaded != timeline_chart(data, "en", legend)

    # Close with a fourth answer: no new report post, one edit per reader of the message it already has.
    _answers(container, talk_id, [5, 4, 4, 2])
    fake_slack.reset_calls()
    jobs.survey_close(talk_id)
    assert _reports(fake_slack, "chat.postMessage") == {}
    edits = _reports(fake_slack, "chat.update")
    assert set(edits) == set(READERS)
    for reader, edit in edits.items():
        posted = posts[reader].response
        assert (edit.params["channel"], edit.params["ts"]) == (posted["channel"], posted["ts"])
        assert edit.params["metadata"]["event_payload"]["stage"] == "final"
        final_files = _image_files(edit.params["blocks"])
        assert len(final_files) == 2 and not set(final_files) & set(first[reader])  # the final numbers' charts
        _assert_unshared(fake_slack, final_files)
        stored = fake_slack.message(str(posted["channel"]), str(posted["ts"]))
        assert stored["blocks"] == edit.params["blocks"]
        assert len(_report_messages(fake_slack, str(posted["channel"]))) == 1  # one report in the DM, edited
    english = block_texts(edits[ORGANISER].params["blocks"])
    assert "*Overall satisfaction:* ★ 3.8 (4 answers)" in english and t("en", "report.final") in english
    japanese = block_texts(edits[SPEAKER].params["blocks"])
    assert "*全体の満足度：* ★ 3.8（回答4件）" in japanese and t("ja", "report.final") in japanese
    ratings = fake_slack.files[_image_files(edits[ORGANISER].params["blocks"])[0]]["data"]
    assert _description(ratings) == {"chart": "ratings", "overall": [0, 1, 0, 2, 1], "usefulness": [0, 1, 0, 2, 1]}

    jobs.survey_close(talk_id)  # a re-run edits nothing and posts nothing
    jobs.survey_preliminary_report(talk_id)  # nor does a late preliminary run: the final report stays the last word
    assert len(fake_slack.calls_to("chat.update")) == 2 and _reports(fake_slack, "chat.postMessage") == {}


def test_a_final_report_finds_its_message_by_metadata_when_the_record_was_lost(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    """A crash after the preliminary post lost its ts: at close the message is found by its metadata and edited."""
    talk_id, _ = ended_talk(slack, fake_slack, container, going=PEOPLE)
    container.surveys.run_worker()
    _answers(container, talk_id, [4, 4, 4])
    jobs.bind(container)
    jobs.survey_preliminary_report(talk_id)
    posts = _reports(fake_slack, "chat.postMessage")
    with container.db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.like(f"survey_report_preliminary:{talk_id}:%"))
            .values(status=OutboxStatus.SENDING, channel=None, ts=None)
        )
    fake_slack.reset_calls()
    jobs.survey_close(talk_id)
    assert _reports(fake_slack, "chat.postMessage") == {}
    edits = _reports(fake_slack, "chat.update")
    assert {r: (c.params["channel"], c.params["ts"]) for r, c in edits.items()} == {
        r: (c.response["channel"], c.response["ts"]) for r, c in posts.items()
    }


def test_a_chart_still_processing_is_retried_then_left_out(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = ended_talk(slack, fake_slack, container, going=PEOPLE)
    container.surveys.run_worker()
    _answers(container, talk_id, [4, 4, 4])
    jobs.bind(container)

    # Slack refuses the image blocks twice while it processes the upload: the third try shows the charts.
    fake_slack.file_processing_uses = 2
    jobs.survey_preliminary_report(talk_id)
    tries = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]
    assert [c.response.get("error") for c in tries] == ["invalid_blocks", "invalid_blocks", None]
    assert "invalid slack file" in str(tries[0].response["errors"])
    assert len(_image_files(tries[-1].params["blocks"])) == 1  # the ratings (this talk has no reactions)
    assert len(_report_messages(fake_slack, str(tries[-1].response["channel"]))) == 1

    # Still processing after every retry (3 by default): the final report goes without charts, not never.
    fake_slack.file_processing_uses = 10
    fake_slack.reset_calls()
    jobs.survey_close(talk_id)
    edits = [c for c in fake_slack.calls_to("chat.update") if c.params["channel"] == tries[-1].response["channel"]]
    assert [c.response.get("error") for c in edits] == ["invalid_blocks"] * 4 + [None]
    assert _image_files(edits[-1].params["blocks"]) == []
    assert t("en", "report.final") in block_texts(edits[-1].params["blocks"])


def _texts(figure: Any) -> list[Text]:
    """Every text the figure draws: title, axis labels, legend entries."""
    ax = figure.axes[0]
    legend = ax.get_legend()
    return [ax.title, ax.xaxis.label, ax.yaxis.label, *legend.get_texts()]


def test_japanese_charts_are_japanese_with_a_font_that_has_the_glyphs(container: Container) -> None:
    from bot.services.surveys.report import Report

    data = Report(
        talk_id=1, title="T", going=5, interacted=5, asked=5, responses=4, overall_dist={4: 2, 5: 2},
        usefulness_dist={3: 1, 4: 3}, overall_avg=4.5, usefulness_avg=3.75, improve=[], topics=[], custom=[],
        custom_question=None, questions=None, reaction_totals={"turtle": 3, "mute": 1},
        timeline={"turtle": [0, 3, 0], "mute": [1, 0, 0]}, min_responses=3, duration_minutes=3.0,
    )  # fmt: skip
    legend = parse_legend(container.settings.REACTION_LEGEND)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        timeline = timeline_figure(data, "ja", legend)
        ratings = ratings_figure(data, "ja")
        assert timeline is not None
        # Drawing is where a missing glyph would be reported ("Glyph 12354 ... missing from font(s) DejaVu Sans").
        png = timeline_chart(data, "ja", legend)
        ratings_png = ratings_chart(data, "ja")
    assert png and ratings_png
    assert [str(w.message) for w in caught if "glyph" in str(w.message).lower()] == []

    assert [x.get_text() for x in _texts(timeline)] == [
        "1分ごとのリアクション",
        "開始からの経過時間（分）",
        "リアクション数",
        "もう少しゆっくり",  # turtle, by its meaning
        "聞こえない",  # mute
    ]
    ratings_texts = ["評価の分布", "評価（1〜5）", "回答数", "全体の満足度", "役に立ったか"]
    assert [x.get_text() for x in _texts(ratings)] == ratings_texts
    for text in _texts(timeline) + _texts(ratings):
        path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        font = FT2Font(path)
        assert font.family_name == JA_FONT
        missing = [c for c in text.get_text() if font.get_char_index(ord(c)) == 0]
        assert missing == [], (text.get_text(), missing)

    # English readers: English words, and meanings there too rather than emoji names.
    english = timeline_figure(data, "en", legend)
    assert english is not None
    assert [x.get_text() for x in _texts(english)][3:] == ["Slow down", "Can't hear"]
