"""Survey Block Kit: the DM (rating row, thanks/edit, closed), the feedback modal, the talk modal's survey
fields, the report and the thread summary. Pure functions of their inputs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import SurveyAnswer, Talk
from bot.i18n import t, tn
from bot.views.followup import links_text
from bot.views.formatting import mention, mrkdwn_escape, plain, slack_date, truncate
from bot.views.pulse import LegendItem, emoji_code, label_for

CUSTOM_QUESTION_MAX = 300
TEXT_ANSWER_MAX = 2000
RATINGS = (1, 2, 3, 4, 5)


# The talk modal's survey fields (creation) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyChoices:
    custom_question: str | None = None
    post_summary: bool = True


def survey_choice_blocks(lang: str, *, question: str | None = None, post_summary: bool = True) -> list[InputBlock]:
    """Optional inputs of the new-talk modal's "More options"; absent values mean the defaults. `question` and
    `post_summary` are what was typed before the form was redrawn."""
    summary = Option(value=ids.SURVEY_OPTION_POST_SUMMARY, label=t(lang, "survey.field.post_summary"))
    return [
        InputBlock(
            block_id=ids.BLOCK_SURVEY_QUESTION,
            label=t(lang, "survey.field.question"),
            hint=t(lang, "survey.field.question.hint"),
            optional=True,
            element=PlainTextInputElement(
                action_id=ids.ACTION_SURVEY_QUESTION,
                max_length=CUSTOM_QUESTION_MAX,
                initial_value=(question or "")[:CUSTOM_QUESTION_MAX] or None,
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_SURVEY_OPTIONS,
            label=t(lang, "survey.field.options"),
            optional=True,
            element=CheckboxesElement(
                action_id=ids.ACTION_SURVEY_OPTIONS,
                options=[summary],
                initial_options=[summary] if post_summary else None,
            ),
        ),
    ]


def parse_survey_choices(values: dict[str, dict[str, dict[str, Any]]]) -> SurveyChoices:
    question = ((values.get(ids.BLOCK_SURVEY_QUESTION) or {}).get(ids.ACTION_SURVEY_QUESTION) or {}).get("value")
    question = " ".join(str(question or "").split())[:CUSTOM_QUESTION_MAX] or None
    options = (values.get(ids.BLOCK_SURVEY_OPTIONS) or {}).get(ids.ACTION_SURVEY_OPTIONS)
    if options is None:  # no such field in the form: the default
        return SurveyChoices(custom_question=question)
    selected = options.get("selected_options") or []
    post_summary = any(o.get("value") == ids.SURVEY_OPTION_POST_SUMMARY for o in selected)
    return SurveyChoices(custom_question=question, post_summary=post_summary)


# The DM --------------------------------------------------------------------------------------------------------------


def survey_metadata(talk_id: int, kind: str) -> Metadata:
    """Lets a restarted worker find a DM it posted but could not record (no second DM)."""
    return Metadata(event_type=ids.METADATA_SURVEY_EVENT_TYPE, event_payload={"talk_id": talk_id, "kind": kind})


@dataclass(frozen=True)
class ReportChart:
    """A chart uploaded (unshared) for a report message, shown there by an image block."""

    file_id: str
    title: str
    alt_text: str


def report_metadata(talk_id: int, user_id: str, stage: str) -> Metadata:
    """Finds a report DM again after a crash lost its ts: talk, reader and stage (preliminary or final)."""
    return Metadata(
        event_type=ids.METADATA_REPORT_EVENT_TYPE,
        event_payload={"talk_id": talk_id, "user_id": user_id, "stage": stage},
    )


def _rating_row(lang: str, talk_id: int, selected: int | None) -> ActionsBlock:
    return ActionsBlock(
        block_id=ids.BLOCK_SURVEY_RATING,
        elements=[
            ButtonElement(
                action_id=f"{ids.ACTION_SURVEY_RATE}_{n}",
                text=str(n) if n != selected else f"✓ {n}",
                value=f"{talk_id}:{n}",
                style="primary" if n == selected else None,
            )
            for n in RATINGS
        ],
    )


def survey_dm_text(lang: str, talk: Talk, *, reminder: bool = False) -> str:
    return t(lang, "survey.reminder.fallback" if reminder else "survey.dm.fallback", title=mrkdwn_escape(talk.title))


def build_survey_dm(
    lang: str,
    talk: Talk,
    *,
    answer: SurveyAnswer | None = None,
    closes_at: datetime | None = None,
    closed: bool = False,
    reminder: bool = False,
) -> list[Block]:
    """The survey DM: the question and 1..5 row; after an answer, "thanks, your answer: 4/5" with Edit."""
    intro_key = "survey.reminder" if reminder else "survey.dm.intro"
    when = slack_date(closes_at, talk.timezone) if closes_at else ""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=truncate(t(lang, intro_key, title=mrkdwn_escape(talk.title), when=when), 3000))
        )
    ]
    if closed:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "survey.dm.closed_note"))]))
        return blocks + _links(lang, talk)
    answered = answer is not None
    if answered and answer is not None and answer.overall is not None:
        thanks = t(lang, "survey.dm.thanks", overall=answer.overall)
    elif answered:
        thanks = t(lang, "survey.dm.thanks_plain")
    if answered:
        blocks = [
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(t(lang, "survey.modal.heading", title=mrkdwn_escape(talk.title)), 3000)
                )
            )
        ]
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=thanks),
                accessory=ButtonElement(
                    action_id=ids.ACTION_SURVEY_MORE, text=t(lang, "survey.button.edit"), value=str(talk.id)
                ),
            )
        )
        blocks.append(_rating_row(lang, talk.id, answer.overall if answer else None))
    else:
        blocks.append(_rating_row(lang, talk.id, None))
        blocks.append(
            ActionsBlock(
                block_id=ids.BLOCK_SURVEY_ACTIONS,
                elements=[
                    ButtonElement(
                        action_id=ids.ACTION_SURVEY_MORE, text=t(lang, "survey.button.more"), value=str(talk.id)
                    )
                ],
            )
        )
    footer = t(lang, "survey.dm.editable", when=when) if closes_at else t(lang, "survey.dm.scale")
    if answered and closes_at:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "survey.dm.scale"))]))
    return blocks + _links(lang, talk)


def _links(lang: str, talk: Talk) -> list[Block]:
    """Follow-up: the slides and recording, once known (bot/views/followup.py)."""
    links = links_text(lang, talk)
    return [ContextBlock(elements=[MarkdownTextObject(text=truncate(links, 3000))])] if links else []


# The feedback modal --------------------------------------------------------------------------------------------------


def _rating_option(lang: str, n: int) -> Option:
    return Option(value=str(n), label=t(lang, f"survey.rating.{n}"))


def segment_rating(answer: SurveyAnswer | None, position: int) -> int | None:
    """An answer's rating of one part of the agenda."""
    if answer is None or not answer.segment_ratings:
        return None
    value = json.loads(answer.segment_ratings).get(str(position))
    return int(value) if value in RATINGS else None


