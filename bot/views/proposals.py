"""Block Kit for the speaker pipeline: the propose modal, the proposals board and list, the decline modal, and
the speaker check-in, "slides ready?" and slides-link surfaces. Pure functions; every user text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UrlInputElement,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import Proposal, ProposalKind, Talk
from bot.domain import DESCRIPTION_MAX, TITLE_MAX, FieldErrors
from bot.i18n import t
from bot.views.formatting import mention, mrkdwn_escape, mrkdwn_link, plain, safe_url, slack_date, truncate

ABSTRACT_MAX = DESCRIPTION_MAX
REASON_MAX = 500
BOARD_MAX = 20  # entries shown on the board (2 blocks each, within the 50-block limit)
ABSTRACT_SHOWN = 300  # characters of an abstract on the board (the whole one goes into the talk form)


def propose_button(lang: str) -> ButtonElement:
    """ "Propose a talk": place it on any surface (Home, a series); its listener opens the propose modal."""
    return ButtonElement(action_id=ids.ACTION_PROPOSE, text=t(lang, "proposals.button.propose"), value="propose")


# --- The propose modal -------------------------------------------------------------------------------------------


def _date_block(lang: str, n: int, today: date) -> InputBlock:
    return InputBlock(
        block_id=f"{ids.BLOCK_PROPOSAL_DATE}_{n}",
        label=t(lang, "proposals.modal.date", n=n),
        optional=True,
        hint=PlainTextObject(text=t(lang, "proposals.modal.date.hint")) if n == 1 else None,
        element=DatePickerElement(action_id=ids.ACTION_PROPOSAL_DATE),
    )


def build_propose_modal(lang: str, *, title: str = "", channel_id: str | None = None, today: date) -> View:
    blocks: list[Block] = [
        InputBlock(
            block_id=ids.BLOCK_PROPOSAL_TITLE,
            label=t(lang, "proposals.modal.title_field"),
            element=PlainTextInputElement(
                action_id=ids.ACTION_PROPOSAL_TITLE,
                initial_value=plain(title)[:TITLE_MAX] or None,
                max_length=TITLE_MAX,
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_PROPOSAL_ABSTRACT,
            label=t(lang, "proposals.modal.abstract"),
            optional=True,
            element=PlainTextInputElement(
                action_id=ids.ACTION_PROPOSAL_ABSTRACT, multiline=True, max_length=ABSTRACT_MAX
            ),
        ),
        *[_date_block(lang, n, today) for n in range(1, ids.PROPOSAL_DATE_COUNT + 1)],
        InputBlock(
            block_id=ids.BLOCK_PROPOSAL_CHANNEL,
            label=t(lang, "proposals.modal.channel"),
            hint=PlainTextObject(text=t(lang, "proposals.modal.channel.hint")),
            element=ConversationSelectElement(
                action_id=ids.ACTION_PROPOSAL_CHANNEL,
                initial_conversation=channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.CALLBACK_PROPOSAL_NEW,
        title=t(lang, "proposals.modal.title"),
        submit=t(lang, "proposals.modal.submit"),
        close=t(lang, "proposals.modal.close"),
        blocks=blocks,
    )


@dataclass(frozen=True)
class ProposalInput:
    title: str
    abstract: str
    preferred_dates: list[date]
    channel_id: str


def _value(values: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    return dict((values.get(block) or {}).get(action) or {})


def parse_propose_submission(
    values: dict[str, Any], lang: str, *, today: date
) -> tuple[ProposalInput | None, FieldErrors]:
    errors = FieldErrors()
    title = plain(str(_value(values, ids.BLOCK_PROPOSAL_TITLE, ids.ACTION_PROPOSAL_TITLE).get("value") or "")).strip()
    if not title:
        errors.add(ids.BLOCK_PROPOSAL_TITLE, t(lang, "proposals.error.title"))
    abstract = plain(str(_value(values, ids.BLOCK_PROPOSAL_ABSTRACT, ids.ACTION_PROPOSAL_ABSTRACT).get("value") or ""))
    dates: list[date] = []
    for n in range(1, ids.PROPOSAL_DATE_COUNT + 1):
        block = f"{ids.BLOCK_PROPOSAL_DATE}_{n}"
        raw = _value(values, block, ids.ACTION_PROPOSAL_DATE).get("selected_date")
        if not raw:
            continue
        try:
            picked = date.fromisoformat(str(raw))
        except ValueError:
            errors.add(block, t(lang, "proposals.error.date"))
            continue
        if picked < today:
            errors.add(block, t(lang, "proposals.error.date_past"))
        elif picked not in dates:
            dates.append(picked)
    channel = str(
        _value(values, ids.BLOCK_PROPOSAL_CHANNEL, ids.ACTION_PROPOSAL_CHANNEL).get("selected_conversation") or ""
    )
    if not channel:
        errors.add(ids.BLOCK_PROPOSAL_CHANNEL, t(lang, "proposals.error.channel"))
    if errors:
        return None, errors
    return ProposalInput(
        title=title[:TITLE_MAX],
        abstract=abstract.strip()[:ABSTRACT_MAX],
        preferred_dates=sorted(dates),
        channel_id=channel,
    ), errors


# --- The board and the list --------------------------------------------------------------------------------------


def board_metadata(channel_id: str) -> Metadata:
    return Metadata(event_type=ids.METADATA_PROPOSALS_EVENT_TYPE, event_payload={"board": channel_id})


def board_text(lang: str, count: int) -> str:
    return t(lang, "proposals.board.text", count=count)


def _dates_line(lang: str, proposal: Proposal) -> str | None:
    raw = [part for part in (proposal.preferred_dates or "").split(",") if part]
    return t(lang, "proposals.entry.dates", dates=mrkdwn_escape(", ".join(raw))) if raw else None


def entry_text(lang: str, proposal: Proposal) -> str:
    by = (
        t(lang, "proposals.entry.from_survey")
        if proposal.kind is ProposalKind.TOPIC or not proposal.proposer_id
        else t(lang, "proposals.entry.by", user=mention(proposal.proposer_id))
    )
    lines = [f"*{mrkdwn_escape(proposal.title)}*", by]
    if proposal.kind is ProposalKind.TALK and proposal.abstract:
        lines.append(mrkdwn_escape(truncate(proposal.abstract, ABSTRACT_SHOWN)))
    if dates := _dates_line(lang, proposal):
        lines.append(dates)
    return truncate("\n".join(lines), 3000)


def _entry_blocks(lang: str, proposal: Proposal, votes: int) -> list[Block]:
    upvote = ButtonElement(
        action_id=ids.ACTION_PROPOSAL_UPVOTE,
        text=t(lang, "proposals.button.upvote", count=votes),
        value=str(proposal.id),
    )
    return [
        SectionBlock(
            block_id=f"proposal_{proposal.id}",
            text=MarkdownTextObject(text=entry_text(lang, proposal)),
            accessory=upvote,
        ),
        ActionsBlock(
            block_id=f"proposal_actions_{proposal.id}",
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_PROPOSAL_ACCEPT,
                    text=t(lang, "proposals.button.accept"),
                    value=str(proposal.id),
                ),
                ButtonElement(
                    action_id=ids.ACTION_PROPOSAL_DECLINE,
                    text=t(lang, "proposals.button.decline"),
                    value=str(proposal.id),
                ),
            ],
        ),
    ]


def build_proposals_board(lang: str, entries: Sequence[tuple[Proposal, int]]) -> list[Block]:
    """The channel's board: open proposals and survey topics, most upvoted first."""
    blocks: list[Block] = [
        HeaderBlock(text=t(lang, "proposals.board.header")),
        SectionBlock(text=MarkdownTextObject(text=t(lang, "proposals.board.intro")), accessory=propose_button(lang)),
    ]
    if not entries:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "proposals.board.empty"))]))
        return blocks
    for proposal, votes in entries[:BOARD_MAX]:
        blocks += _entry_blocks(lang, proposal, votes)
    if len(entries) > BOARD_MAX:
        more = t(lang, "proposals.board.more", count=len(entries) - BOARD_MAX)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def build_proposal_list(lang: str, entries: Sequence[tuple[Proposal, int]]) -> list[Block]:
    """`/lunchlearn proposals`: the same entries, for the person who asked (every board of the workspace)."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=t(lang, "proposals.list.header")))]
    if not entries:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t(lang, "proposals.board.empty"))))
    for proposal, votes in entries[:BOARD_MAX]:
        blocks += _entry_blocks(lang, proposal, votes)
    if len(entries) > BOARD_MAX:
        more = t(lang, "proposals.list.more", count=len(entries) - BOARD_MAX)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    blocks.append(ActionsBlock(elements=[propose_button(lang)]))
    return blocks


def build_decline_modal(lang: str, *, proposal: Proposal) -> View:
    body = t(lang, "proposals.decline.body", title=mrkdwn_escape(proposal.title))
    if proposal.kind is ProposalKind.TOPIC:
        body = t(lang, "proposals.decline.body_topic", title=mrkdwn_escape(proposal.title))
    return View(
        type="modal",
        callback_id=ids.CALLBACK_PROPOSAL_DECLINE,
        title=t(lang, "proposals.decline.title"),
        submit=t(lang, "proposals.decline.submit"),
        close=t(lang, "proposals.modal.close"),
        private_metadata=str(proposal.id),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=truncate(body, 3000))),
            InputBlock(
                block_id=ids.BLOCK_DECLINE_REASON,
                label=t(lang, "proposals.decline.reason"),
                optional=proposal.kind is ProposalKind.TOPIC,  # nobody to tell
                element=PlainTextInputElement(
                    action_id=ids.ACTION_DECLINE_REASON, multiline=True, max_length=REASON_MAX
                ),
            ),
        ],
    )


def parse_decline_reason(values: dict[str, Any]) -> str:
    raw = _value(values, ids.BLOCK_DECLINE_REASON, ids.ACTION_DECLINE_REASON).get("value")
    return plain(str(raw or "")).strip()[:REASON_MAX]


# --- Speaker check-ins and slides ---------------------------------------------------------------------------------


def checkin_text(lang: str, talk: Talk) -> str:
    return t(lang, "checkin.ask", title=mrkdwn_escape(talk.title), when=slack_date(talk.starts_at, talk.timezone))


def build_checkin_dm(lang: str, talk: Talk, *, answer: str | None = None) -> list[Block]:
    """The 72-hour check-in: Confirm / Ask to reschedule; once answered, what was answered (buttons stay, so the
    speaker can change their mind)."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=truncate(checkin_text(lang, talk), 3000)))]
    if answer:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, f"checkin.answered.{answer}"))]))
    blocks.append(
        ActionsBlock(
            block_id="checkin_actions",
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_CHECKIN_CONFIRM,
                    text=t(lang, "checkin.button.confirm"),
                    value=str(talk.id),
                    style="primary",
                ),
                ButtonElement(
                    action_id=ids.ACTION_CHECKIN_RESCHEDULE,
                    text=t(lang, "checkin.button.reschedule"),
                    value=str(talk.id),
                ),
            ],
        )
    )
    return blocks


