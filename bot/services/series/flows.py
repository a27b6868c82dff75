"""What a series does after it changes, and on the clock, as explicit lists of steps (like bot/flows/talk.py).

Each step is a module-level function `(service, series_id, now)` that is idempotent: generating inserts slots with
ON CONFLICT DO NOTHING on (series_id, starts_at), and every DM goes through the keyed outbox (`send_once`), so a
step run twice, by two processes or after a crash, changes nothing the second time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.series.service import SeriesService

Step = Callable[["SeriesService", int, datetime], None]


def generate_slots(service: SeriesService, series_id: int, now: datetime) -> None:
    service.generate(series_id, now=now)


def alert_empty_slots(service: SeriesService, series_id: int, now: datetime) -> None:
    service.alert_empty(series_id, now=now)


def monthly_report(service: SeriesService, series_id: int, now: datetime) -> None:
    service.monthly_report(series_id, now=now)


# Created, edited or resumed: slots follow the rule at once; a slot already inside its alert window is flagged.
CHANGED: tuple[Step, ...] = (generate_slots, alert_empty_slots)
# The scheduler's sweep (hourly, maintenance:series_sweep): the horizon moves on, and alerts fall due.
# ...and once a month the figures go to the organisers ("How is the series doing?").
SWEEP: tuple[Step, ...] = (generate_slots, alert_empty_slots, monthly_report)


def run(service: SeriesService, steps: tuple[Step, ...], series_id: int, now: datetime) -> None:
    for step in steps:
        step(service, series_id, now)
