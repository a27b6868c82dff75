"""The channel announcement of a talk, which follows the talk through its life."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from bot import ids
from bot.db.models import StreamKind, Talk, TalkStatus
from bot.i18n import t, tn
from bot.views.agenda import agenda_blocks
from bot.views.followup import followup_links_line
from bot.views.formatting import (
    calendar_footer,
    fallback_time,
    google_calendar_link,
    join_label,
    mention,
    mentions,
    mrkdwn_escape,
    mrkdwn_link,
    outlook_calendar_link,
    plain,
    safe_url,
    truncate,
    when_range,
)
from bot.views.questions import advance_ask_button


def announcement_text(talk: Talk) -> str:
    """Notification/fallback text (no blocks)."""
    when = fallback_time(talk.starts_at, talk.timezone)
    return t(talk.language, "announcement.fallback", title=mrkdwn_escape(talk.title), when=when)


def announcement_metadata(talk: Talk) -> Metadata:
    return Metadata(event_type=ids.METADATA_EVENT_TYPE, event_payload={"talk_id": talk.id, "kind": "announcement"})


def revealed_link(talk: Talk, link: str | None) -> str | None:
    """The join link the card (and the calendar entries made from it) may show: a link given by hand always; a
    YouTube/Meet link once the talk is live, or before when the organiser chose to announce it. None once the
    talk is over or cancelled, and for anything that is not a safe https URL."""
    url = safe_url(link)
    if url is None or talk.status in (TalkStatus.ENDED, TalkStatus.CANCELLED):
        return None
    if talk.stream_kind is StreamKind.MANUAL or talk.announce_link or talk.status is TalkStatus.LIVE:
        return url
    return None


def _kind_name(talk: Talk) -> str:
    """What the stream is, for a card without its link yet (never the organiser's form choice "Link I'll provide")."""
    if talk.stream_kind is StreamKind.MANUAL:
        return t(talk.language, "card.stream.manual")
    return t(talk.language, f"stream.{talk.stream_kind.value}")


def _stream_line(talk: Talk, url: str | None) -> str | None:
    lang = talk.language
    if talk.status not in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
        return None  # nothing to join any more
    if url:
        return t(lang, "announcement.stream", stream=mrkdwn_link(url, join_label(lang, url)))
    if talk.status is TalkStatus.LIVE:
        return t(lang, "announcement.stream", stream=mrkdwn_escape(_kind_name(talk)))
    return t(lang, "announcement.stream", stream=t(lang, "announcement.stream.pending", kind=_kind_name(talk)))


NAMES_SHOWN = 3
NAME_MAX = 40


def going_line(lang: str, *, count: int, names: Sequence[str], ended: bool = False) -> str | None:
    """ "Aiko, Ben, Chen and 12 others are going" (names escaped: they can neither ping nor link); after the talk
    "12 people were going"; None when there is nothing true to say."""
    if ended:
        return tn(lang, "card.going.ended", count) if count else None
    if count == 0:
        return t(lang, "card.going.none")
    shown = [t(lang, "card.going.name", name=mrkdwn_escape(truncate(name, NAME_MAX))) for name in names[:NAMES_SHOWN]]
    if not shown:
        return tn(lang, "card.going.count", count)
    others = max(0, count - len(shown))
    if others:
        return tn(lang, "card.going.more", others, names=t(lang, "card.going.sep").join(shown))
    if len(shown) == 1:
        return tn(lang, "card.going.names", 1, names=shown[0])
    listed = t(lang, "card.going.sep").join(shown[:-1]) + t(lang, "card.going.and") + shown[-1]
    return tn(lang, "card.going.names", len(shown), names=listed)


def calendar_urls(talk: Talk, *, url: str | None, permalink: str | None) -> tuple[str, str]:
    """(Google Calendar, Outlook) links for the talk, with the join link the card shows and the permalink."""
    footer = calendar_footer(talk.language, join_url=url, permalink=safe_url(permalink))
    args = {
        "title": talk.title,
        "details": talk.description,
        "starts_at": talk.starts_at,
        "ends_at": talk.ends_at,
        "location": url or "",
        "footer": footer,
    }
    return google_calendar_link(**args), outlook_calendar_link(**args)  # type: ignore[arg-type]


def _more_menu(talk: Talk, *, url: str | None, permalink: str | None, ics_url: str | None) -> OverflowMenuElement:
    """Everything but the two main buttons, in one overflow (Slack allows 2 to 5 options)."""
    lang = talk.language

    def option(choice: str, label: str, link: str | None = None) -> Option:
        return Option(value=f"{choice}:{talk.id}", label=truncate(label, 75), url=link)

    options: list[Option] = []
    if talk.status is TalkStatus.LIVE:
        if url:  # "I'm going" gave its place to Join
            options.append(option(ids.MORE_GOING, t(lang, "button.going")))
        options.append(option(ids.MORE_NOT_GOING, t(lang, "button.not_going")))
    else:
        google, outlook = calendar_urls(talk, url=url, permalink=permalink)
        options.append(option(ids.MORE_NOT_GOING, t(lang, "button.not_going")))
        options.append(option(ids.MORE_GOOGLE, t(lang, "card.more.google"), google))
        options.append(option(ids.MORE_OUTLOOK, t(lang, "card.more.outlook"), outlook))
        if ics_url and safe_url(ics_url):
            options.append(option(ids.MORE_ICS, t(lang, "card.more.ics"), ics_url))
    options.append(option(ids.MORE_MANAGE, t(lang, "card.more.manage")))
    return OverflowMenuElement(action_id=ids.ACTION_CARD_MORE, options=options)


def _actions(talk: Talk, *, url: str | None, permalink: str | None, ics_url: str | None) -> ActionsBlock:
    """At most two buttons, then More: before the talk I'm going and Ask in advance; live Join (or I'm going when
    there is no link) and Ask a question."""
    lang = talk.language
    value = str(talk.id)
    going = ButtonElement(action_id=ids.ACTION_RSVP_GOING, text=t(lang, "button.going"), value=value)
    if talk.status is TalkStatus.LIVE:
        first = (
            ButtonElement(
                action_id=ids.ACTION_JOIN_STREAM,
                text=truncate(join_label(lang, url), 75),
                url=url,
                value=value,
                style="primary",
            )
            if url
            else ButtonElement(
                action_id=ids.ACTION_RSVP_GOING, text=t(lang, "button.going"), value=value, style="primary"
            )
        )
        ask = ButtonElement(action_id=ids.ACTION_ASK_QUESTION, text=t(lang, "questions.ask.button"), value=value)
    else:
        first = ButtonElement(action_id=going.action_id, text=t(lang, "button.going"), value=value, style="primary")
        ask = advance_ask_button(lang, talk.id)
    return ActionsBlock(
        block_id=ids.BLOCK_ANNOUNCEMENT_ACTIONS,
        elements=[first, ask, _more_menu(talk, url=url, permalink=permalink, ics_url=ics_url)],
    )


def build_announcement(
    talk: Talk,
    *,
    going_count: int,
    link: str | None = None,
    going_names: Sequence[str] = (),
    permalink: str | None = None,
    ics_url: str | None = None,
) -> list[Block]:
    """The card. `going_names`: display names of the first people going (in RSVP order); `permalink`: the card's
    own, for calendar entries; `ics_url`: the bot's .ics download for this talk (None: not offered)."""
    lang = talk.language
    header = t(lang, f"card.header.{talk.status.value}", title=plain(talk.title))
    url = revealed_link(talk, link)
    when = when_range(talk.starts_at, talk.ends_at, talk.timezone, lang)
    lines = [
        t(lang, "announcement.when", when=when, duration=talk.duration_minutes),
        t(lang, "announcement.speakers", speakers=mentions(talk.speaker_ids)),
    ]
    stream = _stream_line(talk, url)
    if stream:
        lines.append(stream)
    blocks: list[Block] = [
        HeaderBlock(text=truncate(header, 150)),
        SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), 3000))),
    ]
    if talk.description:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(mrkdwn_escape(talk.description), 3000))))
    blocks += agenda_blocks(talk)

    # The header already names the status; a line below only adds what it cannot say.
    status_line = {
        TalkStatus.ENDED: t(lang, "announcement.status.ended"),
        TalkStatus.CANCELLED: t(lang, "announcement.status.cancelled_reason", reason=mrkdwn_escape(talk.cancel_reason))
        if talk.cancel_reason
        else None,
    }.get(talk.status)
    if status_line:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(status_line, 3000))))

    context = []
    if talk.status is not TalkStatus.CANCELLED:
        going = going_line(lang, count=going_count, names=going_names, ended=talk.status is TalkStatus.ENDED)
        if going:
            context.append(MarkdownTextObject(text=truncate(going, 3000)))
    context.append(MarkdownTextObject(text=t(lang, "announcement.organiser", organiser=mention(talk.organiser_id))))
    blocks.append(ContextBlock(elements=context))
    blocks += followup_links_line(lang, talk)  # ended talks: slides/recording links and "Add links"
    if talk.status in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
        blocks.append(_actions(talk, url=url, permalink=permalink, ics_url=ics_url))
    return blocks