def slides_text(lang: str, talk: Talk) -> str:
    return t(lang, "slides.ask", title=mrkdwn_escape(talk.title), when=slack_date(talk.starts_at, talk.timezone))


def build_slides_reminder(lang: str, talk: Talk) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=truncate(slides_text(lang, talk), 3000)))]
    if talk.slides_url:
        link = mrkdwn_link(talk.slides_url, t(lang, "slides.link_label"))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "slides.current", link=link))]))
    blocks.append(
        ActionsBlock(
            block_id="slides_actions",
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_ADD_SLIDES,
                    text=t(lang, "slides.button.add"),
                    value=str(talk.id),
                    style="primary",
                )
            ],
        )
    )
    return blocks


def build_slides_modal(lang: str, talk: Talk) -> View:
    return View(
        type="modal",
        callback_id=ids.CALLBACK_SLIDES_LINK,
        title=t(lang, "slides.modal.title"),
        submit=t(lang, "slides.modal.submit"),
        close=t(lang, "proposals.modal.close"),
        private_metadata=str(talk.id),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(t(lang, "slides.modal.body", title=mrkdwn_escape(talk.title)), 3000)
                )
            ),
            InputBlock(
                block_id=ids.BLOCK_SLIDES_URL,
                label=t(lang, "slides.modal.url"),
                hint=PlainTextObject(text=t(lang, "slides.modal.url.hint")),
                element=UrlInputElement(action_id=ids.ACTION_SLIDES_URL, initial_value=talk.slides_url or None),
            ),
        ],
    )


def parse_slides_url(values: dict[str, Any]) -> tuple[str | None, bool]:
    """(the https URL, True) when valid; (None, False) when the field holds something unsafe or not https."""
    raw = str(_value(values, ids.BLOCK_SLIDES_URL, ids.ACTION_SLIDES_URL).get("value") or "").strip()
    url = safe_url(raw)
    return url, url is not None


def topic_title(text: str) -> str:
    """A survey wish as a board title: its first line, within the title limit."""
    first = plain(text).strip().splitlines()[0] if text.strip() else ""
    return truncate(first, TITLE_MAX)
