"""Hostile text on every surface: a whole talk story (creation, RSVP, list, Home, questions from Slack and YouTube,
moderation, answers, reminders, the survey and its report, cancelling, links) driven through the signed endpoint
with text that tries to ping, mention, link or hide. The surfaces are collected from everything the fake Slack
recorded, not from a list: every mrkdwn object and every message `text`, recursively."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from bot.config import Settings
from bot.container import Container
from bot.db.models import QuestionSource, StreamKind, StreamStatus, Talk, TalkStream
from bot.views.formatting import clean, mrkdwn_escape, truncate
from tests.conftest import ADMIN, ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.fakes.google_api import FakeGoogle
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import ack_json, more_options, talk_values, talks_in_db
from tests.questions.helpers import ask_by_modal, questions_in_db, wait_until
from tests.scenario.test_talk_flow import create_talk
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import rating_click, survey_dms, survey_values

BIDI = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u2060\ufeff\u00ad"
INVISIBLE = set(BIDI + ZERO_WIDTH)

# What people and YouTube viewers can type. `&lt;!channel&gt;` must reach readers as those literal characters.
CORPUS = (
    "<!channel> <!here> <!everyone> <!subteam^S1> <@U123> <#C123> <https://evil.example|x> "
    "&lt;!channel&gt; \u202egnp.exe\u202c Ali\u200bce\u2066x\u2069\ufeff 日本語の<!here>質問"
)
TITLE = "<!channel> <@U123> <https://evil.example|x> &lt;!here&gt; \u202eevil\u202c A\u200bB 日本語"
LONG = "<!channel>" * 1000  # 10,000 characters
HOSTILE_LINKS = [
    "https://x.example.com/a><!channel><https://evil.example.com|Join",
    "https://x.example.com/a|Join",
    'https://x.example.com/"onclick',
    "https://x.example.com/\u202egnp",
    "javascript:alert(1)",
]
BROADCAST_LINK = "https://youtube.example.com/watch?v=1&x=<!channel>|Join"  # as if Google returned markup

KNOWN_USERS = {ORGANISER, SPEAKER, ATTENDEE, OTHER, ADMIN}
KNOWN_LINK_HOSTS = {"zoom.example.com", "meet.example.com", "fake.slack.com"}
FORBIDDEN = ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U123", "<#C123", "<https://evil", "<javascript")
TOKEN = re.compile(r"<([^<>]*)>")


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, google: FakeGoogle, tmp_path: Path) -> Settings:
    creds = google.write_authorized_user(tmp_path / "google.json")
    return settings.model_copy(
        update={
            "GOOGLE_CREDENTIALS_FILE": creds,
            "GOOGLE_API_ROOT_URL": google.base_url,
            "GOOGLE_RETRY_BACKOFF": 0,
            "SURVEY_WORKER_AUTOSTART": False,
            "SURVEY_RETRY_BASE_SECONDS": 0.05,
            "SURVEY_DM_START_PER_MINUTE": 6000.0,
            "SURVEY_DM_MAX_PER_MINUTE": 6000.0,
        }
    )


# Collecting what Slack would render --------------------------------------------------------------------------------


def rendered(calls: list[Call]) -> list[tuple[str, str]]:
    """(method, text) for every mrkdwn object and every message `text` in every recorded call."""
    out: list[tuple[str, str]] = []

    def walk(node: Any, method: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                out.append((method, node["text"]))
            for value in node.values():
                walk(value, method)
        elif isinstance(node, list):
            for item in node:
                walk(item, method)

    for call in calls:
        for key in ("text", "initial_comment"):
            if isinstance(call.params.get(key), str):
                out.append((call.method, call.params[key]))
        walk(call.params, call.method)
    return out


def plain_texts(calls: list[Call]) -> list[str]:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "plain_text" and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for call in calls:
        walk(call.params)
    return out


def bot_token(token: str) -> bool:
    """Markup the bot itself writes: mentions of real people, the talk's channel, date tokens, validated links."""
    if token.startswith("@"):
        return token[1:] in KNOWN_USERS
    if token.startswith("#"):
        return token[1:] == GENERAL
    if token.startswith("!date^"):
        return True
    match = re.fullmatch(r"https://([^/|]+)[^|]*\|[^|]+", token)
    return bool(match) and match.group(1) in KNOWN_LINK_HOSTS


