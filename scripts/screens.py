"""`make screens`: every surface a person sees, in English and Japanese, on one HTML page for review.

The page is not drawn from mock-ups: a whole talk is run through the real bot (signed requests to /slack/events,
the real services and view builders, a throwaway SQLite database) against the project's fake Slack, and what the
fake received is rendered: the announcement card in its four states, the new-talk form, the live post, the speaker's
board, the survey DM and modal, the report with its charts, and Home. mrkdwn is shown roughly as Slack shows it.

    python scripts/screens.py                       # writes docs/screens/index.html
    python scripts/screens.py --out /tmp/screens    # somewhere else
    python scripts/screens.py --check               # exit 1 when the committed page's layout is out of date

The page carries a digest of every surface's layout (block types, element types, action and block ids; not the
text, dates or ids, which change from run to run). `--check`, run by the test suite, fails when the layout the bot
sends today differs from the committed page's, so the page is rebuilt whenever a surface changes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import logging
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)

from bot import ids  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.container import Container, build_container  # noqa: E402
from bot.db.session import Database  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.scheduling import jobs  # noqa: E402
from bot.web import create_web_app  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.helpers import create_talk, more_options, wait_flows  # noqa: E402
from tests.reactions.helpers import react  # noqa: E402
from tests.slack_driver import SlackDriver  # noqa: E402

SECRET = "screens-signing-secret"
DEFAULT_OUT = ROOT / "docs" / "screens"
GENERAL = "CGENERAL"
ORGANISER, SPEAKER = "UORG", "USPK"
AUDIENCE = ["UATT", "UBEN", "UCHEN", "UDAN"]
NAMES = {
    "UORG": "olivia",
    "USPK": "sora",
    "UATT": "ana",
    "UBEN": "ben",
    "UCHEN": "chen",
    "UDAN": "dan",
    "UBOT": "lunchlearn",
}
TITLES = {"en": "Intro to Rust: ownership without tears", "ja": "Rust 入門：所有権をやさしく"}
DESCRIPTIONS = {
    "en": "Bring your bento. We walk through *borrowing* with three small programs, then take questions.",
    "ja": "お弁当を持ってご参加ください。3つの小さなプログラムで借用を学び、最後に質疑応答をします。",
}
QUESTIONS = {"en": "How does this compare to C++ smart pointers?", "ja": "C++ のスマートポインタとの違いは？"}


@dataclass
class Surface:
    key: str
    title: str
    kind: str  # "message", "modal" or "home"
    payload: dict[str, Any]
    lang: str = "en"
    images: dict[str, bytes] = field(default_factory=dict)  # file id -> PNG


# -- Running the story -------------------------------------------------------------------------------------------


@contextmanager
def _bot(lang: str) -> Iterator[tuple[FakeSlack, SlackDriver, Container]]:
    locale = "ja-JP" if lang == "ja" else "en-US"
    tz = "Asia/Tokyo" if lang == "ja" else "America/New_York"
    fake = FakeSlack(bot_user_id="UBOT", team_id="T1")
    for user in [ORGANISER, SPEAKER, *AUDIENCE]:
        fake.add_user(user, name=NAMES[user], locale=locale, tz=tz)
    fake.add_channel(GENERAL, name="general")
    with fake, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            SLACK_BOT_TOKEN="xoxb-screens",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=f"sqlite:///{tmp}/screens.db",
            DEFAULT_TIMEZONE=tz,
            MESSAGE_UPDATE_INTERVAL=0,
        )
        db = Database.from_url(settings.DATABASE_URL)
        upgrade(db.engine)
        container = build_container(settings, db=db)
        app = create_app(container)
        server = make_server("127.0.0.1", 0, create_web_app(app, db, signing_secret=SECRET), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_port}/slack/events"
            yield fake, SlackDriver(url=url, secret=SECRET, fake=fake), container
        finally:
            server.shutdown()
            container.refresher.flush()
            container.question_bridge.stop()
            container.surveys.stop(timeout=2)
            db.engine.dispose()
        problems = fake.validation_errors
        if problems:
            raise SystemExit(f"the fake Slack rejected what the bot sent ({lang}): {problems}")


def _wait(what: str, found: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.05)
    raise SystemExit(f"screens: {what} never appeared")


def _message(fake: FakeSlack, channel: str, ts: str) -> dict[str, Any]:
    message = fake.message(channel, ts)
    return {"text": message.get("text", ""), "blocks": message.get("blocks") or []}


def _latest_post(fake: FakeSlack, channel: str, where: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The current content (after every chat.update) of the newest post in `channel` that matches."""
    for call in reversed(fake.calls_to("chat.postMessage")):
        if call.ok and call.response.get("channel") == channel:
            message = _message(fake, channel, str(call.response["ts"]))
            if where({**call.params, **message}):
                return message
    raise SystemExit(f"screens: no matching post in {channel}")


