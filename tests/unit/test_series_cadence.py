"""series: the dates a series rule gives (bot/services/series/cadence.py), in the series' own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import SeriesCadence
from bot.services.series.cadence import Rule

NEW_YORK = ZoneInfo("America/New_York")


def rule(cadence: SeriesCadence, weekday: int, week: int | None = None, *, anchor: date = date(2026, 10, 1)) -> Rule:
    return Rule(
        cadence=cadence,
        weekday=weekday,
        week_of_month=week,
        start_time=time(12, 0),
        timezone="America/New_York",
        anchor=anchor,
    )


def test_weekly_keeps_the_wall_clock_time_across_daylight_saving() -> None:
    after = datetime(2026, 10, 20, tzinfo=UTC)
    dates = rule(SeriesCadence.WEEKLY, 1).between(after, after + timedelta(days=28))
    local = [d.astimezone(NEW_YORK) for d in dates]
    assert [d.date() for d in local] == [date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3), date(2026, 11, 10)]
    assert {(d.hour, d.minute) for d in local} == {(12, 0)}
    assert [d.hour for d in dates] == [16, 16, 17, 17]  # UTC moves when New York leaves daylight saving time


def test_every_two_weeks_follows_the_anchor_week() -> None:
    after = datetime(2026, 11, 1, tzinfo=UTC)
    dates = rule(SeriesCadence.BIWEEKLY, 3, anchor=date(2026, 10, 1)).between(after, after + timedelta(days=42))
    local = [d.astimezone(NEW_YORK).date() for d in dates]
    # Thursday 1 October is in the anchor's week: then every other Thursday.
    assert local == [date(2026, 11, 12), date(2026, 11, 26), date(2026, 12, 10)]


def test_monthly_on_the_last_or_nth_weekday() -> None:
    after = datetime(2026, 10, 1, tzinfo=UTC)
    last_friday = rule(SeriesCadence.MONTHLY, 4, -1).between(after, after + timedelta(days=92))
    assert [d.astimezone(NEW_YORK).date() for d in last_friday] == [
        date(2026, 10, 30),
        date(2026, 11, 27),
        date(2026, 12, 25),
    ]
    second_tuesday = rule(SeriesCadence.MONTHLY, 1, 2).between(after, after + timedelta(days=62))
    assert [d.astimezone(NEW_YORK).date() for d in second_tuesday] == [date(2026, 10, 13), date(2026, 11, 10)]


def test_a_rule_that_skips_months_is_detected() -> None:
    today = date(2026, 12, 2)
    fifth_monday = rule(SeriesCadence.MONTHLY, 0, 5).months_without_date(today)
    assert fifth_monday and date(2027, 3, 1) not in fifth_monday  # March 2027 has five Mondays
    assert date(2027, 2, 1) in fifth_monday
    assert rule(SeriesCadence.MONTHLY, 0, 4).months_without_date(today) == []
    assert rule(SeriesCadence.MONTHLY, 0, -1).months_without_date(today) == []
    assert rule(SeriesCadence.WEEKLY, 0).months_without_date(today) == []