def _rating_select(
    lang: str, block_id: str, action_id: str, label_key: str, current: int | None, **label_args: object
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=truncate(t(lang, label_key, **label_args), 2000),
        optional=True,
        element=StaticSelectElement(
            action_id=action_id,
            options=[_rating_option(lang, n) for n in RATINGS],
            initial_option=_rating_option(lang, current) if current in RATINGS else None,
        ),
    )


def _text_input(
    lang: str, block_id: str, action_id: str, label: str, current: str | None, *, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=truncate(plain(label), 2000),
        hint=hint,
        optional=True,
        element=PlainTextInputElement(
            action_id=action_id, multiline=True, max_length=TEXT_ANSWER_MAX, initial_value=current or None
        ),
    )


def build_feedback_modal(lang: str, talk: Talk, *, custom_question: str | None, answer: SurveyAnswer | None) -> View:
    share = Option(value=ids.SHARE_NAME_VALUE, label=t(lang, "survey.modal.share"))
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=truncate(t(lang, "survey.modal.heading", title=mrkdwn_escape(talk.title)), 3000)
            )
        ),
        _rating_select(
            lang,
            ids.BLOCK_SURVEY_OVERALL,
            ids.ACTION_SURVEY_OVERALL,
            "survey.modal.overall",
            answer.overall if answer else None,
        ),
        _rating_select(
            lang,
            ids.BLOCK_SURVEY_USEFULNESS,
            ids.ACTION_SURVEY_USEFULNESS,
            "survey.modal.usefulness",
            answer.usefulness if answer else None,
        ),
        # agenda: each part rated on its own (its speaker gets their own line in the report).
        *[
            _rating_select(
                lang,
                f"{ids.BLOCK_SURVEY_SEGMENT}{segment.position}",
                ids.ACTION_SURVEY_SEGMENT,
                "survey.modal.segment",
                segment_rating(answer, segment.position),
                title=truncate(plain(segment.title), 150),
            )
            for segment in talk.segments
        ],
        _text_input(
            lang,
            ids.BLOCK_SURVEY_IMPROVE,
            ids.ACTION_SURVEY_IMPROVE,
            t(lang, "survey.modal.improve"),
            answer.improve if answer else None,
        ),
        _text_input(
            lang,
            ids.BLOCK_SURVEY_TOPICS,
            ids.ACTION_SURVEY_TOPICS,
            t(lang, "survey.modal.topics"),
            answer.topics if answer else None,
        ),
        # pipeline: a wish for a future talk, shown on the proposals board without a name.
        _text_input(
            lang,
            ids.BLOCK_SURVEY_COVER_NEXT,
            ids.ACTION_SURVEY_COVER_NEXT,
            t(lang, "survey.modal.cover_next"),
            answer.cover_next if answer else None,
            hint=t(lang, "survey.modal.cover_next.hint"),
        ),
    ]
    if custom_question:
        blocks.append(
            _text_input(
                lang,
                ids.BLOCK_SURVEY_CUSTOM,
                ids.ACTION_SURVEY_CUSTOM,
                custom_question,
                answer.custom_answer if answer else None,
            )
        )
    blocks.append(
        InputBlock(
            block_id=ids.BLOCK_SURVEY_SHARE,
            label=t(lang, "survey.modal.share"),
            hint=t(lang, "survey.modal.share.hint"),
            optional=True,
            element=CheckboxesElement(
                action_id=ids.ACTION_SURVEY_SHARE,
                options=[share],
                initial_options=[share] if answer is not None and answer.share_name else None,
            ),
        )
    )
    return View(
        type="modal",
        callback_id=ids.CALLBACK_SURVEY_FEEDBACK,
        title=t(lang, "survey.modal.title"),
        submit=t(lang, "survey.modal.submit"),
        close=t(lang, "survey.modal.close"),
        private_metadata=str(talk.id),
        blocks=blocks,
    )