def _kind(kind: str) -> Callable[[dict[str, Any]], bool]:
    return lambda params: ((params.get("metadata") or {}).get("event_payload") or {}).get("kind") == kind


def _dm_channel(fake: FakeSlack, user: str) -> str:
    return str(fake._dm_id(user))


def _images(fake: FakeSlack) -> dict[str, bytes]:
    return {file_id: f["data"] for file_id, f in fake.files.items() if str(f.get("filename", "")).endswith(".png")}


def run_story(lang: str) -> list[Surface]:
    surfaces: list[Surface] = []
    with _bot(lang) as (fake, slack, container):

        def add(key: str, kind: str, payload: dict[str, Any], images: dict[str, bytes] | None = None) -> None:
            surfaces.append(Surface(key=key, title=SURFACE_TITLES[key][lang], kind=kind, payload=payload, lang=lang))
            if images:
                surfaces[-1].images = images

        # The form, as /lunchlearn new opens it.
        slack.command("new", user=ORGANISER, channel=GENERAL)
        [opened] = fake.wait_for("views.open")
        add("form", "modal", opened.params["view"])
        # form: the same form after "More options" (the rarely used fields), as views.update redrew it.
        add("form_more", "modal", more_options(slack, fake, opened.response["view"], user=ORGANISER))
        fake.reset_calls()

        talk_id, ts = create_talk(
            slack,
            fake,
            container,
            title=TITLES[lang],
            description=DESCRIPTIONS[lang],
            language=lang,
            start=int(time.time()) + 2 * 86400,
            url="https://zoom.us/j/1234567890",
        )
        # Two speakers share the lunch: an agenda of two parts, set through its modal.
        slack.overflow(
            ids.ACTION_TALK_MENU, f"{ids.MENU_AGENDA}:{talk_id}", user=ORGANISER, channel=GENERAL, message_ts=ts
        )
        [agenda] = _wait("agenda modal", lambda: fake.calls_to("views.open"))
        saved = slack.submit_view(agenda.params["view"], _agenda_values(lang), user=ORGANISER)
        if saved.text:
            raise SystemExit(f"screens: the agenda was refused: {saved.text}")
        wait_flows(container, talk_id)
        for user in AUDIENCE:
            slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=GENERAL, message_ts=ts)
        container.refresher.flush()
        wait_flows(container, talk_id)
        time.sleep(0.3)
        container.refresher.flush()
        add("card_upcoming", "message", _message(fake, GENERAL, ts))

        # Live: the card, the live post with a question and reactions, the speaker's board.
        assert container.lifecycle.go_live(talk_id)
        wait_flows(container, talk_id)
        live_ts = _wait("live post", lambda: _live_ts(container, talk_id))
        slack.command(f"ask {QUESTIONS[lang]}", user=AUDIENCE[0], channel=GENERAL)
        for i, user in enumerate(AUDIENCE):
            react(slack, user, "clap", GENERAL, live_ts)
            if i % 2:
                react(slack, user, "bulb", GENERAL, live_ts)
        time.sleep(1.0)
        container.reactions.flush()
        container.refresher.flush()
        time.sleep(0.3)
        add("card_live", "message", _message(fake, GENERAL, ts))
        add("live_post", "message", _message(fake, GENERAL, live_ts))
        add("board", "message", _latest_post(fake, _dm_channel(fake, SPEAKER), lambda p: bool(p.get("blocks"))))

        # Ended: the card, the survey DM, the survey modal.
        fake.reset_calls()
        assert container.lifecycle.end(talk_id)
        wait_flows(container, talk_id)
        container.surveys.run_worker()
        invite = _wait("survey DM", lambda: [c for c in fake.calls_to("chat.postMessage") if _kind("invite")(c.params)])
        container.refresher.flush()
        add("card_ended", "message", _message(fake, GENERAL, ts))
        first = invite[0]
        add("survey_dm", "message", _message(fake, str(first.response["channel"]), str(first.response["ts"])))
        slack.button(
            ids.ACTION_SURVEY_MORE,
            str(talk_id),
            user=str(first.params["channel"]),
            channel=str(first.response["channel"]),
            message_ts=str(first.response["ts"]),
        )
        [modal] = _wait("survey modal", lambda: fake.calls_to("views.open"))
        add("survey_modal", "modal", modal.params["view"])
        for call, rating in zip(invite, [5, 4, 5, 3], strict=False):
            slack.button(
                f"{ids.ACTION_SURVEY_RATE}_{rating}",
                f"{talk_id}:{rating}",
                user=str(call.params["channel"]),
                channel=str(call.response["channel"]),
                message_ts=str(call.response["ts"]),
            )
        time.sleep(0.5)

        # The report, as the organiser receives it when the survey closes.
        jobs.bind(container)
        jobs.survey_close(talk_id)
        report = _latest_post(fake, _dm_channel(fake, ORGANISER), lambda p: True)  # the newest: the report
        # Its charts are in its image blocks (slack_file): only those, not every chart uploaded for other readers.
        shown = json.dumps(report.get("blocks"))
        add("report", "message", report, {k: v for k, v in _images(fake).items() if k in shown})

        # Home, for the organiser.
        slack.event({"type": "app_home_opened", "user": ORGANISER, "channel": "DORG", "tab": "home"})
        [home] = _wait("home", lambda: fake.calls_to("views.publish"))
        add("home", "home", home.params["view"])

        # A cancelled talk's card.
        fake.reset_calls()
        other_id, other_ts = create_talk(slack, fake, container, title=TITLES[lang], language=lang)
        container.talks.cancel_talk(
            actor=container.talks.actor(ORGANISER, "T1"),
            talk_id=other_id,
            reason={"en": "The speaker is ill; we will find a new date.", "ja": "講師の体調不良のため延期します。"}[
                lang
            ],
        )
        container.talks.run_flows(other_id)  # as the listener does after its ack
        wait_flows(container, other_id)
        container.refresher.flush()
        time.sleep(0.3)
        add("card_cancelled", "message", _message(fake, GENERAL, other_ts))
    order = list(SURFACE_TITLES)
    return sorted(surfaces, key=lambda s: order.index(s.key))


