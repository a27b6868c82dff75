"""Post-talk feedback: who is asked, the DM and its answers, reminder and close, the report.

Timeline of a talk's survey (times from the talk's end):
  0      talk_ended hook: recipients enqueued in survey_messages, the fan-out worker starts (survey DMs)
  +1 h   preliminary report to the organiser (and speakers once SURVEY_MIN_RESPONSES answered)
  +24 h  one reminder to people who have not answered
  +72 h  the survey closes; final report; aggregate summary in the announcement's thread (unless turned off)
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import func, select

from bot import ids
from bot.config import Settings
from bot.db import proposals_repo as prepo
from bot.db import repositories as repo
from bot.db import surveys_repo as srepo
from bot.db.base import utcnow
from bot.db.models import SurveyConfig, SurveyMessageStatus, Talk, TalkStatus
from bot.db.session import Database
from bot.delivery.holders import this_holder
from bot.delivery.outbox import Sent, send_once, sent_message
from bot.domain import TITLE_MAX, Actor
from bot.i18n import t, tn
from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError
from bot.services.followup.attendance import no_shows
from bot.services.reactions.pulse import parse_legend
from bot.services.surveys.fanout import FanoutStats, FanoutWorker
from bot.services.surveys.report import Report, answers_csv, compute_report, ratings_chart, timeline_chart
from bot.services.talks.access import TalkAccess
from bot.views.followup import followup_links_line
from bot.views.formatting import mrkdwn_escape
from bot.views.proposals import topic_title
from bot.views.pulse import LegendItem
from bot.views.survey import (
    ReportChart,
    SurveyChoices,
    build_feedback_modal,
    build_report,
    build_survey_dm,
    parse_feedback,
    report_metadata,
    report_text,
    summary_text,
    survey_dm_text,
)

logger = logging.getLogger(__name__)


FIND_SCAN = 20  # talks matching a title read before hiding those the user may not see


class SurveyClosed(Exception):
    pass


class NotRecipient(Exception):
    """The survey was never sent to this person (or they are a speaker): their answer is not taken."""


def like_escape(text: str) -> str:
    """Text for a LIKE pattern with backslash as the escape character: % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _worker_id() -> str:
    # The process's holder id, so a restarted process on the same host takes over its dead claims at once.
    return this_holder()