def check_surfaces(calls: list[Call]) -> list[tuple[str, str]]:
    surfaces = rendered(calls)
    problems: list[str] = []
    for method, text in surfaces:
        for bad in FORBIDDEN:
            if bad in text:
                problems.append(f"{method}: {bad!r} in {text[:200]!r}")
        for token in TOKEN.findall(text):
            if not bot_token(token):
                problems.append(f"{method}: unexpected markup <{token[:80]}> in {text[:200]!r}")
        if "<" in TOKEN.sub("", text):
            problems.append(f"{method}: a raw < in {text[:200]!r}")
        if re.search(r"&[a-z]{0,3}…", text):
            problems.append(f"{method}: an entity cut in half in {text[-50:]!r}")
        if INVISIBLE & set(text):
            problems.append(f"{method}: invisible or bidi characters in {text[:80]!r}")
    for text in plain_texts(calls):
        if INVISIBLE & set(text):
            problems.append(f"plain_text: invisible or bidi characters in {text[:80]!r}")
    assert not problems, "\n".join(problems[:30])
    return surfaces


# The story ---------------------------------------------------------------------------------------------------------


def submit_talk(slack: SlackDriver, fake: FakeSlack, *, user: str, **values: Any) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    assert slack.command("new", user=user).status_code == 200
    opened = fake.wait_for("views.open", count=before + 1)[-1].response["view"]
    form = {**talk_values(speakers=[SPEAKER], **values), **survey_values(CORPUS[:300])}
    # "More options" with the hostile text already typed: the redraw carries it back into the form.
    view = more_options(slack, fake, opened, user=user, values=form)
    return ack_json(slack.submit_view(view, form, user=user))


def wait_calls(fake: FakeSlack, predicate: Any, timeout: float = 5.0) -> list[Call]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in list(fake.calls) if predicate(c)]
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no matching call\n{fake.describe_calls()}")


def thread_reply(text: str, *, user: str, thread_ts: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": GENERAL,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "event_ts": ts,
    }