PARTS = {
    "en": [(SPEAKER, "Ownership and borrowing", "25"), ("UBEN", "Rust on a phone", "20")],
    "ja": [(SPEAKER, "所有権と借用", "25"), ("UBEN", "スマホで動かす Rust", "20")],
}


def _agenda_values(lang: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for n, (speaker, title, minutes) in enumerate(PARTS[lang], start=1):
        values[f"{ids.BLOCK_AGENDA_SPEAKER}{n}"] = {
            ids.ACTION_AGENDA_SPEAKER: {"type": "users_select", "selected_user": speaker}
        }
        values[f"{ids.BLOCK_AGENDA_TITLE}{n}"] = {ids.ACTION_AGENDA_TITLE: {"type": "plain_text_input", "value": title}}
        values[f"{ids.BLOCK_AGENDA_MINUTES}{n}"] = {
            ids.ACTION_AGENDA_MINUTES: {"type": "number_input", "value": minutes}
        }
    return values


def _live_ts(container: Container, talk_id: int) -> str | None:
    from bot.db.models import Talk

    with container.db.session() as session:
        talk = session.get(Talk, talk_id)
        return talk.live_ts if talk else None


SURFACE_TITLES: dict[str, dict[str, str]] = {
    "card_upcoming": {"en": "Announcement card: upcoming", "ja": "お知らせ：開催予定"},
    "card_live": {"en": "Announcement card: live", "ja": "お知らせ：開催中"},
    "card_ended": {"en": "Announcement card: ended", "ja": "お知らせ：終了"},
    "card_cancelled": {"en": "Announcement card: cancelled", "ja": "お知らせ：中止"},
    "form": {"en": "New-talk form", "ja": "発表の登録フォーム"},
    "form_more": {"en": "New-talk form: More options", "ja": "発表の登録フォーム：詳細設定"},
    "live_post": {"en": "Live post (in the channel)", "ja": "開始時の投稿（チャンネル）"},
    "board": {"en": "Speaker's board (DM)", "ja": "発表者ボード（DM）"},
    "survey_dm": {"en": "Survey DM", "ja": "アンケートの DM"},
    "survey_modal": {"en": "Survey modal", "ja": "アンケートのモーダル"},
    "report": {"en": "Report (organiser's DM)", "ja": "レポート（主催者への DM）"},
    "home": {"en": "Home tab", "ja": "ホームタブ"},
}


# -- Layout digest -----------------------------------------------------------------------------------------------

_SKELETON_KEYS = {"type", "action_id", "block_id", "style", "dispatch_action", "multiline", "optional"}
_VOLATILE = re.compile(r"\d+")


def skeleton(node: Any) -> Any:
    """The layout of a payload without its words: types, ids (digits dropped) and structure."""
    if isinstance(node, dict):
        out = {}
        for key, value in sorted(node.items()):
            if key in _SKELETON_KEYS and isinstance(value, str | bool):
                out[key] = _VOLATILE.sub("#", value) if isinstance(value, str) else value
            elif isinstance(value, dict | list):
                inner = skeleton(value)
                if inner not in ({}, []):
                    out[key] = inner
        return out
    if isinstance(node, list):
        return [skeleton(item) for item in node]
    return None


def digest(surfaces: list[Surface]) -> str:
    layout = [(s.key, s.kind, skeleton(s.payload.get("blocks", []))) for s in surfaces]
    return hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:16]


