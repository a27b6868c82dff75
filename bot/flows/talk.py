"""The story of a talk, step by step. Read this file to know what happens, and in which order.

Each flow starts in the same database transaction as the change that causes it (bot/flows/engine.py `start`):
- created   `/lunchlearn new` stored the talk;
- updated   the organiser saved the edit form, or gave a stream link by hand;
- cancelled the organiser confirmed the cancellation;
- live      the go-live job (or "Start now") marked the talk live;
- ended     the end job (or "End now") marked the talk ended;
- links     the organiser or a speaker saved slides/recording links after the talk;
- rsvp      someone's RSVP changed (runs coalesce: one waiting run covers a burst of clicks).

Every step is a plain function of (container, run). Each is idempotent: it reads the talk again, and any message
or Google call goes through the keyed outbox or a recorded intent, so running a step twice after a crash changes
nothing. The runner records each step as it finishes and resumes a dead process's run at its first unfinished
step.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.db import repositories as repo
from bot.db.models import TalkStatus
from bot.flows.engine import Run, Step

if TYPE_CHECKING:
    from bot.container import Container

logger = logging.getLogger(__name__)


# --- created ---------------------------------------------------------------------------------------------------


def announce(c: Container, run: Run) -> None:
    """Post the announcement card in the talk's channel and store its ts (found again by its metadata after a
    crash). A channel the bot cannot post in ends the flow: the organiser gets "Try again"."""
    c.talks.announce(run.talk_id, run=run)


def confirm_created(c: Container, run: Run) -> None:
    """DM the organiser the announcement's permalink."""
    c.talks.confirm(run.talk_id, run=run, message="confirm.created", key=f"confirm_created:{run.talk_id}")


def provision_stream(c: Container, run: Run) -> None:
    """Create the YouTube Live broadcast or the Meet event (nothing for a link given by hand)."""
    c.streams.provision(run.talk_id)


def plan_jobs(c: Container, run: Run) -> None:
    """Put the talk's reminders, go-live, end and survey jobs in the scheduler (on the leader; the leader's
    periodic sync also picks the change up from the database)."""
    if c.runtime is not None:
        c.runtime.sync_talk(run.talk_id)


# --- updated ---------------------------------------------------------------------------------------------------


def rerender(c: Container, run: Run) -> None:
    """Show the talk's current state on its announcement card (or post the card, if it never went out)."""
    c.talks.rerender(run.talk_id, run=run)


def notify_changes(c: Container, run: Run) -> None:
    """Tell everyone going what changed (the time, the link or the speakers), with the old and the new value."""
    c.talks.notify_changes(run.talk_id, run=run)


def move_stream(c: Container, run: Run) -> None:
    """Move the broadcast or the Meet event with the talk; switch or retry a failed creation."""
    c.streams.sync(run.talk_id)


def confirm_updated(c: Container, run: Run) -> None:
    """Confirm the change to whoever made it."""
    message = "streams.link_saved" if run.args.get("link_saved") else "confirm.updated"
    c.talks.confirm(run.talk_id, run=run, message=message, key=f"confirm_updated:{run.id}")


# --- cancelled -------------------------------------------------------------------------------------------------


def notify_cancelled(c: Container, run: Run) -> None:
    """DM everyone who was going, once each."""
    c.talks.notify_cancelled(run.talk_id, by=str(run.args.get("by") or ""))


def release_stream(c: Container, run: Run) -> None:
    """Delete the broadcast or the Meet event (or complete a broadcast that has started)."""
    c.streams.release(run.talk_id)


def confirm_cancelled(c: Container, run: Run) -> None:
    c.talks.confirm(run.talk_id, run=run, message="confirm.cancelled", key=f"confirm_cancelled:{run.talk_id}")


# --- live ------------------------------------------------------------------------------------------------------


def live_post(c: Container, run: Run) -> None:
    """Reply in the announcement's thread, broadcast to the channel: the link, Ask a question, the legend."""
    c.live_post.post(run.talk_id)


def apply_early_reactions(c: Container, run: Run) -> None:
    """Count reactions that arrived before the live post's ts was stored."""
    c.reactions.apply_parked(run.talk_id)


def post_advance_questions(c: Container, run: Run) -> None:
    """Questions asked before the start go into the thread now."""
    c.questions.post_advance_questions(run.talk_id)