def parse_feedback(
    values: dict[str, dict[str, dict[str, Any]]], *, has_custom: bool, segments: int = 0
) -> dict[str, Any]:
    """The answer fields from the modal (every field: an emptied field clears the stored answer)."""

    def value(block: str, action: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(action) or {}

    def rating(block: str, action: str) -> int | None:
        raw = (value(block, action).get("selected_option") or {}).get("value")
        return int(raw) if raw in {str(n) for n in RATINGS} else None

    def text(block: str, action: str) -> str | None:
        return str(value(block, action).get("value") or "").strip()[:TEXT_ANSWER_MAX] or None

    selected = value(ids.BLOCK_SURVEY_SHARE, ids.ACTION_SURVEY_SHARE).get("selected_options") or []
    fields: dict[str, Any] = {
        "overall": rating(ids.BLOCK_SURVEY_OVERALL, ids.ACTION_SURVEY_OVERALL),
        "usefulness": rating(ids.BLOCK_SURVEY_USEFULNESS, ids.ACTION_SURVEY_USEFULNESS),
        "improve": text(ids.BLOCK_SURVEY_IMPROVE, ids.ACTION_SURVEY_IMPROVE),
        "topics": text(ids.BLOCK_SURVEY_TOPICS, ids.ACTION_SURVEY_TOPICS),
        "cover_next": text(ids.BLOCK_SURVEY_COVER_NEXT, ids.ACTION_SURVEY_COVER_NEXT),
        "share_name": any(o.get("value") == ids.SHARE_NAME_VALUE for o in selected),
    }
    if has_custom:
        fields["custom_answer"] = text(ids.BLOCK_SURVEY_CUSTOM, ids.ACTION_SURVEY_CUSTOM)
    if segments:
        parts = {
            str(n): r
            for n in range(segments)
            if (r := rating(f"{ids.BLOCK_SURVEY_SEGMENT}{n}", ids.ACTION_SURVEY_SEGMENT)) is not None
        }
        fields["segment_ratings"] = json.dumps(parts, sort_keys=True) if parts else None
    return fields


# The report ----------------------------------------------------------------------------------------------------------


def _fmt_avg(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "–"


BAR_WIDTH = 10  # characters of the longest bar


def _distribution(dist: dict[int, int]) -> str:
    """One line per rating, best first, with a bar scaled to the most common rating: `5★` ██████░░░░ 3."""
    top = max(dist.values(), default=0) or 1
    lines = []
    for n in reversed(RATINGS):
        count = dist.get(n, 0)
        filled = max(1 if count else 0, round(BAR_WIDTH * count / top))
        lines.append(f"`{n}★` {'█' * filled}{'░' * (BAR_WIDTH - filled)} {count}")
    return "\n".join(lines)


def _reaction_totals(lang: str, totals: dict[str, int], legend: list[LegendItem]) -> str:
    """`:clap: applause 7 · :bulb: learned something 2`: the legend's meaning next to each emoji."""
    items = []
    for emoji, count in sorted(totals.items(), key=lambda item: (-item[1], item[0])):
        label = label_for(lang, emoji, legend)
        items.append(f"{emoji_code(emoji)} {label} {count}" if label != emoji else f"{emoji_code(emoji)} {count}")
    return " · ".join(items)


def build_report(
    lang: str,
    report: Any,
    *,
    final: bool,
    closes_at: datetime | None,
    timezone: str,
    legend: list[LegendItem] | None = None,
    charts: list[ReportChart] | None = None,
) -> list[Block]:
    """`report` is a bot.services.surveys.report.Report (typed Any to keep views free of service imports);
    `legend` is the reaction legend, to say what each emoji meant; `charts` are shown below the numbers."""
    blocks: list[Block] = [HeaderBlock(text=truncate(t(lang, "report.header", title=plain(report.title)), 150))]
    status = (
        t(lang, "report.final")
        if final
        else t(lang, "report.preliminary", when=slack_date(closes_at, timezone) if closes_at else "")
    )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=status)]))
    lines = [
        _turnout(lang, report),
        t(
            lang,
            "report.responses",
            count=report.responses,
            people=tn(lang, "report.people", report.asked),
            rate=report.response_rate_pct,
        ),
    ]
    ratings = (
        ("report.label.overall", report.overall_avg, report.overall_dist),
        ("report.label.usefulness", report.usefulness_avg, report.usefulness_dist),
    )
    for label_key, avg, dist in () if report.withheld else ratings:
        label = t(lang, label_key)
        if avg is None:
            lines.append(t(lang, "report.rating.none", label=label))
        else:
            answers = tn(lang, "report.answers", sum(dist.values()))
            lines.append(
                t(lang, "report.rating", label=label, avg=_fmt_avg(avg), answers=answers, dist=_distribution(dist))
            )
    if not report.withheld and report.segments:
        lines.append(t(lang, "report.segments"))
        for part in report.segments:
            name = mrkdwn_escape(part.title)
            if part.average is None:
                lines.append(
                    t(
                        lang,
                        "report.segment.hidden",
                        title=name,
                        speaker=mention(part.speaker_id),
                        min=report.min_responses,
                    )
                )
            else:
                answers = tn(lang, "report.answers", part.answers)
                lines.append(
                    t(
                        lang,
                        "report.segment",
                        title=name,
                        speaker=mention(part.speaker_id),
                        avg=_fmt_avg(part.average),
                        answers=answers,
                    )
                )
    if report.questions is not None:
        lines.append(t(lang, "report.questions", asked=report.questions.asked, answered=report.questions.answered))
        lines += [
            t(lang, "report.question", text=mrkdwn_escape(truncate(q, 200)), votes=tn(lang, "report.votes", v))
            for q, v in report.questions.top
        ]
    if report.reaction_totals is not None:
        if report.reaction_totals:
            totals = _reaction_totals(lang, report.reaction_totals, legend or [])
            lines.append(t(lang, "report.reactions", totals=totals))
        else:
            lines.append(t(lang, "report.reactions.none"))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), 3000))))
    blocks += [
        ImageBlock(
            slack_file={"id": chart.file_id},
            alt_text=truncate(chart.alt_text, 2000),
            title=PlainTextObject(text=truncate(chart.title, 2000)),
        )
        for chart in charts or []
    ]
    if report.withheld:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=tn(lang, "report.withheld", report.responses, min=report.min_responses))
                ]
            )
        )
        return blocks  # below the threshold: the count only, no ratings and no comments, for everyone
    groups: list[tuple[str, list[tuple[str, str | None]]]] = [
        (t(lang, "report.comments.improve"), report.improve),
        (t(lang, "report.comments.topics"), report.topics),
    ]
    if report.custom_question:
        groups.append((report.custom_question, report.custom))
    blocks.append(DividerBlock())
    for label, comments in groups:
        body = "\n".join(
            t(
                lang,
                "report.comment",
                text=mrkdwn_escape(truncate(text, 500)),
                who=mention(who) if who else t(lang, "report.anonymous"),
            )
            for text, who in comments
        )
        text = (
            t(lang, "report.comments", label=mrkdwn_escape(truncate(label, 200)))
            + "\n"
            + (body or t(lang, "report.no_comments"))
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000))))
    return blocks


def report_text(lang: str, report: Any) -> str:
    return t(lang, "report.header", title=mrkdwn_escape(report.title))


def summary_text(lang: str, report: Any) -> str:
    """The aggregate line for the announcement's thread: no comments, no names."""
    return t(
        lang,
        "report.summary",
        title=mrkdwn_escape(report.title),
        answers=tn(lang, "report.answers", report.responses),
        overall=_fmt_avg(report.overall_avg),
        usefulness=_fmt_avg(report.usefulness_avg),
    )


# home: attendance in plain words ("3 registered, 2 attended (no-show rate 33%)")
def _turnout(lang: str, report: Any) -> str:
    if report.no_show_pct is None:
        return t(lang, "report.turnout.no_rsvp", attended=report.attended)
    return t(lang, "report.turnout", registered=report.going, attended=report.attended, rate=report.no_show_pct)