def build_manage_modal(lang: str, talk: Talk) -> View:
    """Start now / End now / Edit / Agenda / Cancel, opened only for those who may use them (the service checks). The
    buttons carry the same action id and values as the card's old menu, so one listener serves both."""
    when = when_range(talk.starts_at, talk.ends_at, talk.timezone, lang)
    intro = t(lang, "manage.intro", title=mrkdwn_escape(talk.title), when=when)
    rows: list[tuple[str, str, str, str, str | None]]
    if talk.status is TalkStatus.LIVE:
        rows = [
            (ids.BLOCK_MANAGE_END, ids.MENU_END_NOW, "manage.end", "menu.end_now", None),
            (ids.BLOCK_MANAGE_EDIT, ids.MENU_EDIT, "manage.edit", "menu.edit", None),
            (ids.BLOCK_MANAGE_AGENDA, ids.MENU_AGENDA, "manage.agenda", "menu.agenda", None),
        ]
    else:
        rows = [
            (ids.BLOCK_MANAGE_START, ids.MENU_START_NOW, "manage.start", "menu.start_now", None),
            (ids.BLOCK_MANAGE_EDIT, ids.MENU_EDIT, "manage.edit", "menu.edit", None),
            (ids.BLOCK_MANAGE_AGENDA, ids.MENU_AGENDA, "manage.agenda", "menu.agenda", None),
            (ids.BLOCK_MANAGE_CANCEL, ids.MENU_CANCEL, "manage.cancel", "menu.cancel", "danger"),
        ]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=truncate(intro, 3000)))]
    for block_id, choice, text_key, button_key, style in rows:
        blocks.append(
            SectionBlock(
                block_id=block_id,
                text=MarkdownTextObject(text=t(lang, text_key)),
                accessory=ButtonElement(
                    action_id=ids.ACTION_TALK_MENU,
                    text=t(lang, button_key),
                    value=f"{choice}:{talk.id}",
                    style=style,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=ids.CALLBACK_TALK_MANAGE,
        title=PlainTextObject(text=truncate(t(lang, "manage.title"), 24)),
        close=PlainTextObject(text=truncate(t(lang, "manage.close"), 24)),
        blocks=blocks,
        private_metadata=str(talk.id),
    )


def build_notice_modal(lang: str, text: str) -> View:
    """What a Manage button did, in place of the Manage modal."""
    return View(
        type="modal",
        callback_id=ids.CALLBACK_TALK_MANAGE,
        title=PlainTextObject(text=truncate(t(lang, "manage.title"), 24)),
        close=PlainTextObject(text=truncate(t(lang, "manage.close"), 24)),
        blocks=[SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)))],
    )


def build_announce_failed(lang: str, *, talk_id: int, text: str) -> list[Block]:
    """The organiser's DM when the announcement could not be posted, with a button to try again."""
    return [
        SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000))),
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=ids.ACTION_RETRY_ANNOUNCE,
                    text=t(lang, "button.retry_announce"),
                    value=str(talk_id),
                    style="primary",
                )
            ]
        ),
    ]
