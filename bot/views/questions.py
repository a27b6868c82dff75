"""Live questions: the ask button and modal, a question's post in the live thread, the speakers' board,
the after-talk list and the answer modal. Pure builders: who asked arrives already rendered as `asker` (a mention,
"Anonymous" or "<name> via YouTube"), so no builder can leak an anonymous asker's id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import t, tn
from bot.views.formatting import mention, mrkdwn_escape, plain, truncate

MAX_QUESTION = 500
MAX_BLOCKS = 50
BOARD_FIXED_BLOCKS = 6  # header, summary, up to two pulse blocks, the "more" line, a spare
AFTER_MAX_ITEMS = 40  # one section each, below the 50-block limit with the header and intro


@dataclass(frozen=True)
class QuestionItem:
    """What a surface shows of one question."""

    id: int
    text: str
    asker: str  # already rendered and escaped mrkdwn: "<@U1>", "Anonymous" or "Ana via YouTube"
    votes: int
    status: str  # open | answered | hidden
    answer: str | None = None


def question_metadata(talk_id: int, question_id: int) -> Metadata:
    return Metadata(
        event_type=ids.METADATA_QUESTION_EVENT_TYPE, event_payload={"talk_id": talk_id, "question_id": question_id}
    )


def ask_blocks(lang: str, talk_id: int) -> list[Block]:
    """The live post's "Ask a question" button and how else to ask."""
    return [
        ActionsBlock(
            block_id=ids.BLOCK_QUESTION_ASK,
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_ASK_QUESTION, text=t(lang, "questions.ask.button"), value=str(talk_id)
                )
            ],
        ),
        ContextBlock(elements=[MarkdownTextObject(text=t(lang, "questions.ask.hint"))]),
    ]


def advance_ask_button(lang: str, talk_id: int) -> ButtonElement:
    """For the announcement's actions, before the talk starts."""
    return ButtonElement(
        action_id=ids.ACTION_ASK_QUESTION, text=t(lang, "questions.ask.advance_button"), value=str(talk_id)
    )


def _for_block(lang: str, speakers: list[tuple[str, str]], current: str | None) -> InputBlock:
    """With an agenda: which speaker the question is for (the one on now unless the asker picks another)."""
    options, seen = [], set()
    for user_id, part in speakers:
        if user_id in seen:
            continue
        seen.add(user_id)
        # An option's text is at most 75 characters; the mention shows as the speaker's name.
        label = f"{mention(user_id)}: " + truncate(mrkdwn_escape(part), 75 - len(mention(user_id)) - 2)
        options.append(Option(value=user_id, text=MarkdownTextObject(text=label)))
    initial = next((o for o in options if o.value == current), None)
    return InputBlock(
        block_id=ids.BLOCK_QUESTION_FOR,
        label=t(lang, "questions.modal.for"),
        hint=PlainTextObject(text=t(lang, "questions.modal.for.hint")),
        optional=True,
        element=RadioButtonsElement(action_id=ids.ACTION_QUESTION_FOR, options=options[:10], initial_option=initial),
    )


def build_ask_modal(
    lang: str,
    *,
    title: str,
    advance: bool,
    private_metadata: str,
    retention_days: int,
    speakers: list[tuple[str, str]] | None = None,
    current: str | None = None,
) -> View:
    """`retention_days`: how long an anonymous asker's id is kept after the talk (the hint says so). `speakers`:
    (speaker, part) of an agenda with several speakers, offered as who the question is for."""
    intro = t(lang, "questions.modal.intro_advance" if advance else "questions.modal.intro", title=mrkdwn_escape(title))
    return View(
        type="modal",
        callback_id=ids.CALLBACK_QUESTION_ASK,
        title=PlainTextObject(text=t(lang, "questions.modal.title")),
        submit=PlainTextObject(text=t(lang, "questions.modal.submit")),
        close=PlainTextObject(text=t(lang, "questions.modal.close")),
        private_metadata=private_metadata,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=truncate(intro, 3000))),
            InputBlock(
                block_id=ids.BLOCK_QUESTION_TEXT,
                label=t(lang, "questions.modal.field"),
                element=PlainTextInputElement(
                    action_id=ids.ACTION_QUESTION_TEXT,
                    multiline=True,
                    max_length=MAX_QUESTION,
                    placeholder=t(lang, "questions.modal.placeholder"),
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_QUESTION_OPTIONS,
                label=t(lang, "questions.modal.anonymous"),
                hint=PlainTextObject(text=t(lang, "questions.modal.anonymous.hint", days=retention_days)),
                optional=True,
                element=CheckboxesElement(
                    action_id=ids.ACTION_QUESTION_ANONYMOUS,
                    options=[
                        Option(
                            value=ids.OPTION_ANONYMOUS,
                            text=PlainTextObject(text=t(lang, "questions.modal.anonymous")),
                            # Slack rejects an option description over 75 characters; the details go in the hint
                            description=PlainTextObject(
                                text=truncate(t(lang, "questions.modal.anonymous.description"), 75)
                            ),
                        )
                    ],
                ),
            ),
        ]
        + ([_for_block(lang, speakers, current)] if speakers and len({s for s, _ in speakers}) > 1 else []),
    )


def question_post_text(lang: str, item: QuestionItem) -> str:
    if item.status == "hidden":
        return t(lang, "questions.post.removed")
    return truncate(t(lang, "questions.post.fallback", text=mrkdwn_escape(item.text)), 3000)


