"""The dates a series' rule produces, with dateutil's rrule, in the series' own time zone (so 12:00 in Tokyo
stays 12:00 in Tokyo across daylight-saving changes elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from bot.db.models import SeriesCadence

HORIZON_DAYS = 56  # slots are generated this far ahead (8 weeks; two or three monthly dates)
MONTHS_CHECKED = 12  # a monthly rule must give a date in each of the next 12 months


@dataclass(frozen=True)
class Rule:
    cadence: SeriesCadence
    weekday: int  # 0 = Monday
    week_of_month: int | None  # monthly: 1..5 or -1 (last)
    start_time: time
    timezone: str
    anchor: date  # every-2-weeks series count from this date's week

    def _rrule(self, start: date) -> rrule:
        """The rule as naive local datetimes from `start` (monthly) or from the anchor's week (weekly)."""
        if self.cadence is SeriesCadence.MONTHLY:
            nth = self.week_of_month or 1
            return rrule(
                MONTHLY, dtstart=datetime.combine(start, self.start_time), byweekday=weekday(self.weekday, nth)
            )
        interval = 2 if self.cadence is SeriesCadence.BIWEEKLY else 1
        # The anchor's week starts the rhythm; rrule keeps every `interval`-th week from it.
        first = self.anchor - timedelta(days=self.anchor.weekday())
        return rrule(
            WEEKLY, dtstart=datetime.combine(first, self.start_time), interval=interval, byweekday=weekday(self.weekday)
        )

    def between(self, after: datetime, until: datetime) -> list[datetime]:
        """UTC start times of the rule's dates in (after, until]."""
        tz = ZoneInfo(self.timezone)
        low = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
        high = until.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
        out: list[datetime] = []
        for naive in self._rrule(low.date().replace(day=1)).between(low, high, inc=True):
            # Wall-clock time in the series' zone (fold=0: the first of a repeated hour).
            when = naive.replace(tzinfo=tz).astimezone(UTC)
            if after < when <= until:
                out.append(when)
        return out

    def months_without_date(self, today: date) -> list[date]:
        """Months (their first day) in the next MONTHS_CHECKED in which a monthly rule gives no date."""
        if self.cadence is not SeriesCadence.MONTHLY:
            return []
        first = today.replace(day=1)
        missing = []
        for i in range(MONTHS_CHECKED):
            month = first + relativedelta(months=i)
            after = datetime.combine(month, time(0))
            found = self._rrule(month).after(after, inc=True)
            if found is None or (found.year, found.month) != (month.year, month.month):
                missing.append(month)
        return missing
