"""Follow-up after a talk, through the signed HTTP endpoint: the organiser and speakers add slides and recording
links (inline errors, strangers refused), which go into the thread (one post, edited), onto the card, Home and the
survey DM; people who RSVPed and did not attend get one DM with the recording; /lunchlearn archive."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.models import OutboxMessage
from tests.conftest import ADMIN, ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.followup.helpers import (
    JAPANESE,
    card,
    ended_talk,
    link_values,
    no_show_dms,
    open_links_modal,
    react,
    talk_row,
    thread_posts,
)
from tests.helpers import ack_json, block_texts, create_talk, wait_flows
from tests.lifecycle.test_home import open_home
from tests.slack_driver import SlackDriver
from tests.streams.test_streams import wait_until
from tests.surveys.helpers import rating_click, survey_dms

SLIDES = "https://slides.example.com/rust?deck=1&page=2"
VIDEO = "https://video.example.com/rust"
VIDEO_2 = "https://video.example.com/rust-edited"


def test_organiser_adds_links_thread_post_once_then_edited_card_and_home_show_them(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = ended_talk(slack, fake_slack, container, going=[ATTENDEE])

    # The ended card offers "Add links"; nothing is in the thread yet.
    assert "No slides or recording yet." in card(fake_slack, ts)
    assert ids.ACTION_FOLLOWUP_ADD_LINKS in card(fake_slack, ts)
    assert thread_posts(fake_slack, ts) == []

    view = open_links_modal(slack, fake_slack, talk_id, user=ORGANISER, ts=ts)
    assert view["callback_id"] == ids.CALLBACK_FOLLOWUP_LINKS and view["title"]["text"] == "Slides and recording"

    # Bad links: each field gets its own inline error and nothing is stored.
    for slides, recording in (("javascript:alert(1)", "http://video.example.com/x"), ("<!channel>", "not a url")):
        body = ack_json(slack.submit_view(view, link_values(slides, recording), user=ORGANISER))
        assert body["response_action"] == "errors"
        assert set(body["errors"]) == {ids.BLOCK_FOLLOWUP_SLIDES, ids.BLOCK_FOLLOWUP_RECORDING}
        assert "https://" in body["errors"][ids.BLOCK_FOLLOWUP_SLIDES]
    assert talk_row(container, talk_id).slides_url is None

    fake_slack.reset_calls()
    assert ack_json(slack.submit_view(view, link_values(SLIDES, VIDEO), user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    talk = talk_row(container, talk_id)
    assert (talk.slides_url, talk.recording_url) == (SLIDES, VIDEO)

    # One post in the thread with both links (the & escaped inside the link token), on the card too.
    [post] = thread_posts(fake_slack, ts)
    text = post.params["text"]
    assert f"<{SLIDES.replace('&', '&amp;')}|Slides>" in text and f"<{VIDEO}|Recording>" in text
    assert "Intro to Rust" in text
    shown = card(fake_slack, ts)
    assert f"<{VIDEO}|Recording>" in shown and "No slides or recording yet." not in shown
    # Home shows them on the ended talk, with the same line.
    home = block_texts(open_home(slack, fake_slack, ATTENDEE)["blocks"])
    assert f"<{VIDEO}|Recording>" in home and f"<{SLIDES.replace('&', '&amp;')}|Slides>" in home

    # Saving the same links again changes nothing: no second post, no edit.
    fake_slack.reset_calls()
    assert ack_json(slack.submit_view(view, link_values(SLIDES, VIDEO), user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    assert thread_posts(fake_slack, ts) == []
    fake_slack.assert_no_call("chat.update", where=lambda c: c.params["ts"] == post.response["ts"])

    # The speaker (Japanese) changes the recording: the same post is edited, never a second one.
    ja_view = open_links_modal(slack, fake_slack, talk_id, user=SPEAKER, ts=ts)
    assert ja_view["title"]["text"] == "スライドと録画"
    blocks = {b.get("block_id"): b for b in ja_view["blocks"]}
    assert blocks[ids.BLOCK_FOLLOWUP_SLIDES]["element"]["initial_value"] == SLIDES
    body = ack_json(slack.submit_view(ja_view, link_values(SLIDES, "ftp://video.example.com"), user=SPEAKER))
    assert "https://" in body["errors"][ids.BLOCK_FOLLOWUP_RECORDING]
    assert "入力してください" in body["errors"][ids.BLOCK_FOLLOWUP_RECORDING]
    assert ack_json(slack.submit_view(ja_view, link_values(SLIDES, VIDEO_2), user=SPEAKER)) == {}
    wait_flows(container, talk_id)
    assert thread_posts(fake_slack, ts) == []
    [edit] = fake_slack.wait_for("chat.update", where=lambda c: c.params["ts"] == post.response["ts"])
    assert f"<{VIDEO_2}|Recording>" in edit.params["text"]
    thread = json.dumps(fake_slack.message(GENERAL, post.response["ts"]))
    assert VIDEO_2 in thread and f"{VIDEO}|" not in thread
    assert f"<{VIDEO_2}|Recording>" in card(fake_slack, ts)
    with container.db.session() as session:
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.key == f"followup_thread:{talk_id}"))
        assert len(rows.all()) == 1


def test_stranger_is_refused_and_links_wait_for_the_end(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = ended_talk(slack, fake_slack, container)
    view = open_links_modal(slack, fake_slack, talk_id, user=ORGANISER, ts=ts)
    fake_slack.reset_calls()

    # Someone else clicks "Add links": told privately, no modal.
    slack.button(ids.ACTION_FOLLOWUP_ADD_LINKS, str(talk_id), user=OTHER, channel=GENERAL, message_ts=ts)
    [refusal] = fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == OTHER)
    assert "Only the organiser, the speakers or a workspace admin can add links to" in refusal.params["text"]
    fake_slack.assert_no_call("views.open")
    # A forged submission of the organiser's modal: refused inline, nothing stored, nothing posted.
    body = ack_json(slack.submit_view(view, link_values(SLIDES, VIDEO), user=OTHER))
    assert body["response_action"] == "errors" and "Only the organiser" in body["errors"][ids.BLOCK_FOLLOWUP_SLIDES]
    assert talk_row(container, talk_id).recording_url is None
    assert thread_posts(fake_slack, ts) == []

    # Before the talk has ended, even the organiser is told to wait (in their language).
    upcoming, upcoming_ts = create_talk(slack, fake_slack, container, title="Not yet")
    slack.button(ids.ACTION_FOLLOWUP_ADD_LINKS, str(upcoming), user=SPEAKER, channel=GENERAL, message_ts=upcoming_ts)
    [wait] = fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == SPEAKER)
    assert "終了後に追加できます" in wait.params["text"]
    assert ids.ACTION_FOLLOWUP_ADD_LINKS not in card(fake_slack, upcoming_ts)


def test_no_show_gets_one_recording_dm_attendees_and_strangers_none(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    fake_slack.add_user(JAPANESE, name="hana", locale="ja-JP", tz="Asia/Tokyo")

    def attend(talk_id: int) -> None:
        react(slack, container, talk_id, ATTENDEE)  # ATTENDEE reacted during the talk; OTHER and hana did nothing

    talk_id, ts = ended_talk(slack, fake_slack, container, going=[ATTENDEE, OTHER, JAPANESE], during=attend)
    # No recording yet: nobody is DMed at the end of a talk without one.
    assert no_show_dms(fake_slack) == []
    # The survey still goes out as before (SURVEY_SKIP_NO_SHOWS is off by default).
    assert container.surveys.recipients(talk_id) == {ATTENDEE, OTHER, JAPANESE}

    view = open_links_modal(slack, fake_slack, talk_id, user=ORGANISER, ts=ts)
    assert ack_json(slack.submit_view(view, link_values(None, VIDEO), user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    dms = no_show_dms(fake_slack)
    assert sorted(c.params["channel"] for c in dms) == sorted([OTHER, JAPANESE])  # not ATTENDEE, not ADMIN
    english = next(c for c in dms if c.params["channel"] == OTHER)
    assert "Sorry you couldn't make it to *Intro to Rust*" in english.params["text"]
    assert f"<{VIDEO}|Recording>" in english.params["text"]
    assert "Thanks for joining" not in json.dumps(english.params)
    japanese = next(c for c in dms if c.params["channel"] == JAPANESE)
    assert "「Intro to Rust」にご参加いただけず" in japanese.params["text"]
    assert f"<{VIDEO}|録画>" in japanese.params["text"]

    # A changed link, and the step running again (a retry, another replica): nobody gets a second DM.
    view = open_links_modal(slack, fake_slack, talk_id, user=ORGANISER, ts=ts)
    assert ack_json(slack.submit_view(view, link_values(SLIDES, VIDEO_2), user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    assert container.followup.dm_no_shows(talk_id) == 0
    assert len(no_show_dms(fake_slack)) == 2
    with container.db.session() as session:
        keys = set(session.execute(select(OutboxMessage.key).where(OutboxMessage.kind == "noshow_dm")).scalars())
    assert keys == {f"noshow:{talk_id}:{OTHER}", f"noshow:{talk_id}:{JAPANESE}"}
    assert all(c.params["channel"] not in (ATTENDEE, ADMIN, ORGANISER, SPEAKER) for c in no_show_dms(fake_slack))


def test_survey_dm_shows_the_links_when_refreshed(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = ended_talk(slack, fake_slack, container, going=[ATTENDEE])
    container.surveys.run_worker()
    [dm] = [c for c in survey_dms(fake_slack) if c.params["channel"] == ATTENDEE]
    assert "|Slides>" not in block_texts(dm.params["blocks"])  # sent at the end, before any link existed
    view = open_links_modal(slack, fake_slack, talk_id, user=ORGANISER, ts=ts)
    assert ack_json(slack.submit_view(view, link_values(SLIDES, None), user=ORGANISER)) == {}
    wait_flows(container, talk_id)
    # The attendee's rating refreshes their DM: now with the slides.
    rating_click(slack, dm, user=ATTENDEE, rating=4)
    [refreshed] = fake_slack.wait_for("chat.update", where=lambda c: c.params["ts"] == dm.response["ts"])
    assert f"<{SLIDES.replace('&', '&amp;')}|Slides>" in block_texts(refreshed.params["blocks"])


def _archive(slack: SlackDriver, fake: FakeSlack, text: str, user: str) -> str:
    slack.command(text, user=user)
    [reply] = fake.wait_for(slack.last_webhook)
    return json.dumps(reply.params, ensure_ascii=False)


def test_archive_searches_by_title_and_speaker_and_hides_private_talks(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    private, member = "GROADMAP", "UMEMBER"
    fake_slack.add_user(member, name="mei", locale="en-US", tz="UTC")
    fake_slack.add_channel(private, name="roadmap", is_private=True, is_member=True, members=[ORGANISER, member])
    rust, rust_ts = ended_talk(slack, fake_slack, container, title="Intro to Rust", speakers=[SPEAKER])
    view = open_links_modal(slack, fake_slack, rust, user=ORGANISER, ts=rust_ts)
    assert ack_json(slack.submit_view(view, link_values(SLIDES, VIDEO), user=ORGANISER)) == {}
    wait_flows(container, rust)
    ended_talk(slack, fake_slack, container, title="Async Python", speakers=[ATTENDEE])
    ended_talk(slack, fake_slack, container, title="Secret Roadmap", speakers=[ORGANISER], channel=private)
    fake_slack.reset_calls()
    create_talk(slack, fake_slack, container, title="Rust again, upcoming")  # not past: never listed

    everything = _archive(slack, fake_slack, "archive", OTHER)
    assert "Intro to Rust" in everything and "Async Python" in everything
    assert "Secret Roadmap" not in everything and "upcoming" not in everything
    assert f"<{VIDEO}|Recording>" in everything  # the links come with the talk

    by_title = _archive(slack, fake_slack, "archive rust", OTHER)
    assert "Intro to Rust" in by_title and "Async Python" not in by_title
    by_mention = _archive(slack, fake_slack, f"archive <@{ATTENDEE}|ana>", OTHER)
    assert "Async Python" in by_mention and "Intro to Rust" not in by_mention
    by_name = _archive(slack, fake_slack, "archive @sora", OTHER)
    assert "Intro to Rust" in by_name and "Async Python" not in by_name
    assert "No past talks match" in _archive(slack, fake_slack, "archive kubernetes", OTHER)

    # The private channel's talk: hidden from a non-member even by its exact title, listed for a member.
    assert "Secret Roadmap" not in _archive(slack, fake_slack, "archive secret roadmap", OTHER)
    assert "Secret Roadmap" in _archive(slack, fake_slack, "archive secret roadmap", member)

    # Japanese; and help tells about it.
    assert "/lunchlearn archive" in _archive(slack, fake_slack, "help", OTHER)
    ja = _archive(slack, fake_slack, "アーカイブ rust", SPEAKER)
    assert "過去の発表" in ja and "「Intro to Rust」" in ja and "録画" in ja
    assert "一致する過去の発表はありません" in _archive(slack, fake_slack, "アーカイブ kubernetes", SPEAKER)


def test_archive_pages_stay_within_slack_limits(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    for n in range(12):
        ended_talk(slack, fake_slack, container, title=f"Talk number {n:02d}", live=False)
    first = _archive(slack, fake_slack, "archive number", OTHER)
    assert first.count("Talk number") == 10
    more = json.loads(first)
    [pages] = [b for b in more["blocks"] if b.get("block_id") == ids.BLOCK_ARCHIVE_PAGES]
    [next_button] = pages["elements"]
    assert next_button["action_id"] == ids.ACTION_ARCHIVE_NEXT
    slack.button(ids.ACTION_ARCHIVE_NEXT, next_button["value"], user=OTHER, channel=GENERAL, message_ts="1.0")
    reply = wait_until(
        lambda: next((c for c in fake_slack.calls if c.method.startswith("webhook/action-")), None), what="page 2"
    )
    second = json.dumps(reply.params)
    assert second.count("Talk number") == 2 and ids.ACTION_ARCHIVE_PREV in second