# -- Rendering ---------------------------------------------------------------------------------------------------

EMOJI = {
    "clap": "👏",
    "bulb": "💡",
    "turtle": "🐢",
    "rabbit": "🐇",
    "rabbit2": "🐇",
    "question": "❓",
    "thinking_face": "🤔",
    "face_with_spiral_eyes": "😵‍💫",
    "dizzy_face": "😵",
    "fire": "🔥",
    "tada": "🎉",
    "heart": "❤️",
    "raised_hands": "🙌",
    "thumbsup": "👍",
    "+1": "👍",
    "white_check_mark": "✅",
    "calendar": "📅",
    "warning": "⚠️",
    "red_circle": "🔴",
    "movie_camera": "🎥",
    "bento": "🍱",
    "speech_balloon": "💬",
    "star": "⭐",
    "mega": "📣",
    "wave": "👋",
    "hourglass_flowing_sand": "⏳",
    "x": "❌",
    "memo": "📝",
    "bar_chart": "📊",
    "eyes": "👀",
    "raising_hand": "🙋",
    "link": "🔗",
    "joy": "😂",
    "mute": "🔇",
    "checkered_flag": "🏁",
    "no_entry": "⛔",
    "sweat_smile": "😅",
    "confused": "😕",
    "snail": "🐌",
    "zap": "⚡",
    "loudspeaker": "📢",
    "sparkles": "✨",
    "microphone": "🎤",
    "busts_in_silhouette": "👥",
    "clock1": "🕐",
    "alarm_clock": "⏰",
    "pushpin": "📌",
}


