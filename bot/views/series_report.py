"""The series report ("How is the series doing?"): one line per talk, the trend chart, the topics people want."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, ImageBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.metadata import Metadata

from bot import ids
from bot.i18n import t, tn
from bot.services.series.report import SeriesReport, TalkPoint
from bot.views.formatting import mrkdwn_escape, plain, truncate


def series_report_text(lang: str, report: SeriesReport) -> str:
    return t(lang, "series.report.header", name=mrkdwn_escape(report.name))


def series_report_metadata(series_id: int, period: str) -> Metadata:
    return Metadata(
        event_type=ids.METADATA_EVENT_TYPE,
        event_payload={"series_id": series_id, "kind": "series_report", "period": period},
    )


def _talk_line(lang: str, point: TalkPoint) -> str:
    epoch = int(point.starts_at.timestamp())
    parts = [
        t(lang, "series.report.turnout", registered=point.registered, attended=point.attended)
        + (t(lang, "series.report.no_show", rate=point.no_show_pct) if point.no_show_pct is not None else ""),
        t(lang, "series.report.answers", answers=point.answers, asked=point.asked, rate=point.answer_rate_pct)
        if point.answer_rate_pct is not None
        else tn(lang, "series.report.answers_only", point.answers),
        f"★ {point.average:.1f}" if point.average is not None else t(lang, "series.report.withheld"),
    ]
    when = f"<!date^{epoch}^{{date_short}}|{point.starts_at:%Y-%m-%d}>"
    return t(lang, "series.report.talk", when=when, title=mrkdwn_escape(point.title), numbers=" · ".join(parts))


def build_series_report(lang: str, report: SeriesReport, *, chart_file_id: str | None = None) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=truncate(t(lang, "series.report.title", name=plain(report.name)), 150))]
    if not report.points:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t(lang, "series.report.empty"))))
        return blocks
    summary = tn(lang, "series.report.summary", len(report.points))
    if report.average is not None:
        summary += t(lang, "series.report.summary.average", average=f"{report.average:.1f}")
    lines = [summary, *(_talk_line(lang, p) for p in report.points)]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), 3000))))
    if chart_file_id:
        title = t(lang, "series.report.chart.title")
        blocks.append(
            ImageBlock(
                slack_file={"id": chart_file_id},
                alt_text=t(lang, "series.report.chart.alt"),
                title=truncate(title, 2000),
            )
        )
    if report.topics:
        topics = [t(lang, "series.report.topics")] + [
            f"• {mrkdwn_escape(title)} ({tn(lang, 'series.report.votes', votes)})" for title, votes in report.topics
        ]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(topics), 3000))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "series.report.footer"))]))
    return blocks
