"""Pure pieces of the announcement card: the join label, the date range, the going line, calendar URLs, the VEVENT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from bot.db.models import StreamKind, Talk, TalkSpeaker, TalkStatus
from bot.views.announcement import going_line
from bot.views.formatting import google_calendar_link, join_label, outlook_calendar_link, when_range
from bot.views.ics import calendar, talk_event

START = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # Thursday 12:00 in Tokyo


@pytest.mark.parametrize(
    ("url", "en", "ja"),
    [
        ("https://www.youtube.com/watch?v=x", "Join on YouTube", "YouTubeで参加"),
        ("https://youtu.be/x", "Join on YouTube", "YouTubeで参加"),
        ("https://meet.google.com/abc-defg-hij", "Join Google Meet", "Google Meetで参加"),
        ("https://us02web.zoom.us/j/1", "Join (us02web.zoom.us)", "参加する（us02web.zoom.us）"),
        ("https://www.Zoom.us/j/1", "Join (zoom.us)", "参加する（zoom.us）"),
        ("https://meet.google.com@evil.example/x", "Join (evil.example)", "参加する（evil.example）"),
    ],
)
def test_join_label_names_what_the_link_opens(url: str, en: str, ja: str) -> None:
    assert (join_label("en", url), join_label("ja", url)) == (en, ja)


def test_date_range_has_weekday_start_and_end_for_every_reader() -> None:
    text = when_range(START, START + timedelta(minutes=45), "Asia/Tokyo", "en")
    assert text == (
        f"<!date^{int(START.timestamp())}^{{date_long}} {{time}}|Thu 2026-12-03 12:00>"
        f"–<!date^{int(START.timestamp()) + 2700}^{{time}}|12:45 JST>"
    )
    assert "|2026-12-03（木）12:00>" in when_range(START, START + timedelta(minutes=45), "Asia/Tokyo", "ja")


@pytest.mark.parametrize(
    ("count", "names", "ended", "en", "ja"),
    [
        (0, [], False, "Nobody has said they're going yet. Be the first!", "まだ参加表明はありません。"),
        (1, ["Aiko"], False, "Aiko is going", "Aikoさんが参加予定です"),
        (2, ["Aiko", "Ben"], False, "Aiko and Ben are going", "Aikoさん、Benさんが参加予定です"),
        (
            4,
            ["Aiko", "Ben", "Chen"],
            False,
            "Aiko, Ben, Chen and 1 other are going",
            "Aikoさん、Benさん、Chenさんほか1人",
        ),
        (15, ["Aiko", "Ben", "Chen"], False, "Aiko, Ben, Chen and 12 others are going", "ほか12人が参加予定です"),
        (3, [], False, "3 people are going", "3人が参加予定です"),
        (1, [], True, "1 person was going", "1人が参加予定でした"),
        (12, ["Aiko"], True, "12 people were going", "12人が参加予定でした"),
    ],
)
def test_going_line(count: int, names: list[str], ended: bool, en: str, ja: str) -> None:
    assert going_line("en", count=count, names=names, ended=ended) == en
    assert ja in str(going_line("ja", count=count, names=names, ended=ended))


def test_nothing_to_say_after_a_talk_nobody_went_to() -> None:
    assert going_line("en", count=0, names=[], ended=True) is None


@pytest.mark.parametrize("build", [google_calendar_link, outlook_calendar_link])
def test_calendar_urls_shorten_the_description_but_keep_the_links(build: object) -> None:
    footer = "Join: https://meet.google.com/abc\nAnnouncement in Slack: https://acme.slack.com/archives/C1/p1"
    url = build(  # type: ignore[operator]
        title="T", details="d" * 5000, starts_at=START, ends_at=START + timedelta(hours=1), footer=footer
    )
    assert len(url) <= 3000
    body = next(v[0] for k, v in parse_qs(urlsplit(url).query).items() if k in ("details", "body"))
    assert body.endswith(footer) and body.startswith("d")


def _talk(status: TalkStatus) -> Talk:
    talk = Talk(
        id=9,
        team_id="T1",
        organiser_id="U1",
        title="Intro\u202e to Rust",
        description="Ownership.",
        channel_id="C1",
        starts_at=START,
        ends_at=START + timedelta(minutes=45),
        timezone="Asia/Tokyo",
        language="ja",
        stream_kind=StreamKind.MANUAL,
        stream_url="https://zoom.us/j/1",
        status=status,
        updated_at=START - timedelta(days=1),
    )
    talk.speakers = [TalkSpeaker(user_id="U2", position=0)]
    return talk


def test_vevent_round_trips_through_icalendar() -> None:
    event = talk_event(
        _talk(TalkStatus.CANCELLED),
        join_url="https://zoom.us/j/1",
        permalink="https://acme.slack.com/archives/C1/p1",
        sequence=3,
    )
    [parsed] = icalendar.Calendar.from_ical(calendar([event], name="ランチ勉強会")).walk("VEVENT")
    assert str(parsed["UID"]) == "talk-9@lunchlearn" and int(parsed["SEQUENCE"]) == 3
    assert str(parsed["STATUS"]) == "CANCELLED" and str(parsed["SUMMARY"]) == "Intro to Rust"  # no bidi override
    assert parsed.decoded("DTSTART") == START and parsed.decoded("DTEND") == START + timedelta(minutes=45)
    assert "参加リンク：https://zoom.us/j/1" in str(parsed["DESCRIPTION"])
    assert str(parsed["URL"]) == "https://acme.slack.com/archives/C1/p1"
    # A link that is not a safe https URL is left out rather than passed on.
    unsafe = talk_event(_talk(TalkStatus.SCHEDULED), join_url="javascript:alert(1)", permalink=None, sequence=0)
    assert "LOCATION" not in unsafe and "javascript" not in str(unsafe.get("DESCRIPTION"))