def open_boards(c: Container, run: Run) -> None:
    """Each speaker (and the organiser) gets a private board of questions and the room's pulse."""
    c.questions.open_boards(run.talk_id)


def seed_legend(c: Container, run: Run) -> None:
    """The bot reacts with each legend emoji, so one click is enough for everyone else."""
    c.reactions.seed_legend(run.talk_id)


def start_chat_bridge(c: Container, run: Run) -> None:
    """Bring questions from the YouTube live chat into the thread (YouTube talks)."""
    c.question_bridge.start(run.talk_id)


# --- ended -----------------------------------------------------------------------------------------------------


def rerender_live_post(c: Container, run: Run) -> None:
    c.live_post.refresh(run.talk_id, now=True)


def close_questions(c: Container, run: Run) -> None:
    """Final boards; each speaker gets the unanswered questions with an Answer button."""
    c.questions.on_talk_ended(run.talk_id)


def open_survey(c: Container, run: Run) -> None:
    """Queue one survey DM per attendee; the fan-out worker sends them at Slack's pace."""
    c.surveys.on_talk_ended(run.talk_id)


# --- links (follow-up) -----------------------------------------------------------------------------------------


def default_recording(c: Container, run: Run) -> None:
    """A YouTube talk's recording is its broadcast's watch URL (before the card and the survey show it)."""
    c.followup.default_recording(run.talk_id)


def post_links(c: Container, run: Run) -> None:
    """The slides and recording in the announcement's thread: one post, edited when the links change."""
    c.followup.post_to_thread(run.talk_id)


def dm_no_shows(c: Container, run: Run) -> None:
    """One DM with the recording to each person who RSVPed going and did not attend."""
    c.followup.dm_no_shows(run.talk_id)


# --- rsvp ------------------------------------------------------------------------------------------------------


def rerender_soon(c: Container, run: Run) -> None:
    """The going count on the card (coalesced: a burst of clicks is one chat.update per interval)."""
    c.talks.refresh_announcement(run.talk_id)


def update_meet_guests(c: Container, run: Run) -> None:
    """The Meet event's guest list follows the RSVPs (when GOOGLE_MEET_INVITE_ATTENDEES)."""
    c.streams.attendees_changed(run.talk_id)


# --- agenda ----------------------------------------------------------------------------------------------------


def open_new_boards(c: Container, run: Run) -> None:
    """While live, a speaker the agenda added gets a board too (each board is posted once, by its outbox key)."""
    with c.db.session() as session:
        talk = repo.get_talk(session=session, talk_id=run.talk_id)
        live = talk is not None and talk.status is TalkStatus.LIVE
    if live:
        c.questions.open_boards(run.talk_id)


def refresh_boards(c: Container, run: Run) -> None:
    """The speakers' boards: the part on now, and each speaker's own questions."""
    c.questions.refresh_boards(run.talk_id)


FLOWS: dict[str, tuple[Step, ...]] = {
    "created": (announce, confirm_created, provision_stream, plan_jobs),
    "updated": (rerender, notify_changes, move_stream, confirm_updated, plan_jobs),
    "cancelled": (rerender, notify_cancelled, release_stream, confirm_cancelled, plan_jobs),
    "live": (
        rerender,
        live_post,
        apply_early_reactions,
        post_advance_questions,
        open_boards,
        seed_legend,
        start_chat_bridge,
        plan_jobs,
    ),
    "ended": (
        default_recording,
        rerender,
        rerender_live_post,
        close_questions,
        open_survey,
        post_links,
        dm_no_shows,
        plan_jobs,
    ),
    "links": (rerender, post_links, dm_no_shows),
    # The agenda was set, or moved on ("Next", or the clock): the card, the live post and the boards show it.
    "agenda": (rerender, rerender_live_post, open_new_boards, refresh_boards),
    "rsvp": (rerender_soon, update_meet_guests),
}


def tell_organiser(c: Container, run: Run, step: str) -> None:
    """A flow gave up after its retries: the organiser learns what did not happen (once per run)."""
    with c.db.session() as session:
        talk = repo.get_talk(session=session, talk_id=run.talk_id)
    if talk is None:
        return
    c.talks.tell_flow_failed(talk, run=run, step=step)
