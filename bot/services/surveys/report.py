"""The survey's numbers, charts (PNG, matplotlib headless) and CSV export. Pure functions of the database."""

from __future__ import annotations

import csv
import io
import json
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, cast

from sqlalchemy.orm import Session

from bot.db import repositories as repo
from bot.db import surveys_repo as srepo
from bot.db.models import SurveyAnswer, SurveyMessageStatus, Talk
from bot.i18n import t
from bot.services.reactions.legend import legend_meaning
from bot.services.talks import attendance
from bot.views.pulse import LegendItem
from bot.views.survey import segment_rating

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RATINGS = (1, 2, 3, 4, 5)
TIMELINE_EMOJI = 3  # the main emoji shown in the reaction timeline


@dataclass(frozen=True)
class SegmentScore:
    """One part of the agenda as the survey rated it; `average` is None below the k-anonymity threshold (each part
    on its own: a part rated by two people shows no average even when the talk has ten answers)."""

    title: str
    speaker_id: str
    start_minute: float
    answers: int
    average: float | None


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
    duration_minutes: float | None = None  # how long the talk really ran (start to ended_at): the time axis
    extra: dict[str, object] = field(default_factory=dict)
    attended: int = 0  # joined, reacted, asked or voted while live (bot/services/talks/attendance.py)
    no_show_pct: int | None = None  # of those who signed up, the share who did not attend
    segments: list[SegmentScore] = field(default_factory=list)  # agenda parts, in order

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
    duration = real_duration_minutes(talk)
    timeline: dict[str, list[int]] | None = None
    if minutes is not None:
        # Minutes counted from the same start as the reactions service (went live, else planned), up to the real
        # end: a talk planned for 45 minutes that ended at 25 shows 25, one that overran shows the overrun.
        span = max(1, math.ceil(duration))
        shown = {e: sum(v for m, v in per.items() if 0 <= m < span) for e, per in minutes.items()}
        main = sorted((e for e in shown if shown[e]), key=lambda e: (-shown[e], e))[:TIMELINE_EMOJI]
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
        duration_minutes=duration,
        attended=turnout.attended,
        no_show_pct=turnout.no_show_pct,
        segments=_segment_scores(talk, answers, min_responses),
    )


def _segment_scores(talk: Talk, answers: list[SurveyAnswer], min_responses: int) -> list[SegmentScore]:
    scores, start = [], 0.0
    for segment in talk.segments:
        ratings = [rating for answer in answers if (rating := segment_rating(answer, segment.position)) is not None]
        average = round(sum(ratings) / len(ratings), 1) if len(ratings) >= min_responses else None
        scores.append(SegmentScore(segment.title, segment.speaker_id, start, len(ratings), average))
        start += segment.minutes
    return scores


def real_duration_minutes(talk: Talk) -> float:
    """Minutes from the start (went live, else planned) to the real end (ended_at, else the planned end)."""
    started = talk.went_live_at or talk.starts_at
    ended = talk.ended_at or talk.ends_at
    return max((ended - started).total_seconds() / 60, 1.0)


# Charts ---------------------------------------------------------------------------------------------------------------

# Japanese charts use IPAexGothic, bundled by matplotlib-fontja (see docs/architecture.md): matplotlib's own
# DejaVu Sans has no kana or kanji, and a server usually has no CJK font installed.
JA_FONT = "IPAexGothic"
# matplotlib falls back glyph by glyph along the list: a Japanese title in an English chart still renders.
_FONTS: dict[str, list[str]] = {"ja": [JA_FONT, "DejaVu Sans"], "en": ["DejaVu Sans", JA_FONT]}
_font_registered = False
# rcParams are process-wide: two threads drawing charts for readers of different languages at once would swap each
# other's fonts mid-figure. Charts are a few per talk, so they are drawn one at a time.
_CHART_LOCK = threading.RLock()


@contextmanager
def chart_context(lang: str) -> Iterator[ModuleType]:
    """pyplot, with the reader's fonts, held by this thread alone while a figure is built or saved."""
    with _CHART_LOCK:
        plt = _pyplot()
        with plt.rc_context({"font.family": chart_fonts(lang)}):
            yield plt


