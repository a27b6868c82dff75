"""How is the series doing? Per talk of a series: registered, attended, answer rate, average rating; and the topics
people asked for. Posted monthly to the organisers and on demand from the series menu."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import proposals_repo
from bot.db import repositories as repo
from bot.db.models import Series, SurveyAnswer, SurveyMessage, Talk, TalkStatus
from bot.i18n import t
from bot.services.surveys.report import _png, chart_context
from bot.services.talks.attendance import attended

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REPORT_TALKS = 12  # the latest talks shown: a quarter of a weekly series
TOP_TOPICS = 5


@dataclass(frozen=True)
class TalkPoint:
    talk_id: int
    title: str
    starts_at: datetime
    registered: int
    attended: int
    asked: int  # survey invitations sent
    answers: int
    average: float | None  # overall satisfaction; None below the k-anonymity threshold

    @property
    def answer_rate_pct(self) -> int | None:
        return round(100 * self.answers / self.asked) if self.asked else None

    @property
    def no_show_pct(self) -> int | None:
        return round(100 * max(0, self.registered - self.attended) / self.registered) if self.registered else None


@dataclass(frozen=True)
class SeriesReport:
    series_id: int
    name: str
    timezone: str
    points: list[TalkPoint]
    topics: list[tuple[str, int]]  # (title, votes), anonymous survey topics only past the threshold

    @property
    def average(self) -> float | None:
        rated = [(p.average, p.answers) for p in self.points if p.average is not None]
        total = sum(n for _, n in rated)
        return round(sum(a * n for a, n in rated) / total, 1) if total else None


def compute_series_report(
    *, session: Session, series: Series, min_responses: int, until: datetime | None = None
) -> SeriesReport:
    """The series' ended talks (up to `until`), oldest first; a talk's average shows only once it has
    `min_responses` answers, the same k-anonymity rule as each talk's own report."""
    stmt = select(Talk).where(Talk.series_id == series.id, Talk.status == TalkStatus.ENDED)
    if until is not None:
        stmt = stmt.where(Talk.starts_at < until)
    talks = list(session.execute(stmt.order_by(Talk.starts_at.desc()).limit(REPORT_TALKS)).scalars())[::-1]
    points = []
    for talk in talks:
        answers = session.execute(
            select(func.count(SurveyAnswer.id), func.avg(SurveyAnswer.overall)).where(SurveyAnswer.talk_id == talk.id)
        ).one()
        overall_n = session.execute(
            select(func.count()).where(SurveyAnswer.talk_id == talk.id, SurveyAnswer.overall.is_not(None))
        ).scalar_one()
        asked = session.execute(
            select(func.count(func.distinct(SurveyMessage.user_id))).where(SurveyMessage.talk_id == talk.id)
        ).scalar_one()
        average = round(float(answers[1]), 1) if answers[1] is not None and overall_n >= min_responses else None
        points.append(
            TalkPoint(
                talk_id=talk.id,
                title=talk.title,
                starts_at=talk.starts_at,
                registered=len(repo.going_user_ids(session=session, talk_id=talk.id)),
                attended=len(attended(session, talk.id)),
                asked=int(asked),
                answers=int(answers[0]),
                average=average,
            )
        )
    ranked = proposals_repo.open_ranked(
        session=session, team_id=series.team_id, channel_id=series.channel_id, min_survey_answers=min_responses
    )
    topics = [(proposal.title, votes) for proposal, votes in ranked[:TOP_TOPICS]]
    return SeriesReport(series_id=series.id, name=series.name, timezone=series.timezone, points=points, topics=topics)


def series_figure(report: SeriesReport, lang: str) -> Figure | None:
    """Two panels over the series' talks: registered against attended; answer rate and average rating."""
    if not report.points:
        return None
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(report.timezone)
    labels = [p.starts_at.astimezone(zone).strftime("%m/%d") for p in report.points]
    xs = list(range(len(report.points)))
    with chart_context(lang) as plt:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True)
        width = 0.38
        top.bar(
            [x - width / 2 for x in xs],
            [p.registered for p in report.points],
            width,
            color="#9ab7d9",
            label=t(lang, "series.report.chart.registered"),
        )
        top.bar(
            [x + width / 2 for x in xs],
            [p.attended for p in report.points],
            width,
            color="#2e6db4",
            label=t(lang, "series.report.chart.attended"),
        )
        top.set_ylabel(t(lang, "series.report.chart.people"))
        top.set_title(t(lang, "series.report.chart.title"))
        top.legend(loc="upper left")
        rates = [p.answer_rate_pct for p in report.points]
        bottom.plot(
            xs,
            [r if r is not None else float("nan") for r in rates],
            marker="o",
            color="#f5a623",
            label=t(lang, "series.report.chart.answer_rate"),
        )
        bottom.set_ylim(0, 100)
        bottom.set_ylabel(t(lang, "series.report.chart.answer_rate"))
        stars = bottom.twinx()
        averages = [p.average if p.average is not None else float("nan") for p in report.points]
        stars.plot(xs, averages, marker="s", color="#7b3fa0", label=t(lang, "series.report.chart.average"))
        stars.set_ylim(1, 5)
        stars.set_ylabel(t(lang, "series.report.chart.average"))
        handles = bottom.get_legend_handles_labels()[0] + stars.get_legend_handles_labels()[0]
        bottom.legend(handles, [h.get_label() for h in handles], loc="lower left")
        bottom.set_xticks(xs)
        bottom.set_xticklabels(labels)
        fig.tight_layout()
    return cast("Figure", fig)


def series_chart(report: SeriesReport, lang: str) -> bytes | None:
    fig = series_figure(report, lang)
    if fig is None:
        return None
    plotted = {
        "registered": [p.registered for p in report.points],
        "attended": [p.attended for p in report.points],
        "answer_rate": [p.answer_rate_pct for p in report.points],
        "average": [p.average for p in report.points],
    }
    with chart_context(lang):
        return _png(fig, plotted)