def mrkdwn(text: str) -> str:
    """Slack's mrkdwn as HTML, roughly: entities, <links|labels>, mentions, dates, *bold*, _italic_, `code`."""
    tokens: list[str] = []

    def stash(value: str) -> str:
        tokens.append(value)
        return f"\x00{len(tokens) - 1}\x00"

    def angle(match: re.Match[str]) -> str:
        body = html.unescape(match.group(1))
        target, _, label = body.partition("|")
        if target.startswith("@"):
            return stash(f'<span class="mention">@{html.escape(NAMES.get(target[1:], target[1:]))}</span>')
        if target.startswith("#"):
            return stash(f'<span class="mention">#{html.escape(label or "general")}</span>')
        if target.startswith("!date^"):
            return stash(html.escape(label))
        if target.startswith("!"):
            return stash(f'<span class="mention">@{html.escape(target[1:])}</span>')
        return stash(f'<a href="{html.escape(target)}">{html.escape(label or target)}</a>')

    text = re.sub(r"<([^<>]+)>", angle, text)
    text = html.escape(html.unescape(text), quote=False)
    text = re.sub(r"```(.+?)```", lambda m: stash(f"<pre>{m.group(1)}</pre>"), text, flags=re.S)
    text = re.sub(r"`([^`\n]+)`", lambda m: stash(f"<code>{m.group(1)}</code>"), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", text)
    text = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"<s>\1</s>", text)
    text = re.sub(r":([a-z0-9_+\-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"^&gt; ?(.*)$", r"<blockquote>\1</blockquote>", text, flags=re.M)
    text = text.replace("\n", "<br>")
    return re.sub(r"\x00(\d+)\x00", lambda m: tokens[int(m.group(1))], text)


def _text(obj: Any) -> str:
    if not isinstance(obj, dict):
        return html.escape(str(obj or ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")))
    value = html.escape(str(obj.get("text", "")))
    return (
        re.sub(r":([a-z0-9_+\-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), value)
        if obj.get("emoji", True)
        else value
    )


def _image_src(element: dict[str, Any], images: dict[str, bytes]) -> str | None:
    slack_file = element.get("slack_file") or {}
    data = images.get(str(slack_file.get("id", "")))
    if data is not None:
        return "data:image/png;base64," + base64.b64encode(data).decode()
    return element.get("image_url") or element.get("url")


def _element(element: dict[str, Any], images: dict[str, bytes]) -> str:
    kind = element.get("type")
    if kind == "button":
        style = element.get("style") or "default"
        label = _text(element.get("text"))
        if element.get("url"):
            return f'<a class="button {style}" href="{html.escape(element["url"])}">{label}</a>'
        return f'<span class="button {style}">{label}</span>'
    if kind == "overflow":
        items = "".join(f"<li>{_text(o.get('text'))}</li>" for o in element.get("options", []))
        return f'<details class="overflow"><summary>⋯</summary><ul>{items}</ul></details>'
    if kind in ("static_select", "multi_static_select", "users_select", "multi_users_select", "conversations_select"):
        initial = element.get("initial_option") or {}
        chosen = initial.get("text") or element.get("placeholder") or {"text": "…"}
        options = element.get("initial_options")
        if options:
            return '<span class="select">' + ", ".join(_text(o.get("text")) for o in options) + " ▾</span>"
        return f'<span class="select">{_text(chosen)} ▾</span>'
    if kind in ("radio_buttons", "checkboxes"):
        mark = "◉" if kind == "radio_buttons" else "☑"
        chosen = {json.dumps(o, sort_keys=True) for o in element.get("initial_options", [])}
        if element.get("initial_option"):
            chosen.add(json.dumps(element["initial_option"], sort_keys=True))
        rows = []
        for option in element.get("options", []):
            on = json.dumps(option, sort_keys=True) in chosen
            symbol = mark if on else ("○" if kind == "radio_buttons" else "☐")
            desc = f'<div class="hint">{_text(option["description"])}</div>' if option.get("description") else ""
            rows.append(f"<div>{symbol} {_text(option.get('text'))}{desc}</div>")
        return "".join(rows)
    if kind in ("plain_text_input", "url_text_input", "number_input", "email_text_input"):
        value = element.get("initial_value") or ""
        placeholder = _text(element.get("placeholder")) if element.get("placeholder") else ""
        shown = html.escape(value) or f'<span class="hint">{placeholder}</span>'
        cls = "input multiline" if element.get("multiline") else "input"
        return f'<div class="{cls}">{shown}</div>'
    if kind in ("datetimepicker", "datepicker", "timepicker"):
        return '<div class="input">📅 …</div>'
    if kind == "image":
        src = _image_src(element, images)
        return f'<img class="thumb" src="{html.escape(src or "")}" alt="{html.escape(element.get("alt_text", ""))}">'
    if kind in ("mrkdwn", "plain_text"):
        return _text(element)
    return f'<span class="hint">[{html.escape(str(kind))}]</span>'


def render_blocks(blocks: list[dict[str, Any]], images: dict[str, bytes], lang: str = "en") -> str:
    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            out.append(f"<h3>{_text(block.get('text'))}</h3>")
        elif kind == "section":
            body = _text(block.get("text")) if block.get("text") else ""
            fields = "".join(f"<div>{_text(f)}</div>" for f in block.get("fields", []))
            accessory = _element(block["accessory"], images) if block.get("accessory") else ""
            out.append(
                f'<div class="section"><div class="body">{body}'
                f"{f'<div class=fields>{fields}</div>' if fields else ''}</div>"
                f'<div class="accessory">{accessory}</div></div>'
            )
        elif kind == "context":
            inner = " ".join(_element(e, images) for e in block.get("elements", []))
            out.append(f'<div class="context">{inner}</div>')
        elif kind == "actions":
            inner = " ".join(_element(e, images) for e in block.get("elements", []))
            out.append(f'<div class="actions">{inner}</div>')
        elif kind == "divider":
            out.append("<hr>")
        elif kind == "image":
            src = _image_src(block, images)
            title = f"<div class=hint>{_text(block['title'])}</div>" if block.get("title") else ""
            alt = html.escape(block.get("alt_text", ""))
            out.append(f'{title}<img class="chart" src="{html.escape(src or "")}" alt="{alt}">')
        elif kind == "input":
            label = _text(block.get("label"))
            # Slack adds this itself, in the reader's language.
            word = "（任意）" if lang == "ja" else " (optional)"
            optional = f' <span class="hint">{word}</span>' if block.get("optional") else ""
            hint = f'<div class="hint">{_text(block["hint"])}</div>' if block.get("hint") else ""
            element = _element(block.get("element", {}), images)
            out.append(f'<div class="inputblock"><label>{label}{optional}</label>{element}{hint}</div>')
        elif kind == "rich_text":
            out.append('<div class="hint">[rich text]</div>')
        else:
            out.append(f'<div class="hint">[{html.escape(str(kind))}]</div>')
    return "\n".join(out)


def render_surface(surface: Surface) -> str:
    payload = surface.payload
    blocks = payload.get("blocks") or []
    body = (
        render_blocks(blocks, surface.images, surface.lang)
        if blocks
        else f"<p>{mrkdwn(str(payload.get('text', '')))}</p>"
    )
    if surface.kind == "modal":
        title = _text(payload.get("title"))
        submit = f'<span class="button primary">{_text(payload["submit"])}</span>' if payload.get("submit") else ""
        close = f'<span class="button default">{_text(payload["close"])}</span>' if payload.get("close") else ""
        body = f'<div class="modal-title">{title}</div>{body}<div class="modal-foot">{close} {submit}</div>'
    # Charts shared beside the message (not in its blocks) are shown under it, as Slack shows file shares.
    shown = json.dumps(blocks)
    extra = "".join(
        f'<img class="chart" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
        for file_id, data in surface.images.items()
        if file_id not in shown
    )
    return (
        f'<section class="surface {surface.kind}" id="{surface.key}"><h2>{html.escape(surface.title)}</h2>'
        f'<div class="frame">{body}{extra}</div></section>'
    )


STYLE = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0;
background:#f4f4f4;color:#1d1c1d}
header{padding:16px 24px;background:#3f0e40;color:#fff}header p{margin:4px 0 0;opacity:.8;font-size:13px}
main{display:grid;grid-template-columns:1fr 1fr;gap:24px;padding:24px}
.column h1{font-size:18px;margin:0 0 12px}
.surface{margin-bottom:24px}.surface h2{font-size:13px;text-transform:uppercase;color:#616061;margin:0 0 6px}
.frame{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px;font-size:15px;line-height:1.45}
.modal .frame{max-width:520px;box-shadow:0 4px 12px rgba(0,0,0,.12)}
.modal-title{font-weight:700;font-size:18px;margin-bottom:10px}.modal-foot{text-align:right;margin-top:12px}
h3{font-size:18px;margin:4px 0 8px}.section{display:flex;gap:12px;margin:6px 0}.section .body{flex:1}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.context{color:#616061;font-size:12px;margin:6px 0}.actions{margin:8px 0;display:flex;flex-wrap:wrap;gap:8px}
.button{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:3px 12px;font-size:14px;
font-weight:600;color:#1d1c1d;text-decoration:none;background:#fff}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}.button.danger{color:#e01e5a}
.overflow{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:0 8px}
.overflow ul{margin:4px 0;padding-left:16px;font-size:14px}
.select,.input{display:inline-block;min-width:60%;border:1px solid #bbb;border-radius:4px;padding:4px 8px;
margin:2px 0}.input.multiline{min-height:48px}.inputblock{margin:10px 0}.inputblock label{display:block;font-weight:700}
.hint{color:#616061;font-size:12px}.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
a{color:#1264a3}code{background:#f6f6f6;border:1px solid #e0e0e0;border-radius:3px;padding:0 3px;color:#e01e5a}
pre{background:#f6f6f6;padding:8px}blockquote{border-left:4px solid #ddd;margin:0;padding-left:8px}
img.chart{max-width:100%;margin-top:8px;border:1px solid #eee}img.thumb{width:48px;height:48px;border-radius:4px}
hr{border:0;border-top:1px solid #eee}
"""


def render_page(by_lang: dict[str, list[Surface]], layout: str) -> str:
    columns = []
    for lang, surfaces in by_lang.items():
        heading = {"en": "English", "ja": "日本語"}[lang]
        columns.append(
            f'<div class="column" lang="{lang}"><h1>{heading}</h1>' + "".join(map(render_surface, surfaces)) + "</div>"
        )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>lunchlearn screens</title>'
        f'<meta name="lunchlearn-layout" content="{layout}"><style>{STYLE}</style></head><body>'
        "<header><b>lunchlearn: every surface, English and Japanese</b>"
        "<p>Rendered by <code>make screens</code> from what the bot sent a fake Slack in one whole talk; "
        "mrkdwn shown roughly as Slack shows it. Dates show their fallback text (Slack shows each reader's "
        "time zone).</p></header>"
        f"<main>{''.join(columns)}</main></body></html>\n"
    )


def committed_layout(page: Path) -> str | None:
    if not page.exists():
        return None
    found = re.search(r'<meta name="lunchlearn-layout" content="([0-9a-f]+)">', page.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare the layout with the committed page")
    args = parser.parse_args(argv)
    by_lang = {lang: run_story(lang) for lang in ("en", "ja")}
    layout = digest([s for surfaces in by_lang.values() for s in surfaces])
    page = args.out / "index.html"
    if args.check:
        committed = committed_layout(page)
        if committed != layout:
            print(f"{page} is out of date (layout {committed} != {layout}): run `make screens`", file=sys.stderr)
            return 1
        print(f"{page} is current (layout {layout})")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    page.write_text(render_page(by_lang, layout), encoding="utf-8")
    count = sum(len(s) for s in by_lang.values())
    print(f"wrote {page}: {count} surfaces in 2 languages (layout {layout})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