def test_hostile_text_never_pings_links_or_hides_on_any_surface(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, google: FakeGoogle
) -> None:
    container.question_bridge.autostart = False
    fake = fake_slack
    # Helpers reset the record between steps; keep everything, since every recorded call is a surface to check.
    archive: list[Call] = []
    reset = fake.reset_calls

    def keep_and_reset() -> None:
        archive.extend(fake.calls)
        reset()

    fake.reset_calls = keep_and_reset  # type: ignore[method-assign]

    # Stream links with markup are refused inline, in the user's language; so are over-long titles.
    for link in HOSTILE_LINKS:
        errors = submit_talk(slack, fake, user=ORGANISER, url=link)["errors"]
        assert list(errors) == [ids.BLOCK_STREAM_URL], (link, errors)
    errors = submit_talk(slack, fake, user=ORGANISER, url=HOSTILE_LINKS[0])["errors"]
    assert "can't contain" in errors[ids.BLOCK_STREAM_URL]
    errors = submit_talk(slack, fake, user=SPEAKER, url=HOSTILE_LINKS[0])["errors"]
    assert "使えません" in errors[ids.BLOCK_STREAM_URL]
    assert ids.BLOCK_TITLE in submit_talk(slack, fake, user=ORGANISER, title=LONG)["errors"]
    assert talks_in_db(container) == []

    # A talk whose every field is hostile: the announcement, the organiser's confirmation.
    assert submit_talk(slack, fake, user=ORGANISER, title=TITLE, description=CORPUS + "\n" + LONG[:2500]) == {}
    wait_until(lambda: bool(talks_in_db(container)) and talks_in_db(container)[0].announcement_ts is not None)
    talk = talks_in_db(container)[0]
    talk_id, ts = talk.id, str(talk.announcement_ts)

    # RSVP, the list, Home, an unknown subcommand and a report lookup that echo what was typed.
    for user in (ATTENDEE, ADMIN):
        slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
        fake.wait_for("chat.postEphemeral", where=lambda c, user=user: c.params["user"] == user)
    slack.command("list", user=ATTENDEE)
    fake.wait_for(slack.last_webhook)
    home = {"type": "app_home_opened", "user": ATTENDEE, "channel": "DATT", "tab": "home", "event_ts": "1.0"}
    assert slack.event(home).status_code == 200
    fake.wait_for("views.publish")
    slack.command(CORPUS, user=ATTENDEE)
    fake.wait_for(slack.last_webhook)
    slack.command("report " + CORPUS, user=ORGANISER)
    fake.wait_for(slack.last_webhook)

    # A question in advance, a reminder, then live on YouTube with a link Google returned with markup in it.
    assert ack_json(ask_by_modal(slack, fake, talk_id=talk_id, user=OTHER, text=CORPUS, message_ts=ts)) == {}
    wait_until(lambda: len(questions_in_db(container, talk_id)) == 1)
    with container.db.session() as session:
        row = session.get(Talk, talk_id)
        assert row is not None
        row.stream_kind = StreamKind.YOUTUBE
        row.ends_at = row.starts_at + timedelta(minutes=60)
        session.add(
            TalkStream(
                talk_id=talk_id,
                kind=StreamKind.YOUTUBE,
                status=StreamStatus.READY,
                broadcast_id="bc-1",
                link=BROADCAST_LINK,
            )
        )
    container.lifecycle.send_reminder(talk_id, 60, now=talk.starts_at - timedelta(minutes=60))
    google.add_live_broadcast("bc-1", "chat-1")
    assert container.lifecycle.go_live(talk_id)
    container.refresher.flush()
    with container.db.session() as session:
        row = session.get(Talk, talk_id)
        assert row is not None and row.live_ts
        live_ts = row.live_ts

    # Questions from the modal, the command, a thread reply (one too long), and YouTube's live chat.
    ask_by_modal(slack, fake, talk_id=talk_id, user=ATTENDEE, text=CORPUS, message_ts=live_ts)
    slack.command("ask " + CORPUS, user=OTHER)
    slack.event(thread_reply(CORPUS + "?", user=ATTENDEE, thread_ts=ts, ts="1900000000.000100"))
    slack.event(thread_reply(LONG + "?", user=ATTENDEE, thread_ts=ts, ts="1900000000.000200"))
    wait_until(lambda: len(questions_in_db(container, talk_id)) == 4)
    google.add_chat_page(
        "chat-1",
        [
            ("m1", "<!here> Mallory\u202e", "<!channel> is this safe?"),
            ("m2", LONG, LONG + "?"),
            ("m3", "&lt;!channel&gt;", "&lt;!channel&gt; literally?"),
        ],
    )
    container.question_bridge.poll_once(talk_id)
    wait_until(lambda: len([q for q in questions_in_db(container, talk_id) if q.thread_ts]) == 7)
    by_source = {(q.source, q.asker_id): q for q in questions_in_db(container, talk_id)}
    modal_q = by_source[(QuestionSource.MODAL, ATTENDEE)]
    command_q = by_source[(QuestionSource.COMMAND, OTHER)]
    reply_q = by_source[(QuestionSource.THREAD, ATTENDEE)]

    # Moderation: one answered from the board, one hidden (its asker is told, quoting it).
    slack.button(ids.ACTION_QUESTION_ANSWERED, str(modal_q.id), user=SPEAKER, channel=f"D{SPEAKER}", message_ts="1.0")
    slack.button(ids.ACTION_QUESTION_HIDE, str(command_q.id), user=SPEAKER, channel=f"D{SPEAKER}", message_ts="1.0")
    fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == OTHER and "removed" in c.params["text"])
    reaction = {
        "type": "reaction_added",
        "user": ATTENDEE,
        "reaction": "clap",
        "item": {"type": "message", "channel": GENERAL, "ts": live_ts},
        "item_user": "UBOT",
        "event_ts": f"{time.time():.6f}",
    }
    slack.event(reaction)
    container.reactions.flush()
    container.refresher.flush()

    # The end: the speaker answers a question afterwards with hostile text; the asker is told.
    assert container.lifecycle.end(talk_id)
    [after] = fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == SPEAKER and ids.ACTION_QUESTION_ANSWER_LATER in str(c.params),
    )
    slack.button(
        ids.ACTION_QUESTION_ANSWER_LATER,
        str(reply_q.id),
        user=SPEAKER,
        channel=f"D{SPEAKER}",
        message_ts=after.response["ts"],
    )
    [opened] = fake.wait_for(
        "views.open", where=lambda c: c.params["view"]["callback_id"] == ids.CALLBACK_QUESTION_ANSWER
    )
    answer = {ids.BLOCK_ANSWER_TEXT: {ids.ACTION_ANSWER_TEXT: {"type": "plain_text_input", "value": CORPUS}}}
    assert ack_json(slack.submit_view(opened.params["view"], answer, user=SPEAKER)) == {}
    fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == ATTENDEE and "answered" in c.params["text"]
    )

    # The survey: DMs, a rating, the feedback modal with hostile comments shared by name, the report, the summary.
    container.surveys.run_worker()
    dm = next(c for c in survey_dms(fake) if c.params["channel"] == ATTENDEE)
    rating_click(slack, dm, user=ATTENDEE, rating=4)
    fake.wait_for("chat.update", where=lambda c: c.params["ts"] == dm.response["ts"])
    slack.button(
        ids.ACTION_SURVEY_MORE,
        str(talk_id),
        user=ATTENDEE,
        channel=dm.response["channel"],
        message_ts=dm.response["ts"],
    )
    [feedback] = fake.wait_for(
        "views.open", where=lambda c: c.params["view"]["callback_id"] == ids.CALLBACK_SURVEY_FEEDBACK
    )
    share = [{"value": ids.SHARE_NAME_VALUE}]
    values = {
        ids.BLOCK_SURVEY_IMPROVE: {ids.ACTION_SURVEY_IMPROVE: {"type": "plain_text_input", "value": LONG}},
        ids.BLOCK_SURVEY_TOPICS: {ids.ACTION_SURVEY_TOPICS: {"type": "plain_text_input", "value": CORPUS}},
        ids.BLOCK_SURVEY_CUSTOM: {ids.ACTION_SURVEY_CUSTOM: {"type": "plain_text_input", "value": CORPUS}},
        ids.BLOCK_SURVEY_SHARE: {ids.ACTION_SURVEY_SHARE: {"type": "checkboxes", "selected_options": share}},
    }
    view = {**feedback.params["view"], "id": feedback.response["view"]["id"]}
    assert ack_json(slack.submit_view(view, values, user=ATTENDEE)) == {}
    for user, rating in ((OTHER, 2), (ADMIN, 5)):
        user_dm = next(c for c in survey_dms(fake) if c.params["channel"] == user)
        rating_click(slack, user_dm, user=user, rating=rating)
        fake.wait_for("chat.update", where=lambda c, user_dm=user_dm: c.params["ts"] == user_dm.response["ts"])
    slack.command(f"report {talk_id}", user=ORGANISER)
    fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == ORGANISER and "blocks" in c.params)
    container.surveys.close(talk_id)
    fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == GENERAL and "answers" in c.params["text"])

    # A second talk on YouTube, whose creation fails with markup in Google's error; the organiser's DM quotes it.
    # Its "Add link" modal refuses markup, then takes a real link with a query; then the talk is cancelled with a
    # hostile reason that reaches everyone going.
    google.fail_next("liveBroadcasts.insert", "hostile")
    fake.reset_calls()  # archived, see above; create_talk expects a fresh record
    second, second_ts = create_talk(slack, fake, container, title=TITLE, description=CORPUS, stream="youtube")
    # create_talk returns once the talk's created flow is through, and keeps the record from then on.
    [failed] = [
        c
        for c in archive
        if c.method == "chat.postMessage"
        and c.params["channel"] == ORGANISER
        and ids.ACTION_STREAM_ADD_LINK in str(c.params.get("blocks"))  # the stream-failure DM
    ]
    slack.button(ids.ACTION_RSVP_GOING, str(second), user=ATTENDEE, channel=GENERAL, message_ts=second_ts)
    slack.button(
        ids.ACTION_STREAM_ADD_LINK,
        str(second),
        user=ORGANISER,
        channel=f"D{ORGANISER}",
        message_ts=failed.response["ts"],
    )
    [link_modal] = fake.wait_for(
        "views.open", where=lambda c: c.params["view"]["callback_id"] == ids.CALLBACK_STREAM_LINK
    )
    for link in HOSTILE_LINKS:
        form = {ids.BLOCK_STREAM_LINK: {ids.ACTION_STREAM_LINK: {"type": "url_text_input", "value": link}}}
        errors = ack_json(slack.submit_view(link_modal.params["view"], form, user=ORGANISER)).get("errors") or {}
        assert ids.BLOCK_STREAM_LINK in errors, link
    good = "https://meet.example.com/room?a=1&b=2"
    form = {ids.BLOCK_STREAM_LINK: {ids.ACTION_STREAM_LINK: {"type": "url_text_input", "value": good}}}
    assert ack_json(slack.submit_view(link_modal.params["view"], form, user=ORGANISER)) == {}
    fake.wait_for("chat.update", where=lambda c: "meet.example.com" in str(c.params.get("blocks")))
    slack.overflow(
        ids.ACTION_TALK_MENU, f"{ids.MENU_CANCEL}:{second}", user=ORGANISER, channel=GENERAL, message_ts=second_ts
    )
    [cancel] = fake.wait_for("views.open", where=lambda c: c.params["view"]["callback_id"] == ids.CALLBACK_TALK_CANCEL)
    reason = {ids.BLOCK_CANCEL_REASON: {ids.ACTION_CANCEL_REASON: {"type": "plain_text_input", "value": CORPUS}}}
    assert ack_json(slack.submit_view(cancel.params["view"], reason, user=ORGANISER)) == {}
    fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == ATTENDEE and "cancelled" in c.params["text"]
    )
    container.refresher.flush()
    container.reactions.flush()
    time.sleep(0.3)  # let late acks and refreshes land before reading the record

    calls = archive + list(fake.calls)
    surfaces = check_surfaces(calls)

    # The hostile text did reach people, shown as typed (so nothing passed by being dropped) ...
    shown = [(m, s) for m, s in surfaces if "&lt;!channel&gt;" in s]
    methods = {m.split("/")[0] for m, _ in shown}
    assert {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "views.open",
        "views.publish",
        "webhook",
    } <= methods
    assert any("&amp;lt;!channel&amp;gt;" in s for _, s in surfaces)  # typed entities stay literal
    assert any("日本語の&lt;!here&gt;質問" in s for _, s in surfaces)  # Japanese intact, bidi/zero-width gone
    assert any("Alicex" in s for _, s in surfaces)
    assert any("&lt;!here&gt; Mallory via YouTube" in s for _, s in surfaces)
    assert not any("<!channel> Invalid title" in s for _, s in surfaces)  # Google's detail stays in the log
    # ... and the markup the bot writes itself is still there.
    everything = "\n".join(s for _, s in surfaces)
    for expected in (
        f"<@{ORGANISER}>",
        f"<@{SPEAKER}>",
        f"<@{ATTENDEE}>",
        "<!date^",
        "<https://zoom.example.com/j/123|",
    ):
        assert expected in everything, expected
    assert "<https://meet.example.com/room?a=1&amp;b=2|" in everything
    assert re.search(r"<https://fake\.slack\.com/archives/[^|>]+\|announcement>", everything)
    assert "youtube.example.com" not in everything  # a link with markup in it is not shown at all


@pytest.mark.parametrize(
    ("raw", "limit"),
    [("a&b" * 2000, 3000), ("<" * 5000, 3000), ("x" * 2998 + "<<", 3000), ("日本<語>" * 1000, 150)],
)
def test_escaped_text_is_cut_within_the_limit_and_never_inside_an_entity(raw: str, limit: int) -> None:
    out = truncate(mrkdwn_escape(raw), limit)
    assert len(out) <= limit
    assert not re.search(r"&[a-z]{0,3}…$", out) and "<" not in out and ">" not in out


def test_clean_keeps_emoji_sequences_and_scripts_but_drops_invisible_and_bidi() -> None:
    assert clean("👩\u200d💻 فارسی\u200cها 日本語\n\ttab") == "👩\u200d💻 فارسی\u200cها 日本語\n\ttab"
    assert clean("a\u202eb\u200bc\ufeffd\u2066e\u2069\x07\x1b[31m") == "abcde[31m"
    assert mrkdwn_escape("&lt;!channel&gt; <!here>") == "&amp;lt;!channel&amp;gt; &lt;!here&gt;"
