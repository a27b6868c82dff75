"""The survey's numbers, charts (PNG, matplotlib headless) and CSV export. Pure functions of the database."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.db import repositories as repo
from bot.db import surveys_repo as srepo
from bot.db.models import SurveyAnswer, SurveyMessageStatus, Talk
from bot.i18n import t
from bot.services.talks import attendance

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RATINGS = (1, 2, 3, 4, 5)
TIMELINE_EMOJI = 3  # the main emoji shown in the reaction timeline


@dataclass
class Report:
    talk_id: int
    title: str
    going: int
    interacted: int
    asked: int  # survey DMs delivered
    responses: int
    overall_dist: dict[int, int]
    usefulness_dist: dict[int, int]
    overall_avg: float | None
    usefulness_avg: float | None
    improve: list[tuple[str, str | None]]  # (comment, user id if they opted in)
    topics: list[tuple[str, str | None]]
    custom: list[tuple[str, str | None]]
    custom_question: str | None
    questions: srepo.QuestionStats | None
    reaction_totals: dict[str, int] | None
    timeline: dict[str, list[int]] | None  # emoji -> added per minute, minute 0..duration-1
    min_responses: int
    withheld: bool = False  # fewer answers than min_responses: not for speakers or the thread
    extra: dict[str, object] = field(default_factory=dict)
    attended: int = 0  # joined, reacted, asked or voted while live (bot/services/talks/attendance.py)
    no_show_pct: int | None = None  # of those who signed up, the share who did not attend

    @property
    def response_rate_pct(self) -> int:
        return round(100 * self.responses / self.asked) if self.asked else 0


def _dist(values: list[int]) -> dict[int, int]:
    return {n: sum(1 for v in values if v == n) for n in RATINGS}


def _avg(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _comments(answers: list[SurveyAnswer], attr: str) -> list[tuple[str, str | None]]:
    return [(str(getattr(a, attr)), a.user_id if a.share_name else None) for a in answers if getattr(a, attr)]


def compute_report(*, session: Session, talk: Talk, min_responses: int) -> Report:
    answers = list(srepo.answers_for(session=session, talk_id=talk.id))
    config = srepo.get_config(session=session, talk_id=talk.id)
    invites = srepo.messages_for(session=session, talk_id=talk.id, kind=srepo.INVITE)
    overall = [a.overall for a in answers if a.overall is not None]
    useful = [a.usefulness for a in answers if a.usefulness is not None]
    minutes = srepo.reaction_minutes(session=session, talk_id=talk.id)
    timeline: dict[str, list[int]] | None = None
    if minutes is not None:
        span = max([talk.duration_minutes] + [m + 1 for per in minutes.values() for m in per if m >= 0])
        main = sorted(minutes, key=lambda e: -sum(v for m, v in minutes[e].items() if m >= 0))[:TIMELINE_EMOJI]
        timeline = {e: [minutes[e].get(m, 0) for m in range(span)] for e in main}
    custom_question = config.custom_question if config else None
    withheld = len(answers) < min_responses
    turnout = attendance.turnout(session, talk.id)
    if withheld:
        # k-anonymity for everyone (organiser, speakers, admins): below the threshold the report carries only the
        # count, so no view, chart or DM built from it can show a rating breakdown, an average or a comment.
        answers, overall, useful = [], [], []
    return Report(
        talk_id=talk.id,
        title=talk.title,
        going=repo.count_going(session=session, talk_id=talk.id),
        interacted=len(srepo.interaction_user_ids(session=session, talk_id=talk.id)),
        asked=sum(1 for m in invites if m.status is SurveyMessageStatus.SENT),
        responses=srepo.answer_count(session=session, talk_id=talk.id),
        overall_dist=_dist(overall),
        usefulness_dist=_dist(useful),
        overall_avg=_avg(overall),
        usefulness_avg=_avg(useful),
        improve=_comments(answers, "improve"),
        topics=_comments(answers, "topics"),
        custom=_comments(answers, "custom_answer") if custom_question else [],
        custom_question=custom_question,
        questions=srepo.question_stats(session=session, talk_id=talk.id),
        reaction_totals=srepo.reaction_totals(session=session, talk_id=talk.id),
        timeline=timeline,
        min_responses=min_responses,
        withheld=withheld,
        attended=turnout.attended,
        no_show_pct=turnout.no_show_pct,
    )


# Charts ---------------------------------------------------------------------------------------------------------------


def _pyplot() -> ModuleType:
    """matplotlib (with numpy and Pillow, some 40 MB) is loaded when the first chart is drawn, not at start-up:
    charts are drawn a few times per talk, and a process that never draws one never holds it."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on a server; must precede pyplot
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Figure, series: dict[str, object]) -> bytes:
    """Render and close; the plotted series go into the PNG's Description text chunk (checkable, and useful to
    anyone re-using the image)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Description": json.dumps(series, sort_keys=True)})
    _pyplot().close(fig)
    return buffer.getvalue()


def ratings_chart(report: Report, lang: str) -> bytes:
    """Grouped bars: answers per rating 1..5 for overall and usefulness."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = _pyplot().subplots(figsize=(6, 3.5))
    width = 0.38
    overall = [report.overall_dist.get(n, 0) for n in RATINGS]
    useful = [report.usefulness_dist.get(n, 0) for n in RATINGS]
    ax.bar([n - width / 2 for n in RATINGS], overall, width, label="Overall", color="#4a90d9")
    ax.bar([n + width / 2 for n in RATINGS], useful, width, label="Usefulness", color="#f5a623")
    ax.set_xticks(list(RATINGS))
    ax.set_xlabel(t(lang, "chart.ratings.x"))
    ax.set_ylabel(t(lang, "chart.ratings.y"))
    ax.set_title(t(lang, "chart.ratings.title"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    fig.tight_layout()
    return _png(fig, {"chart": "ratings", "overall": overall, "usefulness": useful})


def timeline_chart(report: Report, lang: str) -> bytes | None:
    """Reactions added per minute of the talk, one line per main emoji; None without reaction data."""
    if not report.timeline:
        return None
    from matplotlib.ticker import MaxNLocator

    fig, ax = _pyplot().subplots(figsize=(7, 3.5))
    for emoji, counts in report.timeline.items():
        ax.plot(range(len(counts)), counts, marker="o", markersize=3, label=emoji)
    ax.set_xlabel(t(lang, "chart.timeline.x"))
    ax.set_ylabel(t(lang, "chart.timeline.y"))
    ax.set_title(t(lang, "chart.timeline.title"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    fig.tight_layout()
    return _png(fig, {"chart": "timeline", "series": report.timeline})


# CSV ------------------------------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "talk_id",
    "respondent",
    "overall",
    "usefulness",
    "improve",
    "topics",
    "custom_question",
    "custom_answer",
)  # no per-answer timestamps: with the DM send times they would tell who answered what


def answers_csv(*, session: Session, talk: Talk) -> bytes:
    """One row per answer; the respondent's user id only when they chose to share their name. The caller checks
    the k-anonymity threshold first (see SurveyService.export_command)."""
    config = srepo.get_config(session=session, talk_id=talk.id)
    question = config.custom_question if config else None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = []
    for a in srepo.answers_for(session=session, talk_id=talk.id):
        rows.append(
            [
                talk.id,
                a.user_id if a.share_name else "",
                a.overall or "",
                a.usefulness or "",
                _safe(a.improve),
                _safe(a.topics),
                _safe(question),
                _safe(a.custom_answer) if question else "",
            ]
        )
    # Sorted by content, not by when people answered: the order would otherwise hint at who wrote which row.
    writer.writerows(sorted(rows, key=lambda row: [str(cell) for cell in row]))
    return out.getvalue().encode("utf-8-sig")  # BOM: Excel then reads Japanese text correctly


def _safe(value: str | None) -> str:
    """Free text from people, opened in spreadsheets: neutralise formula injection (=, +, -, @)."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