def build_question_post(lang: str, item: QuestionItem) -> list[Block]:
    """A question in the live thread: text, who asked, a vote button with the count."""
    if item.status == "hidden":
        return [SectionBlock(text=MarkdownTextObject(text=t(lang, "questions.post.removed")))]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=truncate(f"> {_quote(mrkdwn_escape(item.text))}", 3000))),
        ContextBlock(
            elements=[MarkdownTextObject(text=truncate(t(lang, "questions.post.asked_by", asker=item.asker), 3000))]
        ),
    ]
    if item.status == "answered":
        line = t(lang, "questions.post.answered")
        if item.answer:
            line += "\n" + t(lang, "questions.post.answer", answer=mrkdwn_escape(item.answer))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 3000))))
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_QUESTION_VOTE,
                    text=t(lang, "questions.vote.button", count=item.votes),
                    value=str(item.id),
                )
            ]
        )
    )
    return blocks


def _quote(text: str) -> str:
    # Keep every line of a multi-line question inside the quote.
    return text.replace("\n", "\n> ")


def board_capacity(extra_blocks: int) -> int:
    """How many questions fit on a board (two blocks each) next to the fixed blocks and `extra_blocks`."""
    return max(1, (MAX_BLOCKS - BOARD_FIXED_BLOCKS - extra_blocks) // 2)


def build_board(
    lang: str,
    *,
    title: str,
    items: Sequence[QuestionItem],
    hidden: int,
    pulse: Sequence[Block] = (),
) -> list[Block]:
    """The speaker's board: open questions ranked (votes, then time), then answered ones; Answered/Hide buttons.
    Shows what fits within Block Kit's 50 blocks and a count of the rest."""
    open_items = [i for i in items if i.status == "open"]
    answered = [i for i in items if i.status == "answered"]
    blocks: list[Block] = [HeaderBlock(text=truncate(t(lang, "questions.board.header", title=plain(title)), 150))]
    blocks.extend(pulse[:2])
    summary = t(lang, "questions.board.summary", open=len(open_items), answered=len(answered), hidden=hidden)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=summary)]))
    if not items:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t(lang, "questions.board.empty"))))
        return blocks
    capacity = board_capacity(len(pulse[:2]))
    shown = (open_items + answered)[:capacity]
    for rank, item in enumerate(shown, start=1):
        key = "questions.board.item" if item.status == "open" else "questions.board.item_answered"
        text = t(
            lang, key, rank=rank, text=mrkdwn_escape(truncate(item.text, 2500)), votes=item.votes, asker=item.asker
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000))))
        buttons = []
        if item.status == "open":
            buttons.append(
                ButtonElement(
                    action_id=ids.ACTION_QUESTION_ANSWERED,
                    text=t(lang, "questions.board.answered"),
                    value=str(item.id),
                    style="primary",
                )
            )
        buttons.append(
            ButtonElement(action_id=ids.ACTION_QUESTION_HIDE, text=t(lang, "questions.board.hide"), value=str(item.id))
        )
        blocks.append(ActionsBlock(block_id=f"qb_{item.id}", elements=buttons))
    rest = len(open_items) - len([i for i in shown if i.status == "open"])
    if rest > 0:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=tn(lang, "questions.board.more", rest))]))
    return blocks[:MAX_BLOCKS]


def build_after_talk(lang: str, *, title: str, items: Sequence[QuestionItem]) -> list[Block]:
    """A speaker's after-talk list of unanswered questions, each with an Answer button."""
    if not items:
        return [SectionBlock(text=MarkdownTextObject(text=t(lang, "questions.after.none", title=mrkdwn_escape(title))))]
    blocks: list[Block] = [
        HeaderBlock(text=truncate(t(lang, "questions.after.header", title=plain(title)), 150)),
        SectionBlock(text=MarkdownTextObject(text=t(lang, "questions.after.intro"))),
    ]
    for item in items[:AFTER_MAX_ITEMS]:
        text = t(
            lang,
            "questions.after.item",
            text=mrkdwn_escape(truncate(item.text, 2500)),
            votes=item.votes,
            asker=item.asker,
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=truncate(text, 3000)),
                accessory=ButtonElement(
                    action_id=ids.ACTION_QUESTION_ANSWER_LATER,
                    text=t(lang, "questions.after.answer_button"),
                    value=str(item.id),
                ),
            )
        )
    if len(items) > AFTER_MAX_ITEMS:
        more = t(lang, "questions.after.more", count=len(items) - AFTER_MAX_ITEMS)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def build_answer_modal(lang: str, *, question_id: int, text: str) -> View:
    return View(
        type="modal",
        callback_id=ids.CALLBACK_QUESTION_ANSWER,
        title=PlainTextObject(text=t(lang, "questions.answer_modal.title")),
        submit=PlainTextObject(text=t(lang, "questions.answer_modal.submit")),
        close=PlainTextObject(text=t(lang, "questions.modal.close")),
        private_metadata=str(question_id),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(t(lang, "questions.answer_modal.question", text=mrkdwn_escape(text)), 3000)
                )
            ),
            InputBlock(
                block_id=ids.BLOCK_ANSWER_TEXT,
                label=t(lang, "questions.answer_modal.field"),
                element=PlainTextInputElement(action_id=ids.ACTION_ANSWER_TEXT, multiline=True, max_length=3000),
            ),
        ],
    )


def build_talk_picker(lang: str, *, token: str, talks: Sequence[tuple[int, str]]) -> list[Block]:
    """/lunchlearn ask in a channel with several live talks: which one? (option value: "<talk id>:<draft token>")"""
    return [
        SectionBlock(
            text=MarkdownTextObject(text=t(lang, "questions.pick.text")),
            accessory=StaticSelectElement(
                action_id=ids.ACTION_QUESTION_PICK_TALK,
                placeholder=t(lang, "questions.pick.placeholder"),
                options=[
                    Option(value=f"{talk_id}:{token}", text=PlainTextObject(text=truncate(plain(title), 75)))
                    for talk_id, title in talks[:100]
                ],
            ),
        )
    ]