class SurveyService:
    def __init__(self, *, settings: Settings, db: Database, slack: SlackGateway) -> None:
        self.settings = settings
        self.db = db
        self.slack = slack
        self.access = TalkAccess(slack)
        self._worker_lock = threading.Lock()
        self._worker_thread: threading.Thread | None = None
        self._stop = threading.Event()

    # Organiser's choices -----------------------------------------------------------------------

    def save_choices(self, talk_id: int, choices: SurveyChoices) -> None:
        with self.db.session() as session:
            srepo.save_choices(
                session=session,
                talk_id=talk_id,
                custom_question=choices.custom_question,
                post_summary=choices.post_summary,
            )

    # Opening: recipients -----------------------------------------------------------------------

    def recipients(self, talk_id: int) -> set[str]:
        """Everyone who RSVPed going, asked or voted on a question, or reacted (where recorded per person),
        minus the speakers (they get the report instead) and anyone who has since left the talk's private channel."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None:
                return set()
            people = set(repo.going_user_ids(session=session, talk_id=talk_id))
            people |= srepo.interaction_user_ids(session=session, talk_id=talk_id)
            if self.settings.SURVEY_SKIP_NO_SHOWS:  # follow-up: they get the recording DM instead
                people -= no_shows(session, talk)
        return {user for user in people - set(talk.speaker_ids) if self.access.can_see(talk, user)}

    def on_talk_ended(self, talk_id: int) -> None:
        self.open_survey(talk_id)
        if self.settings.SURVEY_WORKER_AUTOSTART:
            self.kick()

    def open_survey(self, talk_id: int, *, now: datetime | None = None) -> int:
        """Fix the survey's clock and enqueue one invite per recipient (idempotent). Returns invites added."""
        now = now or utcnow()
        people = self.recipients(talk_id)
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            if talk is None or talk.status is not TalkStatus.ENDED:
                return 0
            config = srepo.ensure_config(session=session, talk_id=talk_id)
            if config.opened_at is None:
                ended = talk.ended_at or now
                config.opened_at = now
                config.reminder_at = ended + timedelta(hours=self.reminder_hours(config))
                config.closes_at = ended + timedelta(hours=self.close_hours(config))
            added = srepo.enqueue(session=session, talk_id=talk_id, user_ids=people, kind=srepo.INVITE, now=now)
        logger.info("Survey for talk %s opened: %d recipients queued", talk_id, added)
        return added

    def reminder_hours(self, config: SurveyConfig) -> float:
        return float(config.reminder_hours or self.settings.SURVEY_REMINDER_HOURS)

    def close_hours(self, config: SurveyConfig) -> float:
        return float(config.close_hours or self.settings.SURVEY_CLOSE_HOURS)

    def schedule(self, talk_id: int) -> dict[str, datetime]:
        """The survey's job times: {kind: when}, each kind a job function in bot.scheduling.jobs."""
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            config = srepo.get_config(session=session, talk_id=talk_id)
        if talk is None or talk.status is not TalkStatus.ENDED or config is None or config.closed_at is not None:
            return {}
        ended = talk.ended_at or talk.ends_at
        return {
            "survey_preliminary_report": ended + timedelta(hours=self.settings.SURVEY_PRELIMINARY_HOURS),
            "survey_reminder": config.reminder_at or ended + timedelta(hours=self.reminder_hours(config)),
            "survey_close": config.closes_at or ended + timedelta(hours=self.close_hours(config)),
        }

    # The fan-out worker -----------------------------------------------------------------------

    def worker(self, *, worker_id: str | None = None) -> FanoutWorker:
        return FanoutWorker(settings=self.settings, db=self.db, slack=self.slack, worker_id=worker_id or _worker_id())

    def run_worker(self, *, worker_id: str | None = None, max_seconds: float | None = None) -> FanoutStats:
        """Drain the outbox in this thread until nothing is due or waiting (tests, the survey_sweep job)."""
        return self.worker(worker_id=worker_id).run(max_seconds=max_seconds, stop=self._stop)

    def kick(self) -> None:
        """Start the background worker thread unless one is already running in this process."""
        with self._worker_lock:
            if self._worker_thread is not None and self._worker_thread.is_alive():
                return
            self._worker_thread = threading.Thread(target=self._run_safely, name="survey-fanout", daemon=True)
            self._worker_thread.start()

    def _run_safely(self) -> None:
        try:
            stats = self.run_worker()
            logger.info("Survey fan-out idle: %s", stats)
        except Exception:
            logger.exception("Survey fan-out worker crashed; the survey_sweep job resumes it")

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        thread = self._worker_thread
        if thread is not None:
            thread.join(timeout)

    def sweep(self) -> None:
        """Resume any pending fan-out (after a restart or a crash): a scheduled job, every minute."""
        with self.db.session() as session:
            pending = srepo.unfinished_count(session=session)
        if pending:
            self.kick()

    # Answers -----------------------------------------------------------------------

    def _open_talk(
        self, talk_id: int, now: datetime | None = None, *, user_id: str | None = None
    ) -> tuple[Talk, SurveyConfig]:
        """The talk and its open survey; with `user_id`, also that the survey was sent to them (NotRecipient)."""
        now = now or utcnow()
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            config = srepo.get_config(session=session, talk_id=talk_id)
            sent = user_id is not None and srepo.was_sent_invite(session=session, talk_id=talk_id, user_id=user_id)
        if talk is None or config is None or config.opened_at is None:
            raise SurveyClosed()
        if config.closed_at is not None or (config.closes_at is not None and now >= config.closes_at):
            raise SurveyClosed()
        if user_id is not None and (not sent or user_id in talk.speaker_ids):
            raise NotRecipient()
        return talk, config

    def rate(
        self,
        *,
        talk_id: int,
        user_id: str,
        rating: int,
        channel: str | None,
        ts: str | None,
        response_url: str | None,
        now: datetime | None = None,
    ) -> None:
        """The one-click rating from the DM. Only the DMs the bot recorded sending this person are updated: the
        payload's (channel, ts) is not trusted to name a message."""
        lang = self.slack.user(user_id).lang
        try:
            talk, config = self._open_talk(talk_id, now, user_id=user_id)
        except SurveyClosed:
            self._say(lang, response_url, user_id, "survey.closed")
            return
        except NotRecipient:
            logger.info("Survey rating for talk %s refused: %s is not a recipient", talk_id, user_id)
            self._say(lang, response_url, user_id, "survey.not_recipient")
            return
        with self.db.session() as session:
            srepo.upsert_answer(session=session, talk_id=talk_id, user_id=user_id, fields={"overall": rating})
        self._refresh_dms(talk, config, user_id, lang)

    def open_feedback(self, *, talk_id: int, user_id: str, trigger_id: str, response_url: str | None) -> None:
        lang = self.slack.user(user_id).lang
        try:
            talk, config = self._open_talk(talk_id, user_id=user_id)
        except SurveyClosed:
            self._say(lang, response_url, user_id, "survey.closed")
            return
        except NotRecipient:
            self._say(lang, response_url, user_id, "survey.not_recipient")
            return
        with self.db.session() as session:
            answer = srepo.get_answer(session=session, talk_id=talk_id, user_id=user_id)
        view = build_feedback_modal(lang, talk, custom_question=config.custom_question, answer=answer)
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def submit_feedback(self, *, talk_id: int, user_id: str, values: dict, now: datetime | None = None) -> str | None:
        """Save the modal's answers; returns an error message (survey closed) or None."""
        lang = self.slack.user(user_id).lang
        try:
            talk, config = self._open_talk(talk_id, now, user_id=user_id)
        except SurveyClosed:
            return t(lang, "survey.closed")
        except NotRecipient:
            return t(lang, "survey.not_recipient")
        fields = parse_feedback(values, has_custom=bool(config.custom_question), segments=len(talk.segments))
        with self.db.session() as session:
            answer = srepo.upsert_answer(session=session, talk_id=talk_id, user_id=user_id, fields=fields)
            # pipeline: "What should we cover next?" goes on the proposals board, without the name, in the same
            # transaction as the answer (shown there once the talk has SURVEY_MIN_RESPONSES answers).
            prepo.sync_survey_topic(
                session=session,
                answer=answer,
                team_id=talk.team_id,
                channel_id=self.settings.PROPOSALS_CHANNEL or talk.announcement_channel or talk.channel_id,
                title=topic_title(answer.cover_next or ""),
            )
        return None

    def after_feedback(self, *, talk_id: int, user_id: str) -> None:
        lang = self.slack.user(user_id).lang
        try:
            talk, config = self._open_talk(talk_id)
        except SurveyClosed:
            return
        self._refresh_dms(talk, config, user_id, lang)

    def _refresh_dms(
        self,
        talk: Talk,
        config: SurveyConfig,
        user_id: str,
        lang: str,
    ) -> None:
        """Show "thanks, your answer: 4/5 (edit)" on the person's survey DMs (invite and reminder)."""
        with self.db.session() as session:
            answer = srepo.get_answer(session=session, talk_id=talk.id, user_id=user_id)
            messages = srepo.messages_of_user(session=session, talk_id=talk.id, user_id=user_id)
        targets: set[tuple[str, str]] = {(m.dm_channel, m.dm_ts) for m in messages if m.dm_channel and m.dm_ts}
        blocks = build_survey_dm(lang, talk, answer=answer, closes_at=config.closes_at)
        for channel, ts in sorted(targets):
            try:
                self.slack.update_message(channel=channel, ts=ts, text=survey_dm_text(lang, talk), blocks=blocks)
            except SlackGatewayError as exc:
                logger.warning("Updating a survey DM failed: %s", exc.error)

    def _say(self, lang: str, response_url: str | None, user_id: str, key: str) -> None:
        try:
            if response_url:
                self.slack.respond(response_url, text=t(lang, key))
            else:
                self.slack.post_message(channel=user_id, text=t(lang, key))
        except SlackGatewayError as exc:
            logger.warning("Could not tell a user about the survey (%s): %s", key, exc.error)

    # Reminder and close -----------------------------------------------------------------------

    def send_reminders(self, talk_id: int, *, now: datetime | None = None) -> int:
        """One reminder to each person whose survey DM went out and who has not answered. Idempotent."""
        now = now or utcnow()
        with self.db.session() as session:
            config = srepo.get_config(session=session, talk_id=talk_id)
            if config is None or config.opened_at is None or config.closed_at is not None:
                return 0
            if config.closes_at is not None and now >= config.closes_at:
                return 0
            answered = srepo.answered_user_ids(session=session, talk_id=talk_id)
            invited = [
                m.user_id
                for m in srepo.messages_for(session=session, talk_id=talk_id, kind=srepo.INVITE)
                if m.status is SurveyMessageStatus.SENT and m.user_id not in answered
            ]
            added = srepo.enqueue(session=session, talk_id=talk_id, user_ids=invited, kind=srepo.REMINDER, now=now)
        logger.info("Survey reminder for talk %s: %d queued", talk_id, added)
        if added and self.settings.SURVEY_WORKER_AUTOSTART:
            self.kick()
        return added

    def close(self, talk_id: int, *, now: datetime | None = None) -> bool:
        """Close the survey (late clicks get "this survey has closed") and send the final report. Idempotent."""
        now = now or utcnow()
        with self.db.session() as session:
            config = srepo.get_config(session=session, talk_id=talk_id, lock=True)
            if config is None or config.opened_at is None:
                return False
            if config.closed_at is None:
                config.closed_at = now
                # Unsent survey DMs are pointless now.
                for m in srepo.messages_for(session=session, talk_id=talk_id):
                    if m.status in (SurveyMessageStatus.PENDING, SurveyMessageStatus.FAILED):
                        m.status, m.next_attempt_at, m.last_error = (
                            SurveyMessageStatus.UNDELIVERABLE,
                            None,
                            "survey_closed",
                        )
        self.deliver_report(talk_id, final=True)
        return True

    # Report -----------------------------------------------------------------------

    def report(self, talk_id: int) -> tuple[Talk, Report, SurveyConfig] | None:
        with self.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            config = srepo.get_config(session=session, talk_id=talk_id)
            if talk is None or config is None or config.opened_at is None:
                return None
            data = compute_report(session=session, talk=talk, min_responses=self.settings.SURVEY_MIN_RESPONSES)
        return talk, data, config

    def deliver_report(self, talk_id: int, *, final: bool) -> list[str]:
        """The scheduled report (preliminary or final), one message per person, edited from preliminary to final:
        to the organiser, to the speakers once enough people answered; the final one also as a summary in the
        thread. Returns users."""
        found = self.report(talk_id)
        if found is None:
            return []
        talk, data, config = found
        if not final and config.closed_at is not None:
            return []  # a late preliminary run: the final report has it covered, and must stay the last word
        people = [talk.organiser_id]
        if not data.withheld:
            people += [s for s in talk.speaker_ids if s not in people]
        for user_id in people:
            self._send_report_durably(talk, data, config, user_id, final=final)
        if final and config.post_summary and not data.withheld and talk.announcement_channel and talk.announcement_ts:
            channel, thread = talk.announcement_channel, talk.announcement_ts
            send_once(
                self.db,
                key=f"survey_summary:{talk.id}",
                talk_id=talk.id,
                kind="survey_summary",
                recipient=channel,
                send=partial(
                    self.slack.post_message, channel=channel, thread_ts=thread, text=summary_text(talk.language, data)
                ),
            )
        return people

    def _send_report_durably(
        self, talk: Talk, data: Report, config: SurveyConfig, user_id: str, *, final: bool
    ) -> None:
        """One outbox step per person and stage. The preliminary posts the message; the final edits that message
        (its recorded ts, or the one found by its metadata when a crash lost the record), or posts it when there
        was none (speakers who only now get it). An edit of a known ts is idempotent, and each stage's own
        message is found by its metadata before anything is sent again."""
        preliminary_key = f"survey_report_preliminary:{talk.id}:{user_id}"
        key = f"survey_report_final:{talk.id}:{user_id}" if final else preliminary_key
        stage = "final" if final else "preliminary"
        since = (talk.ended_at or talk.ends_at).timestamp() - 3600

        def find(**match: object) -> Sent | None:
            payload = {"talk_id": talk.id, "user_id": user_id, **match}
            return self.slack.find_own_dm(
                user_id=user_id, event_type=ids.METADATA_REPORT_EVENT_TYPE, payload_match=payload, since=since
            )

        def send() -> Sent:
            target = (sent_message(self.db, preliminary_key) or find()) if final else None
            return self._write_report(talk, data, config, user_id, target=target, stage=stage)

        send_once(
            self.db,
            key=key,
            talk_id=talk.id,
            kind="survey_report",
            recipient=user_id,
            send=send,
            recover=partial(find, stage=stage),
            crash="report.after_upload",
        )

    def _write_report(
        self, talk: Talk, data: Report, config: SurveyConfig, user_id: str, *, target: Sent | None, stage: str | None
    ) -> Sent:
        """Upload the charts (shared nowhere: the bot's own files), then post the report with them as image blocks,
        or edit `target` into it. A chart Slack is still processing makes the message invalid_blocks for a moment:
        retried with backoff, then the report goes without charts rather than not at all."""
        lang = self.slack.user(user_id).lang
        legend = parse_legend(self.settings.REACTION_LEGEND)
        charts = self._upload_charts(talk, data, lang, legend)
        metadata = report_metadata(talk.id, user_id, stage) if stage else None

        def write(shown: list[ReportChart]) -> Sent:
            blocks = build_report(
                lang,
                data,
                final=config.closed_at is not None,
                closes_at=config.closes_at,
                timezone=talk.timezone,
                legend=legend,
                charts=shown,
            )
            blocks += followup_links_line(lang, talk)  # follow-up: the talk's links and "Add links"
            text = report_text(lang, data)
            if target is not None:
                channel, ts = target
                try:
                    self.slack.update_message(channel=channel, ts=ts, text=text, blocks=blocks, metadata=metadata)
                    return target
                except SlackGatewayError as exc:
                    if exc.error not in ("message_not_found", "cant_update_message"):
                        raise
                    logger.info("The preliminary report DM is gone (%s): posting the final one", exc.error)
            return self.slack.post_message(channel=user_id, text=text, blocks=blocks, metadata=metadata)

        retries, delay = self.settings.REPORT_CHART_RETRIES, self.settings.REPORT_CHART_RETRY_SECONDS
        for attempt in range(retries + 1 if charts else 0):
            try:
                return write(charts)
            except SlackGatewayError as exc:
                if exc.error != "invalid_blocks":
                    raise
                logger.info("Report charts for talk %s not usable yet (attempt %d)", talk.id, attempt + 1)
            if attempt < retries:
                time.sleep(delay * 2**attempt)
        if charts:
            logger.warning("Report for talk %s goes without its charts: Slack did not accept them", talk.id)
        return write([])

    def _upload_charts(self, talk: Talk, data: Report, lang: str, legend: list[LegendItem]) -> list[ReportChart]:
        """The report's charts in the reader's language, uploaded without sharing them into any conversation."""
        files: list[tuple[str, bytes, str, str]] = []
        if not data.withheld:  # below the threshold not even a chart of the ratings (k-anonymity for everyone)
            title = t(lang, "chart.ratings.title")
            files.append((f"ratings-{talk.id}.png", ratings_chart(data, lang), title, t(lang, "chart.ratings.alt")))
        if (timeline := timeline_chart(data, lang, legend)) is not None:
            title = t(lang, "chart.timeline.title")
            files.append((f"reactions-{talk.id}.png", timeline, title, t(lang, "chart.timeline.alt")))
        if not files:
            return []
        try:
            uploaded = self.slack.upload_files(channel=None, files=[file[:3] for file in files])
        except SlackGatewayError as exc:
            logger.warning("Uploading report charts failed (%s): the report goes without them", exc.error)
            return []
        return [
            ReportChart(file_id=file_id, title=title, alt_text=alt)
            for file_id, (_, _, title, alt) in zip(uploaded, files, strict=False)
            if file_id
        ]

    # Commands -----------------------------------------------------------------------

    def find_talk(self, team_id: str, query: str, *, user_id: str) -> Talk | None:
        """A talk by id or title (exact, else the newest containing the text; % and _ are literal) that this
        user may see: a private talk they may not see is "not found", never a title in a refusal."""
        query = query.strip()
        if len(query) > TITLE_MAX:
            return None  # no title is longer; and a huge LIKE pattern makes SQLite fail
        with self.db.session() as session:
            if query.lstrip("#").isascii() and query.lstrip("#").isdigit() and len(query) <= 18:
                talk = repo.get_talk(session=session, talk_id=int(query.lstrip("#")))
                candidates = [talk] if talk is not None and talk.team_id == team_id else []
            else:
                base = select(Talk).where(Talk.team_id == team_id).order_by(Talk.starts_at.desc(), Talk.id.desc())
                exact = base.where(func.lower(Talk.title) == query.lower()).limit(FIND_SCAN)
                like = base.where(func.lower(Talk.title).like(f"%{like_escape(query.lower())}%", escape="\\"))
                candidates = [
                    *session.execute(exact).scalars().all(),
                    *session.execute(like.limit(FIND_SCAN)).scalars().all(),
                ]
        return next((talk for talk in candidates if self.access.can_see(talk, user_id)), None)

    def report_command(self, *, actor: Actor, query: str, response_url: str) -> None:
        """/lunchlearn report <talk>: the report again, by DM, to its organiser or a speaker."""
        talk = self._command_talk(actor, query, response_url)
        if talk is None:
            return
        if actor.user_id != talk.organiser_id and actor.user_id not in talk.speaker_ids:
            self.slack.respond(
                response_url, text=t(actor.lang, "command.report.not_allowed", title=mrkdwn_escape(talk.title))
            )
            return
        found = self.report(talk.id)
        if found is None:
            self.slack.respond(
                response_url, text=t(actor.lang, "command.report.no_survey", title=mrkdwn_escape(talk.title))
            )
            return
        _, data, config = found
        if data.withheld:  # the organiser too: below the threshold everyone gets the count only
            text = tn(
                actor.lang,
                "command.report.withheld",
                data.responses,
                title=mrkdwn_escape(talk.title),
                min=data.min_responses,
            )
            self.slack.respond(response_url, text=text)
            return
        self._write_report(talk, data, config, actor.user_id, target=None, stage=None)
        self.slack.respond(response_url, text=t(actor.lang, "command.report.sent", title=mrkdwn_escape(talk.title)))

    def export_command(self, *, actor: Actor, query: str, response_url: str) -> None:
        """/lunchlearn export <talk>: the answers as CSV, by DM, to the organiser only."""
        talk = self._command_talk(actor, query, response_url)
        if talk is None:
            return
        if actor.user_id != talk.organiser_id:
            self.slack.respond(
                response_url, text=t(actor.lang, "command.export.not_allowed", title=mrkdwn_escape(talk.title))
            )
            return
        with self.db.session() as session:
            config = srepo.get_config(session=session, talk_id=talk.id)
            count = srepo.answer_count(session=session, talk_id=talk.id)
            content = answers_csv(session=session, talk=talk)
        if config is None or config.opened_at is None:
            self.slack.respond(
                response_url, text=t(actor.lang, "command.report.no_survey", title=mrkdwn_escape(talk.title))
            )
            return
        if count < self.settings.SURVEY_MIN_RESPONSES:
            minimum = self.settings.SURVEY_MIN_RESPONSES
            text = tn(actor.lang, "command.report.withheld", count, title=talk.title, min=minimum)
            self.slack.respond(response_url, text=text)
            return
        channel, ts = self.slack.post_message(
            channel=actor.user_id, text=t(actor.lang, "export.comment", title=mrkdwn_escape(talk.title))
        )
        self.slack.upload_files(channel=channel, files=[(f"feedback-{talk.id}.csv", content, talk.title)], thread_ts=ts)
        self.slack.respond(response_url, text=t(actor.lang, "command.export.sent", title=mrkdwn_escape(talk.title)))

    def _command_talk(self, actor: Actor, query: str, response_url: str) -> Talk | None:
        if not query.strip():
            self.slack.respond(response_url, text=t(actor.lang, "command.report.usage"))
            return None
        talk = self.find_talk(actor.team_id, query, user_id=actor.user_id)
        if talk is None:
            self.slack.respond(
                response_url, text=t(actor.lang, "command.talk_not_found", query=mrkdwn_escape(query[:100]))
            )
        return talk
