"""The channel announcement of a talk, which follows the talk through its life."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)
from slack_sdk.models.metadata import Metadata

from bot import ids
from bot.db.models import StreamKind, Talk, TalkStatus
from bot.i18n import t
from bot.views.agenda import agenda_blocks
from bot.views.followup import followup_links_line
from bot.views.formatting import (
    fallback_time,
    google_calendar_link,
    mention,
    mentions,
    mrkdwn_escape,
    mrkdwn_link,
    plain,
    slack_date,
    truncate,
)
from bot.views.questions import advance_ask_button


def announcement_text(talk: Talk) -> str:
    """Notification/fallback text (no blocks)."""
    when = fallback_time(talk.starts_at, talk.timezone)
    return t(talk.language, "announcement.fallback", title=mrkdwn_escape(talk.title), when=when)


def announcement_metadata(talk: Talk) -> Metadata:
    return Metadata(event_type=ids.METADATA_EVENT_TYPE, event_payload={"talk_id": talk.id, "kind": "announcement"})


def _stream_line(talk: Talk, link: str | None) -> str:
    lang = talk.language
    kind = t(lang, f"stream.{talk.stream_kind.value}")
    if talk.stream_kind is StreamKind.MANUAL and talk.stream_url:
        return t(lang, "announcement.stream", stream=mrkdwn_link(talk.stream_url, kind))
    if link and talk.announce_link:
        # YouTube/Meet links appear at go-live, and here too when the organiser asked for it.
        return t(lang, "announcement.stream", stream=mrkdwn_link(link, kind))
    return t(lang, "announcement.stream", stream=t(lang, "announcement.stream.pending", kind=kind))


def _menu_options(talk: Talk) -> list[Option]:
    """The organiser menu (anyone can open it; the service checks who may use it)."""
    lang = talk.language
    if talk.status is TalkStatus.LIVE:
        choices = [(ids.MENU_END_NOW, "menu.end_now"), (ids.MENU_EDIT, "menu.edit"), (ids.MENU_AGENDA, "menu.agenda")]
    else:
        choices = [
            (ids.MENU_START_NOW, "menu.start_now"),
            (ids.MENU_EDIT, "menu.edit"),
            (ids.MENU_AGENDA, "menu.agenda"),
            (ids.MENU_CANCEL, "menu.cancel"),
        ]
    return [Option(value=f"{choice}:{talk.id}", label=t(lang, key)) for choice, key in choices]


def build_announcement(talk: Talk, *, going_count: int, link: str | None = None) -> list[Block]:
    lang = talk.language
    cancelled = talk.status is TalkStatus.CANCELLED
    title = t(lang, "announcement.cancelled_prefix", title=plain(talk.title)) if cancelled else plain(talk.title)
    when = slack_date(talk.starts_at, talk.timezone)
    details = "\n".join(
        [
            t(lang, "announcement.when", when=when, duration=talk.duration_minutes),
            t(lang, "announcement.speakers", speakers=mentions(talk.speaker_ids)),
            _stream_line(talk, link),
        ]
    )
    blocks: list[Block] = [HeaderBlock(text=truncate(title, 150)), SectionBlock(text=MarkdownTextObject(text=details))]
    if talk.description:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(mrkdwn_escape(talk.description), 3000))))
    blocks += agenda_blocks(talk)

    status_line = {
        TalkStatus.LIVE: t(lang, "announcement.status.live"),
        TalkStatus.ENDED: t(lang, "announcement.status.ended"),
        TalkStatus.CANCELLED: t(lang, "announcement.status.cancelled_reason", reason=mrkdwn_escape(talk.cancel_reason))
        if talk.cancel_reason
        else t(lang, "announcement.status.cancelled"),
    }.get(talk.status)
    if status_line:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(status_line, 3000))))

    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text=t(lang, "announcement.going", count=going_count)),
                MarkdownTextObject(text=t(lang, "announcement.organiser", organiser=mention(talk.organiser_id))),
            ]
        )
    )
    blocks += followup_links_line(lang, talk)  # ended talks: slides/recording links and "Add links"
    if talk.status in (TalkStatus.SCHEDULED, TalkStatus.LIVE):
        value = str(talk.id)
        blocks.append(
            ActionsBlock(
                block_id=ids.BLOCK_ANNOUNCEMENT_ACTIONS,
                elements=[
                    ButtonElement(
                        action_id=ids.ACTION_RSVP_GOING, text=t(lang, "button.going"), value=value, style="primary"
                    ),
                    ButtonElement(action_id=ids.ACTION_RSVP_NOT_GOING, text=t(lang, "button.not_going"), value=value),
                    ButtonElement(
                        action_id=ids.ACTION_ADD_TO_CALENDAR,
                        text=t(lang, "button.calendar"),
                        value=value,
                        url=google_calendar_link(
                            title=talk.title,
                            details=talk.description,
                            starts_at=talk.starts_at,
                            ends_at=talk.ends_at,
                            location=talk.stream_url or "",
                        ),
                    ),
                    OverflowMenuElement(action_id=ids.ACTION_TALK_MENU, options=_menu_options(talk)),
                ]
                # Live questions: questions in advance, before the talk starts.
                + ([advance_ask_button(lang, talk.id)] if talk.status is TalkStatus.SCHEDULED else []),
            )
        )
    return blocks


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
