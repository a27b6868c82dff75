"""Pure functions: modal parsing and validation, Block Kit builders within Slack's limits, formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from bot import ids
from bot.db.models import StreamKind, Talk, TalkSpeaker, TalkStatus
from bot.domain import parse_offsets
from bot.views.announcement import build_announcement
from bot.views.commands import build_help, build_talk_list
from bot.views.formatting import google_calendar_link, slack_date
from bot.views.home import build_home
from bot.views.live_post import build_live_post
from bot.views.parsing import parse_talk_submission, validate_stream_url
from bot.views.talk_modal import build_talk_modal
from tests.fakes.slack_api import validate_message_blocks, validate_view
from tests.helpers import talk_values

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def values_at(start: datetime, **kw: object) -> dict:  # type: ignore[type-arg]
    return talk_values(start=int(start.timestamp()), speakers=["U1"], **kw)  # type: ignore[arg-type]


def test_a_valid_submission_parses_into_talk_input() -> None:
    data, errors = parse_talk_submission(
        values_at(NOW + timedelta(days=1), title="  Rust   in  production "), "en", now=NOW
    )
    assert not errors and data is not None
    assert data.title == "Rust in production"  # whitespace collapsed
    assert data.starts_at == NOW + timedelta(days=1) and data.ends_at == data.starts_at + timedelta(minutes=45)
    assert data.stream_kind is StreamKind.MANUAL and data.stream_url == "https://zoom.example.com/j/123"
    assert data.channel_id == "CGENERAL" and data.reminder_offsets is None


def test_google_streams_need_no_link_and_drop_a_stray_one() -> None:
    data, errors = parse_talk_submission(values_at(NOW + timedelta(hours=2), stream="youtube"), "en", now=NOW)
    assert not errors and data is not None and data.stream_url is None and data.stream_kind is StreamKind.YOUTUBE


@pytest.mark.parametrize(
    ("overrides", "block"),
    [
        ({"title": None}, ids.BLOCK_TITLE),
        ({"title": "x" * 151}, ids.BLOCK_TITLE),
        ({"description": "y" * 3000}, ids.BLOCK_DESCRIPTION),
        ({"duration": "181"}, ids.BLOCK_DURATION),
        ({"duration": "14"}, ids.BLOCK_DURATION),
        ({"duration": "4.5"}, ids.BLOCK_DURATION),
        ({"channel": None}, ids.BLOCK_CHANNEL),
        ({"channel": "DABC"}, ids.BLOCK_CHANNEL),
        ({"url": "ftp://files.example.com/x"}, ids.BLOCK_STREAM_URL),
    ],
)
def test_each_bad_field_gets_an_error_on_its_own_block(overrides: dict, block: str) -> None:  # type: ignore[type-arg]
    data, errors = parse_talk_submission(values_at(NOW + timedelta(days=1), **overrides), "en", now=NOW)
    assert data is None and list(errors.errors) == [block]


def test_start_in_the_past_is_refused_but_a_minute_of_slack_is_allowed() -> None:
    _, late = parse_talk_submission(values_at(NOW - timedelta(minutes=5)), "en", now=NOW)
    assert list(late.errors) == [ids.BLOCK_START]
    data, ok = parse_talk_submission(values_at(NOW - timedelta(seconds=30)), "en", now=NOW)
    assert not ok and data is not None
    # When editing a live talk, its (past) start may stay as it is.
    past = NOW - timedelta(minutes=10)
    data, errors = parse_talk_submission(values_at(past), "en", now=NOW, channel_id="C1", unchanged_start=past)
    assert not errors and data is not None and data.channel_id == "C1"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://meet.example.com/abc", None),
        ("http://meet.example.com/abc", "error.stream_url.not_https"),
        ("https://localhost/x", "error.stream_url.invalid"),
        ("https://exa mple.com", "error.stream_url.characters"),
        ("javascript:alert(1)", "error.stream_url.invalid"),
        ("https://x.com/" + "a" * 2000, "error.stream_url.invalid"),
        # Markup that would end Slack's <url|label> token and ping or spoof a link.
        ("https://x.example.com/a><!channel><https://evil.example.com|Join", "error.stream_url.characters"),
        ("https://x.example.com/a|Join", "error.stream_url.characters"),
        ('https://x.example.com/"a', "error.stream_url.characters"),
        ("https://x.example.com/'a", "error.stream_url.characters"),
        ("https://x.example.com/a\tb", "error.stream_url.characters"),
        ("https://x.example.com/a\x07", "error.stream_url.characters"),
        ("https://x.example.com/\u202egnp.exe", "error.stream_url.characters"),
        ("https://x.example.com/\u200b", "error.stream_url.characters"),
        ("https://[bad/x", "error.stream_url.invalid"),
        ("https:///nohost", "error.stream_url.invalid"),
        ("https://x.example.com/watch?v=1&t=2", None),
        ("https://例え.jp/会議", None),
    ],
)
def test_stream_url_validation(url: str, problem: str | None) -> None:
    assert validate_stream_url(url) == problem


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("1440, 10", [1440, 10]),
        ("10,1440,10", [1440, 10]),
        ("", []),
        ("30、5", [30, 5]),
        ("0", None),
        ("a", None),
        ("1,2,3,4,5,6", None),
        ("20000", None),
    ],
)
def test_reminder_offsets(raw: str, parsed: list[int] | None) -> None:
    assert parse_offsets(raw) == parsed


def _talk(**kw: object) -> Talk:
    talk = Talk(
        id=kw.pop("id", 7),  # type: ignore[arg-type]
        team_id="T1",
        organiser_id="UORG",
        title=kw.pop("title", "A talk about things"),  # type: ignore[arg-type]
        description=kw.pop("description", "Details"),  # type: ignore[arg-type]
        channel_id="C1",
        starts_at=NOW,
        ends_at=NOW + timedelta(minutes=45),
        timezone="Asia/Tokyo",
        language=kw.pop("language", "en"),  # type: ignore[arg-type]
        stream_kind=StreamKind.MANUAL,
        stream_url="https://meet.example.com/x",
        status=kw.pop("status", TalkStatus.SCHEDULED),  # type: ignore[arg-type]
        **kw,
    )
    talk.speakers = [TalkSpeaker(user_id=f"U{i}", position=i) for i in range(3)]
    return talk


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("status", list(TalkStatus))
def test_announcement_fits_slack_limits_in_every_state_and_language(lang: str, status: TalkStatus) -> None:
    long = _talk(title="T" * 150, description="D" * 2900, language=lang, status=status, cancel_reason="R" * 500)
    blocks = [b.to_dict() for b in build_announcement(long, going_count=1234)]
    assert validate_message_blocks(blocks) == []
    has_actions = any(b["type"] == "actions" for b in blocks)
    assert has_actions == (status in (TalkStatus.SCHEDULED, TalkStatus.LIVE))


def test_announcement_in_japanese() -> None:
    text = str([b.to_dict() for b in build_announcement(_talk(language="ja"), going_count=3)])
    assert "参加する" in text and "参加予定：3人" in text and "発表者" in text


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_modal_fits_slack_limits(lang: str) -> None:
    view = build_talk_modal(
        lang, title="x" * 150, description="d" * 2900, speaker_ids=["U1"], starts_at=NOW, channel_id="C1"
    )
    assert validate_view(view.to_dict()) == []
    edit = build_talk_modal(lang, editing=True, private_metadata="123", reminders="1440,10")
    assert validate_view(edit.to_dict()) == [] and ids.BLOCK_CHANNEL not in str(edit.to_dict())
    for more in (False, True):
        for editing in (False, True):
            built = build_talk_modal(lang, editing=editing, more=more, stream_kind=StreamKind.MEET, reminders="60")
            assert validate_view(built.to_dict()) == [], (more, editing)


def test_live_post_and_home_and_list_fit_slack_limits() -> None:
    talk = _talk(status=TalkStatus.LIVE)
    assert validate_message_blocks([b.to_dict() for b in build_live_post(talk, url=talk.stream_url, extra=[])]) == []
    many = [_talk(id=i) for i in range(30)]
    home = build_home("en", live=many, upcoming=many, mine=many, ended=many, going={3})
    assert validate_view(home.to_dict()) == []
    listed = build_talk_list("ja", many[:20], permalinks={}, more=10)
    assert validate_message_blocks([b.to_dict() for b in listed]) == []
    assert validate_message_blocks([b.to_dict() for b in build_help("en", unknown="x" * 500)]) == []


def test_slack_date_and_calendar_link() -> None:
    token = slack_date(NOW, "Asia/Tokyo")
    assert token == f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} {{time}}|2026-12-01 18:00 JST>"
    link = google_calendar_link(title="T & Q", details="x" * 5000, starts_at=NOW, ends_at=NOW + timedelta(minutes=45))
    assert len(link) <= 3000
    query = parse_qs(urlparse(link).query)
    assert query["dates"] == ["20261201T090000Z/20261201T094500Z"] and query["text"] == ["T & Q"]


@pytest.mark.parametrize(
    ("minutes", "en", "ja"),
    [
        (1440, "1 day before", "1日前"),
        (2880, "2 days before", "2日前"),
        (60, "1 hour before", "1時間前"),
        (90, "90 minutes before", "90分前"),
        (1, "1 minute before", "1分前"),
    ],
)
def test_reminder_labels_use_the_largest_whole_unit_and_the_right_number(minutes: int, en: str, ja: str) -> None:
    from bot.views.talk_modal import reminder_label

    assert (reminder_label("en", minutes), reminder_label("ja", minutes)) == (en, ja)
