"""YouTube Live and Google Meet links end to end: the modal through the signed HTTP endpoint, the real
googleapiclient and google-auth refresh against the fake Google, and what Slack, Google and the database hold."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bot import ids
from bot.container import Container
from bot.db.models import OutboxMessage, StreamKind, StreamStatus, TalkStatus, TalkStream, YoutubeQuotaDay
from bot.services.streams.links import link_for
from bot.services.streams.service import quota_day
from tests.conftest import ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.google_api import REFRESH_TOKEN, FakeGoogle
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, choose_stream, in_days, open_full_form, talk_values, talks_in_db
from tests.slack_driver import SlackDriver

YT_SCOPE = "https://www.googleapis.com/auth/youtube"


# Helpers -------------------------------------------------------------------------------------------------------------


def wait_until(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def stream_row(container: Container, talk_id: int) -> TalkStream | None:
    with container.db.session() as session:
        return session.get(TalkStream, talk_id)


def wait_stream(container: Container, talk_id: int, *statuses: StreamStatus) -> TalkStream:
    def done() -> TalkStream | None:
        row = stream_row(container, talk_id)
        return row if row is not None and row.status in statuses else None

    row: TalkStream = wait_until(done, what=f"stream of talk {talk_id} in {statuses}")
    return row


def open_modal(slack: SlackDriver, fake: FakeSlack, send: Callable[[], Any]) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    send()
    return fake.wait_for("views.open", count=before + 1)[-1].params["view"]


def create_talk(
    slack: SlackDriver, fake: FakeSlack, container: Container, *, stream: str, **values: Any
) -> tuple[int, str]:
    """Create a talk with a Google stream through the modal; returns (talk id, announcement ts)."""
    known = {t.id for t in talks_in_db(container)}
    view = open_modal(slack, fake, lambda: slack.command("new", user=ORGANISER, channel=GENERAL))
    values.setdefault("speakers", [SPEAKER])
    response = slack.submit_view(view, talk_values(stream=stream, url=None, **values), user=ORGANISER)
    assert response.status_code == 200 and ack_json(response) == {}
    talk = wait_until(
        lambda: [t for t in talks_in_db(container) if t.announcement_ts and t.id not in known], what="announcement"
    )[-1]
    return talk.id, str(talk.announcement_ts)


def edit_talk(slack: SlackDriver, fake: FakeSlack, talk_id: int, ts: str, **values: Any) -> None:
    values.setdefault("speakers", [SPEAKER])
    before = len(fake.calls_to("views.open"))
    slack.overflow(ids.ACTION_TALK_MENU, f"{ids.MENU_EDIT}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts)
    view = fake.wait_for("views.open", count=before + 1)[before].response["view"]
    form = talk_values(include_channel=False, **values)
    [kind] = [b["element"]["initial_option"]["value"] for b in view["blocks"] if b["block_id"] == ids.BLOCK_STREAM_KIND]
    wanted = form[ids.BLOCK_STREAM_KIND][ids.ACTION_STREAM_KIND]["selected_option"]["value"]
    if wanted != kind:  # as a person would: choose the kind, and the form shows its fields
        view = choose_stream(slack, fake, view, wanted, user=ORGANISER, values=form)
    response = slack.submit_view(view, form, user=ORGANISER)
    assert ack_json(response) == {}


def cancel_talk(slack: SlackDriver, fake: FakeSlack, talk_id: int, ts: str) -> None:
    view = open_modal(
        slack,
        fake,
        lambda: slack.overflow(
            ids.ACTION_TALK_MENU, f"{ids.MENU_CANCEL}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts
        ),
    )
    assert ack_json(slack.submit_view(view, {}, user=ORGANISER)) == {}


def organiser_failure_dm(fake: FakeSlack) -> Any:
    return fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == ORGANISER and "couldn't create" in c.params.get("text", ""),
    )[-1]


def rfc3339(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_secret_only_in_dms(fake: FakeSlack, secret: str, allowed: set[str]) -> None:
    """The secret appears in Slack only in DMs to `allowed` users (never a channel, ephemeral or response_url)."""
    seen_in = set()
    for call in fake.calls:
        if secret in json.dumps(call.params):
            assert call.method == "chat.postMessage", call.method
            assert call.params["channel"] in allowed, call.params["channel"]
            seen_in.add(call.params["channel"])
    for channel, messages in fake.messages.items():
        if secret in json.dumps(messages):
            assert channel in {f"D{u}" for u in allowed}, channel
    assert seen_in == allowed


def units_metric() -> float:
    return REGISTRY.get_sample_value("lunchlearn_google_quota_units_total", {"api": "youtube"}) or 0.0


# YouTube Live --------------------------------------------------------------------------------------------------------


def test_youtube_talk_gets_broadcast_stream_bind_key_dms_and_live_link(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_google: FakeGoogle,
    container: Container,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    units_before = units_metric()
    start = in_days(2, hour=12)
    talk_id, ts = create_talk(
        slack, fake_slack, container, stream="youtube", title="Intro to Rust", start=start, duration="60"
    )
    row = wait_stream(container, talk_id, StreamStatus.READY)

    # The bodies Google received, through the real googleapiclient with the real google-auth refresh.
    [token] = fake_google.calls("token")
    assert token.body["grant_type"] == "refresh_token" and token.body["refresh_token"] == REFRESH_TOKEN
    [insert] = fake_google.calls("liveBroadcasts.insert")
    assert insert.headers["authorization"].startswith("Bearer ya29.fake-")
    assert insert.body["snippet"]["title"] == "Intro to Rust"
    assert insert.body["snippet"]["scheduledStartTime"] == rfc3339(start)
    assert insert.body["snippet"]["scheduledEndTime"] == rfc3339(start + 3600)
    assert insert.body["snippet"]["scheduledStartTime"].endswith("Z")
    assert "Ownership without tears." in insert.body["snippet"]["description"]
    assert insert.body["status"]["privacyStatus"] == "unlisted"
    assert insert.body["contentDetails"] == {"enableAutoStart": True, "enableAutoStop": True}
    [stream] = fake_google.calls("liveStreams.insert")
    assert stream.body["cdn"]["ingestionType"] == "rtmp"
    [bind] = fake_google.calls("liveBroadcasts.bind")
    [broadcast] = fake_google.live_broadcasts()
    [live_stream] = fake_google.live_streams()
    assert bind.query["id"] == broadcast["id"] and bind.query["streamId"] == live_stream["id"]

    # Ids, link and quota units stored.
    assert row.broadcast_id == broadcast["id"] and row.stream_id == live_stream["id"] and row.bound
    assert row.link == f"https://www.youtube.com/watch?v={broadcast['id']}"
    # broadcast insert + stream insert + bind (recorded once the provisioning finishes)
    wait_until(lambda: stream_row(container, talk_id).quota_units == 150, what="units")  # type: ignore[union-attr]
    with container.db.session() as session:
        assert session.get(YoutubeQuotaDay, quota_day()).units == 150  # type: ignore[union-attr]
    assert container.streams.quota_today() == 150
    assert units_metric() - units_before == 150  # GET /metrics: lunchlearn_google_quota_units_total{api="youtube"}
    assert any("spent 150 units" in r.getMessage() for r in caplog.records)

    # The stream key: a DM to the organiser only (speakers can change the speaker list), never logged.
    key = live_stream["cdn"]["ingestionInfo"]["streamName"]
    dms = fake_slack.wait_for("chat.postMessage", count=1, where=lambda c: key in c.params.get("text", ""))
    by_user = {c.params["channel"]: c.params["text"] for c in dms}
    assert "rtmp://a.rtmp.youtube.com/live2" in by_user[ORGANISER] and "Stream key" in by_user[ORGANISER]
    assert_secret_only_in_dms(fake_slack, key, {ORGANISER})
    assert not [r for r in caplog.records if key in r.getMessage()]

    # The provider, and the go-live post carrying the watch link.
    talk = talks_in_db(container)[0]
    assert link_for(container.db, talk) == row.link
    assert container.lifecycle.go_live(talk_id)
    live = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)[-1]
    assert row.link in json.dumps(live.params)
    assert_secret_only_in_dms(fake_slack, key, {ORGANISER})

    # Running the hook again (a retry, another replica's sync) creates nothing new and DMs nobody again.
    container.streams.provision(talk_id)
    assert len(fake_google.calls("liveBroadcasts.insert")) == 1 and len(fake_google.live_broadcasts()) == 1
    with container.db.session() as session:
        assert session.query(OutboxMessage).filter_by(talk_id=talk_id, kind="stream_key").count() == 1


@pytest.mark.parametrize("google_overrides", [{"YOUTUBE_PRIVACY": "private"}])
def test_youtube_privacy_comes_from_settings(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    talk_id, _ = create_talk(slack, fake_slack, container, stream="youtube")
    wait_stream(container, talk_id, StreamStatus.READY)
    [insert] = fake_google.calls("liveBroadcasts.insert")
    assert insert.body["status"]["privacyStatus"] == "private"


def test_lost_insert_answer_does_not_create_a_second_broadcast(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    # Google creates the broadcast but the answer is a 500: the bot looks before it retries.
    fake_google.fail_next("liveBroadcasts.insert", "server", after=True)
    fake_google.fail_next("liveStreams.insert", "unavailable", after=True)
    talk_id, _ = create_talk(slack, fake_slack, container, stream="youtube")
    row = wait_stream(container, talk_id, StreamStatus.READY)
    assert len(fake_google.calls("liveBroadcasts.insert")) == 1
    assert len(fake_google.calls("liveStreams.insert")) == 1
    [broadcast] = fake_google.live_broadcasts()
    [stream] = fake_google.live_streams()
    assert row.broadcast_id == broadcast["id"] and row.stream_id == stream["id"]
    assert broadcast["contentDetails"]["boundStreamId"] == stream["id"]
    fake_slack.assert_no_call("chat.postMessage", where=lambda c: "couldn't create" in c.params.get("text", ""))


def test_retried_creation_after_a_failure_reuses_the_broadcast(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    # The broadcast is created, then the stream fails for good: the organiser is told.
    fake_google.fail_next("liveStreams.insert", "quota")
    talk_id, ts = create_talk(slack, fake_slack, container, stream="youtube")
    failed = wait_stream(container, talk_id, StreamStatus.FAILED)
    assert failed.broadcast_id is not None and failed.stream_id is None and failed.error_kind == "quota"
    organiser_failure_dm(fake_slack)

    # The organiser edits the talk (e.g. next day, quota back): the creation resumes with the same broadcast.
    edit_talk(slack, fake_slack, talk_id, ts, stream="youtube", url=None, speakers=[SPEAKER])
    row = wait_stream(container, talk_id, StreamStatus.READY)
    assert row.broadcast_id == failed.broadcast_id
    assert len(fake_google.calls("liveBroadcasts.insert")) == 1 and len(fake_google.live_broadcasts()) == 1
    assert len(fake_google.live_streams()) == 1


def test_youtube_edit_updates_broadcast_and_a_speaker_added_by_edit_gets_no_key(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, stream="youtube")
    row = wait_stream(container, talk_id, StreamStatus.READY)
    key = fake_google.live_streams()[0]["cdn"]["ingestionInfo"]["streamName"]
    fake_slack.wait_for("chat.postMessage", count=1, where=lambda c: key in c.params.get("text", ""))

    new_start = in_days(4, hour=15)
    edit_talk(
        slack,
        fake_slack,
        talk_id,
        ts,
        title="Advanced Rust",
        start=new_start,
        duration="90",
        stream="youtube",
        url=None,
        speakers=[SPEAKER, OTHER],
    )
    [update] = fake_google.wait_for("liveBroadcasts.update")
    assert update.body["id"] == row.broadcast_id
    assert update.body["snippet"]["title"] == "Advanced Rust"
    assert update.body["snippet"]["scheduledStartTime"] == rfc3339(new_start)
    assert update.body["snippet"]["scheduledEndTime"] == rfc3339(new_start + 90 * 60)
    # The key stays with the organiser: a speaker can add anyone as co-speaker, so co-speakers never get it.
    wait_until(lambda: stream_row(container, talk_id).quota_units == 150 + 50, what="quota")  # type: ignore[union-attr]
    fake_slack.assert_no_call(
        "chat.postMessage", where=lambda c: c.params["channel"] != ORGANISER and key in c.params.get("text", "")
    )
    assert_secret_only_in_dms(fake_slack, key, {ORGANISER})
    assert fake_google.calls("liveStreams.list") == []
    assert len(fake_google.calls("liveBroadcasts.insert")) == 1


def test_youtube_cancel_deletes_broadcast_and_stream(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, stream="youtube")
    wait_stream(container, talk_id, StreamStatus.READY)
    cancel_talk(slack, fake_slack, talk_id, ts)
    row = wait_stream(container, talk_id, StreamStatus.DELETED)
    assert fake_google.live_broadcasts() == [] and fake_google.live_streams() == []
    assert fake_google.calls("liveBroadcasts.delete")[0].query["id"] == row.broadcast_id
    assert row.link is None and link_for(container.db, talks_in_db(container)[0]) is None


def test_youtube_cancel_after_start_completes_the_broadcast(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    talk_id, _ = create_talk(slack, fake_slack, container, stream="youtube")
    row = wait_stream(container, talk_id, StreamStatus.READY)
    assert row.broadcast_id is not None
    fake_google.set_broadcast_state(row.broadcast_id, "live")
    container.streams.release(talk_id)
    assert wait_stream(container, talk_id, StreamStatus.COMPLETED)
    [transition] = fake_google.calls("liveBroadcasts.transition")
    assert transition.query["broadcastStatus"] == "complete" and transition.query["id"] == row.broadcast_id
    assert fake_google.calls("liveBroadcasts.delete") == []


def test_switching_to_a_manual_link_removes_the_broadcast(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, stream="youtube")
    wait_stream(container, talk_id, StreamStatus.READY)
    edit_talk(slack, fake_slack, talk_id, ts, stream="manual", url="https://zoom.example.com/j/9", speakers=[SPEAKER])
    wait_stream(container, talk_id, StreamStatus.DELETED)
    assert fake_google.live_broadcasts() == []
    assert link_for(container.db, talks_in_db(container)[0]) == "https://zoom.example.com/j/9"


# Google Meet ---------------------------------------------------------------------------------------------------------


def test_meet_talk_gets_event_with_conference_and_live_link(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    fake_google.meet_pending_gets = 2  # the conference is "pending" for two polls
    start = in_days(3, hour=13)
    talk_id, ts = create_talk(slack, fake_slack, container, stream="meet", title="Kubernetes", start=start)
    row = wait_stream(container, talk_id, StreamStatus.READY)

    [insert] = fake_google.calls("events.insert")
    assert insert.path == "/calendar/v3/calendars/primary/events"
    assert insert.query["conferenceDataVersion"] == "1" and insert.query["sendUpdates"] == "none"
    assert insert.body["summary"] == "Kubernetes"
    assert insert.body["start"] == {"dateTime": rfc3339(start), "timeZone": "UTC"}
    assert insert.body["end"] == {"dateTime": rfc3339(start + 45 * 60), "timeZone": "UTC"}
    request = insert.body["conferenceData"]["createRequest"]
    assert request["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert request["requestId"] == row.request_id and request["requestId"].startswith(f"lunchlearn-{talk_id}-")
    assert insert.body["id"] == row.event_id and "attendees" not in insert.body
    assert len(fake_google.calls("events.get")) == 2  # polled until success
    assert row.link is not None and row.link.startswith("https://meet.google.com/")
    assert row.quota_units == 0  # Calendar calls do not spend YouTube units

    talk = talks_in_db(container)[0]
    assert link_for(container.db, talk) == row.link
    container.lifecycle.go_live(talk_id)
    live = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)[-1]
    assert row.link in json.dumps(live.params)


def test_meet_request_id_is_stable_across_retries(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    # First answer lost after the event was created: execute retries, Google says 409, the bot reads the event.
    fake_google.fail_next("events.insert", "server", after=True)
    talk_id, ts = create_talk(slack, fake_slack, container, stream="meet")
    row = wait_stream(container, talk_id, StreamStatus.READY)
    inserts = fake_google.calls("events.insert")
    assert [c.status for c in inserts] == [500, 409]
    assert {c.body["conferenceData"]["createRequest"]["requestId"] for c in inserts} == {row.request_id}
    assert {c.body["id"] for c in inserts} == {row.event_id}
    assert len(fake_google.events()) == 1

    # Edits patch the same event.
    new_start = in_days(5, hour=10)
    edit_talk(slack, fake_slack, talk_id, ts, title="Kubernetes II", start=new_start, stream="meet", url=None)
    [patch] = fake_google.wait_for("events.patch")
    assert patch.path.endswith(f"/events/{row.event_id}")
    assert patch.body["summary"] == "Kubernetes II" and patch.body["start"]["dateTime"] == rfc3339(new_start)

    # Cancel deletes it.
    cancel_talk(slack, fake_slack, talk_id, ts)
    wait_stream(container, talk_id, StreamStatus.DELETED)
    assert fake_google.events() == []


def test_meet_failed_creation_retried_on_edit_with_the_same_request_id(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    fake_google.fail_next("events.insert", "server", times=3)  # outlives execute(num_retries=2)
    talk_id, ts = create_talk(slack, fake_slack, container, stream="meet")
    failed = wait_stream(container, talk_id, StreamStatus.FAILED)
    assert failed.error_kind == "server"
    dm = organiser_failure_dm(fake_slack)
    assert "Google had an internal error" in dm.params["text"]
    edit_talk(slack, fake_slack, talk_id, ts, stream="meet", url=None)
    row = wait_stream(container, talk_id, StreamStatus.READY)
    ids_sent = {c.body["conferenceData"]["createRequest"]["requestId"] for c in fake_google.calls("events.insert")}
    assert ids_sent == {failed.request_id} == {row.request_id}
    assert len(fake_google.events()) == 1


def test_meet_conference_failure_is_reported(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    fake_google.meet_final_status = "failure"
    talk_id, _ = create_talk(slack, fake_slack, container, stream="meet")
    assert wait_stream(container, talk_id, StreamStatus.FAILED).error_kind == "meet_failed"
    assert "didn't finish creating the Meet" in organiser_failure_dm(fake_slack).params["text"]


@pytest.mark.parametrize("google_overrides", [{"GOOGLE_MEET_INVITE_ATTENDEES": True}])
def test_meet_guests_follow_rsvps_when_enabled(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    for user, email in ((ORGANISER, "olivia@example.com"), (SPEAKER, "sora@example.com"), (ATTENDEE, "ana@x.com")):
        fake_slack.users[user]["email"] = email
    talk_id, ts = create_talk(slack, fake_slack, container, stream="meet")
    wait_stream(container, talk_id, StreamStatus.READY)
    [insert] = fake_google.calls("events.insert")
    assert insert.body["attendees"] == [{"email": "olivia@example.com"}, {"email": "sora@example.com"}]
    assert insert.query["sendUpdates"] == "all"

    slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=ts)
    patch = fake_google.wait_for("events.patch")[-1]
    assert {"email": "ana@x.com"} in patch.body["attendees"]
    container.refresher.flush()
    assert {"email": "ana@x.com"} in fake_google.events()[0]["attendees"]


@pytest.mark.parametrize("google_credentials", ["service_account"])
@pytest.mark.parametrize("google_overrides", [{"GOOGLE_IMPERSONATE_USER": "host@example.com"}])
def test_service_account_impersonates_the_configured_user_for_meet(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    talk_id, _ = create_talk(slack, fake_slack, container, stream="meet")
    wait_stream(container, talk_id, StreamStatus.READY)
    [claims] = fake_google.jwt_claims
    assert claims["sub"] == "host@example.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/calendar.events"
    # The assertion names Google's endpoint as audience, but it was sent to the file's token_uri (this fake).
    assert fake_google.calls("token")[0].body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"

    # YouTube cannot work with a service account: said plainly, with the fallback.
    yt_id, _ = create_talk(slack, fake_slack, container, stream="youtube")
    assert wait_stream(container, yt_id, StreamStatus.FAILED).error_kind == "unsupported"
    assert "not a service account" in organiser_failure_dm(fake_slack).params["text"]
    assert fake_google.calls("liveBroadcasts.insert") == []


# Failures and the manual link fallback -----------------------------------------------------------------------------

FAILURE_CASES = [
    # (stream, how to break Google, stored problem, words of the "how to fix" in the DM)
    ("youtube", "quota", "quota", "quota of the bot's Cloud project is used up"),
    ("youtube", "disabled", "api_disabled", "isn't enabled in the bot's Cloud project"),
    ("youtube", "live_disabled", "live_not_enabled", "can't live stream yet"),
    ("youtube", "unauthorized", "auth", "refused the bot's credentials"),
    ("youtube", "token", "auth", "refused the bot's credentials"),
    ("youtube", "server", "server", "Google had an internal error"),
    ("youtube", "rate", "rate_limited", "limiting how fast"),
    ("youtube", "network", "network", "couldn't reach Google"),
    ("meet", "disabled", "api_disabled", "isn't enabled in the bot's Cloud project"),
    ("meet", "forbidden", "permission", "Google refused access"),
    ("meet", "token", "auth", "refused the bot's credentials"),
]


@pytest.mark.parametrize(("stream", "failure", "problem", "advice"), FAILURE_CASES)
def test_each_failure_tells_the_organiser_and_the_talk_goes_ahead(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_google: FakeGoogle,
    container: Container,
    stream: str,
    failure: str,
    problem: str,
    advice: str,
) -> None:
    op = "liveBroadcasts.insert" if stream == "youtube" else "events.insert"
    if failure == "token":
        fake_google.reject_refresh = "invalid_grant"
    else:
        fake_google.fail_next(op, failure, times=10)
    talk_id, _ = create_talk(slack, fake_slack, container, stream=stream)
    row = wait_stream(container, talk_id, StreamStatus.FAILED)
    assert row.error_kind == problem and row.failures == 1

    dm = organiser_failure_dm(fake_slack)
    assert advice in dm.params["text"]
    assert "Traceback" not in json.dumps(dm.params)
    # Google's own words stay in the database (for the log and `lunchlearn doctor`), not in the DM.
    assert row.error_detail and row.error_detail not in json.dumps(dm.params)
    assert "HTTP " not in dm.params["text"] and "docs/google.md" in dm.params["text"]
    [button] = [e for b in dm.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == ids.ACTION_STREAM_ADD_LINK and button["value"] == str(talk_id)
    # The talk is announced and scheduled as usual; nobody else hears about the failure.
    talk = talks_in_db(container)[0]
    assert talk.status is TalkStatus.SCHEDULED and talk.announcement_ts
    assert not [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if "couldn't" in c.params.get("text", "") and c.params["channel"] != ORGANISER
    ]
    retryable = failure in ("server", "rate", "network")
    if retryable and failure != "network":
        assert len(fake_google.calls(op)) == 3  # 1 + GOOGLE_API_RETRIES
    if failure in ("quota", "disabled", "live_disabled", "forbidden"):
        assert len(fake_google.calls(op)) == 1  # not retryable: one request


def test_failure_dm_in_japanese_says_what_to_do_and_doctor_has_the_detail(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    """The organiser reads Japanese: one short message in Japanese, no Google code; the detail is for operators."""
    fake_google.fail_next("liveBroadcasts.insert", "quota")
    known = {t.id for t in talks_in_db(container)}
    view = open_modal(slack, fake_slack, lambda: slack.command("new", user=SPEAKER, channel=GENERAL))
    form = talk_values(stream="youtube", url=None, speakers=[SPEAKER])
    assert ack_json(slack.submit_view(view, form, user=SPEAKER)) == {}
    talk_id = wait_until(lambda: [t.id for t in talks_in_db(container) if t.id not in known], what="talk")[0]
    wait_stream(container, talk_id, StreamStatus.FAILED)
    [dm] = fake_slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == SPEAKER and "作成できませんでした" in c.params["text"],
    )
    text = dm.params["text"]
    assert "割り当てを使い切りました" in text and "docs/google.md" in text
    for raw in ("quotaExceeded", "403", "Google said", "Google の応答", "couldn't"):
        assert raw not in text
    assert len(text) < 400  # short: the problem, the fix and where to read more

    from bot.services.streams.service import doctor_checks

    lines = doctor_checks(container.settings, container.db)
    assert ("FAIL", f"Talk {talk_id}: youtube link failed: quota: HTTP 403 quotaExceeded") in [
        (state, line.split(": The request")[0]) for state, line in lines
    ]


def test_add_link_fallback_end_to_end(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    fake_google.fail_next("liveBroadcasts.insert", "quota")
    talk_id, ts = create_talk(slack, fake_slack, container, stream="youtube")
    wait_stream(container, talk_id, StreamStatus.FAILED)
    dm = organiser_failure_dm(fake_slack)

    # "Add link" in the DM opens the small modal.
    view = open_modal(
        slack,
        fake_slack,
        lambda: slack.button(
            ids.ACTION_STREAM_ADD_LINK,
            str(talk_id),
            user=ORGANISER,
            channel=f"D{ORGANISER}",
            message_ts=dm.response["ts"],
        ),
    )
    assert view["callback_id"] == ids.CALLBACK_STREAM_LINK and view["private_metadata"] == str(talk_id)

    def link_values(url: str | None) -> dict[str, Any]:
        return {ids.BLOCK_STREAM_LINK: {ids.ACTION_STREAM_LINK: {"type": "url_text_input", "value": url}}}

    # Inline validation.
    for bad, message in (
        ("http://youtube.com/live/x", "https://"),
        ("not a link", "isn't a valid link"),
        (None, "Paste"),
    ):
        body = ack_json(slack.submit_view(view, link_values(bad), user=ORGANISER))
        assert body["response_action"] == "errors" and message in body["errors"][ids.BLOCK_STREAM_LINK]
    # Someone who may not edit the talk is refused inline.
    body = ack_json(slack.submit_view(view, link_values("https://youtu.be/abc"), user=OTHER))
    assert "Only the organiser" in body["errors"][ids.BLOCK_STREAM_LINK]
    assert talks_in_db(container)[0].stream_kind is StreamKind.YOUTUBE

    fake_slack.reset_calls()
    assert ack_json(slack.submit_view(view, link_values("https://youtu.be/abc"), user=ORGANISER)) == {}
    update = fake_slack.wait_for("chat.update", where=lambda c: c.params["ts"] == ts)[-1]
    assert "https://youtu.be/abc" in block_texts(update.params["blocks"])
    fake_slack.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER and "Saved" in c.params["text"]
    )
    talk = talks_in_db(container)[0]
    assert talk.stream_kind is StreamKind.MANUAL and talk.stream_url == "https://youtu.be/abc"
    assert link_for(container.db, talk) == "https://youtu.be/abc"
    # The half-created Google resources (none here but the row) are released; no new creation is attempted.
    wait_stream(container, talk_id, StreamStatus.DELETED)
    assert len(fake_google.calls("liveBroadcasts.insert")) == 1

    container.lifecycle.go_live(talk_id)
    live = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == ts)[-1]
    assert "https://youtu.be/abc" in json.dumps(live.params)


def test_expired_access_token_is_refreshed_transparently(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, stream="youtube")
    wait_stream(container, talk_id, StreamStatus.READY)
    fake_google.expire_tokens()
    edit_talk(slack, fake_slack, talk_id, ts, title="Renamed", stream="youtube", url=None, speakers=[SPEAKER])
    update = fake_google.wait_for("liveBroadcasts.update")
    wait_until(lambda: fake_google.calls("liveBroadcasts.update")[-1].status == 200, what="update ok")
    assert [c.status for c in update][0] == 401 and len(fake_google.calls("token")) == 2
    fake_slack.assert_no_call("chat.postMessage", where=lambda c: "couldn't update" in c.params.get("text", ""))


def test_no_credentials_configured_tells_the_organiser(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    container.settings.GOOGLE_CREDENTIALS_FILE = None
    container.streams.google.settings.GOOGLE_CREDENTIALS_FILE = None
    talk_id, _ = create_talk(slack, fake_slack, container, stream="meet")
    assert wait_stream(container, talk_id, StreamStatus.FAILED).error_kind == "config"
    assert "GOOGLE_CREDENTIALS_FILE" in organiser_failure_dm(fake_slack).params["text"]
    assert fake_google.calls() == []


def test_link_in_the_announcement_only_when_the_organiser_asks(
    slack: SlackDriver, fake_slack: FakeSlack, fake_google: FakeGoogle, container: Container
) -> None:
    # Without the option: the announcement says the link comes at start time, even once it exists.
    plain_id, plain_ts = create_talk(slack, fake_slack, container, stream="meet", title="Plain")
    plain = wait_stream(container, plain_id, StreamStatus.READY)
    container.refresher.flush()
    assert plain.link is not None and plain.link not in json.dumps(fake_slack.message(GENERAL, plain_ts)["blocks"])

    # With it (the modal's checkbox): the announcement is updated with the Meet link once Google made it.
    values = talk_values(stream="meet", url=None, title="Linked", speakers=[SPEAKER])
    values[ids.BLOCK_ANNOUNCE_LINK] = {
        ids.ACTION_ANNOUNCE_LINK: {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
    }
    full = open_full_form(slack, fake_slack, user=ORGANISER)
    view = choose_stream(slack, fake_slack, full, "meet", user=ORGANISER, values=values)
    assert ack_json(slack.submit_view(view, values, user=ORGANISER)) == {}
    talk = wait_until(lambda: [t for t in talks_in_db(container) if t.title == "Linked" and t.announcement_ts])[0]
    assert talk.announce_link is True
    row = wait_stream(container, talk.id, StreamStatus.READY)
    assert row.link is not None
    wait_until(
        lambda: row.link in json.dumps(fake_slack.message(GENERAL, str(talk.announcement_ts))["blocks"]),
        what="the Meet link in the announcement",
    )
