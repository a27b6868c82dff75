"""Speaker check-ins on the talk's clock, driven by calling the scheduler's job functions with a given `now`: the
72-hour check-in (once per speaker however often the job runs), Confirm / Ask to reschedule, the organiser's alert
at 24 h (once, and only when someone has not confirmed), the "slides ready?" reminder and its slides-link form
(https only, inline error otherwise). English (OTHER) and Japanese (SPEAKER) speakers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import App
from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.base import utcnow
from bot.db.models import OutboxMessage, OutboxStatus, SpeakerCheckin, Talk
from bot.scheduling import jobs
from tests.conftest import ATTENDEE, ORGANISER, OTHER, SPEAKER
from tests.edge.conftest import settle
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import ack_json, block_texts, create_talk, in_days, talks_in_db
from tests.proposals.helpers import wait_until
from tests.slack_driver import SlackDriver


def _talk(container: Container, talk_id: int) -> Talk:
    return next(t for t in talks_in_db(container) if t.id == talk_id)


def _dms(fake: FakeSlack, user: str, kind: str | None = None) -> list[Call]:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.ok
        and c.params["channel"] == user
        and (kind is None or (c.params.get("metadata") or {}).get("event_payload", {}).get("kind") == kind)
    ]


def _answers(container: Container, talk_id: int) -> dict[str, str]:
    with container.db.session() as session:
        rows = session.execute(select(SpeakerCheckin).where(SpeakerCheckin.talk_id == talk_id)).scalars()
        return {row.user_id: row.answer for row in rows}


def _click(slack: SlackDriver, dm: Call, action_id: str, talk_id: int, *, user: str) -> Any:
    return slack.button(
        action_id, str(talk_id), user=user, channel=dm.response["channel"], message_ts=dm.response["ts"]
    )


def _talk_with_two_speakers(slack: SlackDriver, fake: FakeSlack, container: Container) -> Talk:
    talk_id, _ = create_talk(slack, fake, container, start=in_days(4), speakers=[SPEAKER, OTHER, ORGANISER])
    jobs.bind(container)
    return _talk(container, talk_id)


def test_checkin_jobs_are_planned_moved_with_the_talk_and_dropped_when_cancelled(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = _talk_with_two_speakers(slack, fake_slack, container)
    at = int(talk.starts_at.timestamp())
    planned = {job.kind: job.run_at for job in container.lifecycle.plan(talk) if job.feature}
    assert planned == {
        f"checkin_72@{at}": talk.starts_at - timedelta(hours=72),
        f"checkin_alert@{at}": talk.starts_at - timedelta(hours=24),
        f"slides_reminder@{at}": talk.starts_at - timedelta(hours=24),
    }
    # Once run, the job is not planned again for that start time.
    jobs.run_feature_job(f"checkin_72@{at}", talk.id)
    assert f"checkin_72@{at}" not in {job.kind for job in container.lifecycle.plan(talk)}
    # A moved talk gets jobs for its new time.
    with container.db.session() as session:
        stored = session.get(Talk, talk.id)
        assert stored is not None
        stored.starts_at += timedelta(days=1)
        stored.ends_at += timedelta(days=1)
    moved = _talk(container, talk.id)
    kinds = {job.kind for job in container.lifecycle.plan(moved) if job.feature}
    assert f"checkin_72@{at + 86400}" in kinds and f"checkin_72@{at}" not in kinds
    # Cancelled: no check-in jobs at all.
    with container.db.session() as session:
        from bot.db.models import TalkStatus

        stored = session.get(Talk, talk.id)
        assert stored is not None
        stored.status = TalkStatus.CANCELLED
    assert [job for job in container.lifecycle.plan(_talk(container, talk.id)) if job.feature] == []


def test_checkin_sent_once_per_speaker_confirm_reschedule_and_one_alert(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, bolt_app: App
) -> None:
    talk = _talk_with_two_speakers(slack, fake_slack, container)
    moment = talk.starts_at - timedelta(hours=72)
    jobs.speaker_checkin(talk.id, now=moment)
    jobs.speaker_checkin(talk.id, now=moment + timedelta(minutes=1))  # run twice: nothing new
    [ja] = _dms(fake_slack, SPEAKER, "checkin72")
    [en] = _dms(fake_slack, OTHER, "checkin72")
    assert _dms(fake_slack, ORGANISER, "checkin72") == []  # the organiser planned it: not asked
    assert "予定どおり発表できますか" in block_texts(ja.params["blocks"])
    assert "Are you still on?" in block_texts(en.params["blocks"])
    buttons = [e["action_id"] for b in en.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [ids.ACTION_CHECKIN_CONFIRM, ids.ACTION_CHECKIN_RESCHEDULE]

    # The Japanese speaker confirms (twice: recorded once); the DM says so.
    fake_slack.reset_calls()
    _click(slack, ja, ids.ACTION_CHECKIN_CONFIRM, talk.id, user=SPEAKER)
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["ts"] == ja.response["ts"]
    assert "確認ありがとうございます" in block_texts(update.params["blocks"])
    _click(slack, ja, ids.ACTION_CHECKIN_CONFIRM, talk.id, user=SPEAKER)
    settle(bolt_app)
    assert _answers(container, talk.id) == {SPEAKER: "confirmed"}

    # Someone else clicking the speaker's button is refused.
    fake_slack.reset_calls()
    _click(slack, en, ids.ACTION_CHECKIN_CONFIRM, talk.id, user=ATTENDEE)
    [refusal] = fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == ATTENDEE)
    assert refusal.params["text"] == "Only the talk's speakers can answer this check-in."
    assert _answers(container, talk.id) == {SPEAKER: "confirmed"}

    # The English speaker asks to reschedule: the organiser is told once, however often they click.
    fake_slack.reset_calls()
    _click(slack, en, ids.ACTION_CHECKIN_RESCHEDULE, talk.id, user=OTHER)
    wait_until(lambda: len(_dms(fake_slack, ORGANISER, "checkin_reschedule")) == 1)
    _click(slack, en, ids.ACTION_CHECKIN_RESCHEDULE, talk.id, user=OTHER)
    settle(bolt_app)
    assert _answers(container, talk.id).get(OTHER) == "reschedule"
    [told] = _dms(fake_slack, ORGANISER, "checkin_reschedule")
    assert f"<@{OTHER}> asks to reschedule" in told.params["text"]

    # 24 h before: one alert to the organiser (job run twice), naming the one who has not confirmed.
    fake_slack.reset_calls()
    alert_at = talk.starts_at - timedelta(hours=24)
    jobs.checkin_alert(talk.id, now=alert_at)
    jobs.checkin_alert(talk.id, now=alert_at + timedelta(minutes=2))
    [alert] = _dms(fake_slack, ORGANISER, "checkin_alert")
    assert f"Asked to reschedule: <@{OTHER}>" in alert.params["text"]
    assert f"<@{SPEAKER}>" not in alert.params["text"]


def test_no_alert_when_every_speaker_confirmed(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    talk = _talk_with_two_speakers(slack, fake_slack, container)
    jobs.speaker_checkin(talk.id, now=talk.starts_at - timedelta(hours=72))
    for user in (SPEAKER, OTHER):
        [dm] = _dms(fake_slack, user, "checkin72")
        _click(slack, dm, ids.ACTION_CHECKIN_CONFIRM, talk.id, user=user)
    wait_until(lambda: _answers(container, talk.id) == {SPEAKER: "confirmed", OTHER: "confirmed"})
    fake_slack.reset_calls()
    jobs.checkin_alert(talk.id, now=talk.starts_at - timedelta(hours=24))
    assert _dms(fake_slack, ORGANISER) == []


def test_unanswered_checkin_alerts_the_organiser_in_their_language(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = _talk_with_two_speakers(slack, fake_slack, container)
    jobs.speaker_checkin(talk.id, now=talk.starts_at - timedelta(hours=72))
    fake_slack.reset_calls()
    jobs.checkin_alert(talk.id, now=talk.starts_at - timedelta(hours=24))
    [alert] = _dms(fake_slack, ORGANISER, "checkin_alert")
    assert f"No answer yet: <@{SPEAKER}>, <@{OTHER}>" in alert.params["text"]
    # A check-in job that runs too late (less than 24 h left) asks nobody.
    fake_slack.reset_calls()
    with container.db.session() as session:
        stored = session.get(Talk, talk.id)
        assert stored is not None
        stored.starts_at += timedelta(hours=1)
        stored.ends_at += timedelta(hours=1)
    jobs.speaker_checkin(talk.id, now=talk.starts_at - timedelta(hours=20))
    assert _dms(fake_slack, SPEAKER) == [] and _dms(fake_slack, OTHER) == []


def test_slides_reminder_add_link_form_validates_and_stores_slides_url(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = _talk_with_two_speakers(slack, fake_slack, container)
    moment = talk.starts_at - timedelta(hours=24)
    jobs.slides_reminder(talk.id, now=moment)
    jobs.slides_reminder(talk.id, now=moment + timedelta(minutes=1))
    [ja] = _dms(fake_slack, SPEAKER, "slides24")
    [en] = _dms(fake_slack, OTHER, "slides24")
    assert len(_dms(fake_slack, ORGANISER, "slides24")) == 1  # a speaker too, even if organiser
    assert "スライドの準備はできましたか" in block_texts(ja.params["blocks"])
    assert "Are your slides ready?" in block_texts(en.params["blocks"])

    # Someone who is not a speaker, organiser or admin cannot add slides.
    fake_slack.reset_calls()
    _click(slack, en, ids.ACTION_ADD_SLIDES, talk.id, user=ATTENDEE)
    [refusal] = fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == ATTENDEE)
    assert "Only the organiser, the speakers or a workspace admin can add the slides of" in refusal.params["text"]
    fake_slack.assert_no_call("views.open")

    _click(slack, ja, ids.ACTION_ADD_SLIDES, talk.id, user=SPEAKER)
    [opened] = fake_slack.wait_for("views.open")
    view = {**opened.params["view"], "id": opened.response["view"]["id"]}
    assert view["title"]["text"] == "スライドのリンク"

    def submit(url: str) -> dict[str, Any]:
        values = {ids.BLOCK_SLIDES_URL: {ids.ACTION_SLIDES_URL: {"type": "url_text_input", "value": url}}}
        return ack_json(slack.submit_view(view, values, user=SPEAKER))

    for bad in ("http://slides.example.com/deck", "javascript:alert(1)", "https://x.example.com/a|<!here>"):
        errors = submit(bad)
        assert errors["response_action"] == "errors"
        assert "https" in errors["errors"][ids.BLOCK_SLIDES_URL]
    assert _talk(container, talk.id).slides_url is None
    fake_slack.reset_calls()
    assert submit("https://slides.example.com/deck?id=1&x=2") == {}
    assert _talk(container, talk.id).slides_url == "https://slides.example.com/deck?id=1&x=2"
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["ts"] == ja.response["ts"]
    assert "登録済みのリンク" in block_texts(update.params["blocks"])
    # With slides in, a later run reminds nobody.
    fake_slack.reset_calls()
    with container.db.session() as session:
        stored = session.get(Talk, talk.id)
        assert stored is not None
        stored.starts_at += timedelta(hours=1)
        stored.ends_at += timedelta(hours=1)
    jobs.slides_reminder(talk.id, now=moment + timedelta(hours=1))
    assert _dms(fake_slack, SPEAKER) == []


def test_a_checkin_dm_whose_record_a_crash_lost_is_found_again_not_sent_twice(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk = _talk_with_two_speakers(slack, fake_slack, container)
    moment = talk.starts_at - timedelta(hours=72)
    jobs.speaker_checkin(talk.id, now=moment)
    [sent] = _dms(fake_slack, SPEAKER, "checkin72")
    # The state a kill -9 between chat.postMessage and its record leaves: claimed a while ago, no ts.
    key = f"checkin72:{talk.id}:{SPEAKER}:{int(talk.starts_at.timestamp())}"
    with container.db.session() as session:
        row = session.execute(select(OutboxMessage).where(OutboxMessage.key == key)).scalar_one()
        row.status, row.channel, row.ts = OutboxStatus.SENDING, None, None
        row.claimed_at, row.claimed_by = utcnow() - timedelta(minutes=5), "otherhost:1:x"
    fake_slack.reset_calls()
    jobs.speaker_checkin(talk.id, now=moment + timedelta(minutes=5))
    assert _dms(fake_slack, SPEAKER) == [] and _dms(fake_slack, OTHER) == []
    with container.db.session() as session:
        row = session.execute(select(OutboxMessage).where(OutboxMessage.key == key)).scalar_one()
        assert (row.status, row.ts) == (OutboxStatus.SENT, sent.response["ts"])
    # Its buttons still work: the answer updates that very message.
    _click(slack, sent, ids.ACTION_CHECKIN_CONFIRM, talk.id, user=SPEAKER)
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["ts"] == sent.response["ts"]
