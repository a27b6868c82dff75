"""The App Home tab, the viewer's control centre: plan a talk, live now, upcoming talks with RSVP, your own talks
with the organiser's menu, past talks with what you did and the links to go back to.

Each talk shows once: a talk the viewer organises or speaks at sits under "Your talks" while it is scheduled or
live, and under "Past talks" once it has ended."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import Talk, TalkStatus
from bot.i18n import t
from bot.views.formatting import mentions, mrkdwn_escape, mrkdwn_link, slack_date, truncate

SECTION_MAX = 10  # talks per section: 4 sections x (2 blocks x 10) + headers stays under the Home tab's 100 blocks
HOME_BLOCKS_MAX = 100  # https://docs.slack.dev/reference/views/home-tab-views (blocks: maximum of 100 items)


@dataclass(frozen=True)
class TalkLinks:
    """What the viewer gets for one talk beyond the talk itself (all optional)."""

    announcement: str | None = None  # the announcement's permalink
    report: str | None = None  # the viewer's own report DM, when they got one (organiser, speakers)
    recording: str | None = None
    slides: str | None = None  # follow-up: the speaker's slides
    went: bool | None = None  # past talks only: None unless the viewer RSVPed going
    manage: bool = False  # the viewer may start, end, edit or cancel it


NO_LINKS = TalkLinks()


def _menu(lang: str, talk: Talk) -> OverflowMenuElement:
    """The announcement's organiser actions, in the viewer's language (the service checks again on use)."""
    if talk.status is TalkStatus.LIVE:
        choices = [(ids.MENU_END_NOW, "menu.end_now"), (ids.MENU_EDIT, "menu.edit")]
    else:
        choices = [
            (ids.MENU_START_NOW, "menu.start_now"),
            (ids.MENU_EDIT, "menu.edit"),
            (ids.MENU_CANCEL, "menu.cancel"),
        ]
    options = [Option(value=f"{choice}:{talk.id}", label=t(lang, key)) for choice, key in choices]
    return OverflowMenuElement(action_id=ids.ACTION_TALK_MENU, options=options)


def _talk_text(lang: str, talk: Talk, links: TalkLinks, *, going: bool, past: bool) -> str:
    lines = [
        f"*{mrkdwn_escape(talk.title)}*",
        f"{slack_date(talk.starts_at, talk.timezone)} · {mentions(talk.speaker_ids)}",
    ]
    status = []
    if talk.status is TalkStatus.LIVE:
        status.append(t(lang, "home.status.live"))
    if past:
        if links.went is True:
            status.append(t(lang, "home.went"))
        elif links.went is False:
            status.append(t(lang, "home.missed"))
    elif going:
        status.append(t(lang, "home.going"))
    if status:
        lines.append(" · ".join(status))
    found = [
        mrkdwn_link(url, t(lang, key))
        for url, key in (
            (links.announcement, "home.link.announcement"),
            (links.recording, "home.link.recording"),
            (links.slides, "home.link.slides"),
            (links.report, "home.link.report"),
        )
        if url
    ]
    if found:
        lines.append(" · ".join(found))
    return truncate("\n".join(lines), 3000)


def _section(
    lang: str,
    title_key: str,
    talks: Sequence[Talk],
    *,
    going: set[int],
    links: Mapping[int, TalkLinks],
    rsvp: bool = False,
    past: bool = False,
) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=t(lang, title_key))]
    if not talks:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "home.none"))]))
        return blocks
    for talk in talks[:SECTION_MAX]:
        extra = links.get(talk.id, NO_LINKS)
        text = _talk_text(lang, talk, extra, going=talk.id in going, past=past)
        menu = _menu(lang, talk) if extra.manage and not past else None
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=menu))
        if rsvp:
            blocks.append(
                ActionsBlock(
                    block_id=f"home_rsvp_{talk.id}",
                    elements=[
                        ButtonElement(
                            action_id=ids.ACTION_RSVP_NOT_GOING if talk.id in going else ids.ACTION_RSVP_GOING,
                            text=t(lang, "button.not_going" if talk.id in going else "button.going"),
                            value=str(talk.id),
                            style=None if talk.id in going else "primary",
                        )
                    ],
                )
            )
    return blocks


def build_home(
    lang: str,
    *,
    live: Sequence[Talk],
    upcoming: Sequence[Talk],
    mine: Sequence[Talk],
    ended: Sequence[Talk],
    going: set[int],
    links: Mapping[int, TalkLinks] | None = None,
    series: Sequence[Block] = (),  # series: bot/views/series.py series_home_blocks
) -> View:
    """`mine`: scheduled or live talks the viewer organises or speaks at (the caller leaves them out of `live` and
    `upcoming`); `ended`: past talks, newest first; `links`: per talk id, what `TalkLinks` holds."""
    links = links or {}
    blocks: list[Block] = [
        HeaderBlock(text=t(lang, "home.header")),
        ActionsBlock(
            block_id=ids.BLOCK_HOME_ACTIONS,
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_HOME_NEW_TALK,
                    text=t(lang, "home.plan"),
                    value="new",
                    style="primary",
                )
            ],
        ),
    ]
    blocks += [*series, DividerBlock()] if series else []
    blocks += _section(lang, "home.live", live, going=going, links=links)
    blocks.append(DividerBlock())
    blocks += _section(lang, "home.upcoming", upcoming, going=going, links=links, rsvp=True)
    blocks.append(DividerBlock())
    blocks += _section(lang, "home.mine", mine, going=going, links=links)
    blocks.append(DividerBlock())
    blocks += _section(lang, "home.past", ended, going=going, links=links, past=True)
    return View(type="home", blocks=blocks[:HOME_BLOCKS_MAX])