def _pyplot() -> ModuleType:
    """matplotlib (with numpy and Pillow, some 40 MB) is loaded when the first chart is drawn, not at start-up:
    charts are drawn a few times per talk, and a process that never draws one never holds it."""
    global _font_registered
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on a server; must precede pyplot
    import matplotlib.pyplot as plt

    if not _font_registered:
        # Importing matplotlib_fontja registers its IPAexGothic file with matplotlib's font manager, and also makes
        # it every chart's default font: undone here, since each chart picks its fonts for its reader (chart_fonts).
        import importlib

        importlib.import_module("matplotlib_fontja")
        matplotlib.rcParams["font.family"] = matplotlib.rcParamsDefault["font.family"]
        _font_registered = True
    return plt


def chart_fonts(lang: str) -> list[str]:
    """Font families for a chart read in `lang` (the first one that has a glyph draws it)."""
    return _FONTS.get(lang, _FONTS["en"])


def _plain(text: str) -> str:
    """Text for matplotlib: a `$` would start its maths mode."""
    return text.replace("$", r"\$")


def _png(fig: Figure, series: dict[str, object]) -> bytes:
    """Render and close; the plotted series go into the PNG's Description text chunk (checkable, and useful to
    anyone re-using the image)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Description": json.dumps(series, sort_keys=True)})
    _pyplot().close(fig)
    return buffer.getvalue()


def ratings_figure(report: Report, lang: str) -> Figure:
    """Grouped bars: answers per rating 1..5 for overall and usefulness, labelled in the reader's language."""
    from matplotlib.ticker import MaxNLocator

    with chart_context(lang) as plt:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        width = 0.38
        overall = [report.overall_dist.get(n, 0) for n in RATINGS]
        useful = [report.usefulness_dist.get(n, 0) for n in RATINGS]
        left, right = [n - width / 2 for n in RATINGS], [n + width / 2 for n in RATINGS]
        ax.bar(left, overall, width, label=t(lang, "report.label.overall"), color="#4a90d9")
        ax.bar(right, useful, width, label=t(lang, "report.label.usefulness"), color="#f5a623")
        ax.set_xticks(list(RATINGS))
        ax.set_xlabel(t(lang, "chart.ratings.x"))
        ax.set_ylabel(t(lang, "chart.ratings.y"))
        ax.set_title(t(lang, "chart.ratings.title"))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        fig.tight_layout()
    return cast("Figure", fig)


def ratings_chart(report: Report, lang: str) -> bytes:
    overall = [report.overall_dist.get(n, 0) for n in RATINGS]
    useful = [report.usefulness_dist.get(n, 0) for n in RATINGS]
    fig = ratings_figure(report, lang)
    with chart_context(lang):
        return _png(fig, {"chart": "ratings", "overall": overall, "usefulness": useful})


def timeline_figure(report: Report, lang: str, legend: Sequence[LegendItem] = ()) -> Figure | None:
    """Reactions added per minute of the talk, one line per main emoji, named by what it meant; the time axis
    ends at the talk's real end. None without reaction data."""
    if not report.timeline:
        return None
    from matplotlib.ticker import MaxNLocator

    with chart_context(lang) as plt:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for emoji, counts in report.timeline.items():
            meaning = legend_meaning(lang, emoji, legend or None)
            label = _plain(meaning[:1].upper() + meaning[1:])  # a legend entry starts with a capital
            ax.plot(range(len(counts)), counts, marker="o", markersize=3, label=label)
        end = report.duration_minutes or max(len(c) for c in report.timeline.values())
        ax.set_xlim(0, end)
        # agenda: the timeline split at each part's start, labelled with the part.
        for part in report.segments:
            if 0 < part.start_minute < end:
                ax.axvline(part.start_minute, color="#999999", linestyle="--", linewidth=1)
            if part.start_minute < end:
                ax.text(
                    part.start_minute + 0.2,
                    1.0,
                    _plain(part.title[:30]),
                    transform=ax.get_xaxis_transform(),
                    fontsize=8,
                    va="top",
                    color="#555555",
                )
        ax.set_ylim(bottom=0)  # counts: a quiet minute sits on the axis, not mid-chart
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(t(lang, "chart.timeline.x"))
        ax.set_ylabel(t(lang, "chart.timeline.y"))
        ax.set_title(t(lang, "chart.timeline.title"))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        fig.tight_layout()
    return cast("Figure", fig)


def timeline_chart(report: Report, lang: str, legend: Sequence[LegendItem] = ()) -> bytes | None:
    fig = timeline_figure(report, lang, legend)
    if fig is None:
        return None
    with chart_context(lang):
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
