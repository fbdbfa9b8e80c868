"""Working days in England and Wales, and Europe/London wall-clock times.

A working day is a Monday to Friday that is neither an England and Wales bank holiday (from the ``holidays``
package, substitute days included, e.g. Boxing Day observed on a Monday) nor a configured closure day
(``MHHS_CLOSURE_DAYS``, e.g. the Christmas shutdown).

Counting rules used everywhere in the assistant:

- ``add(day, n)`` is the n-th working day after ``day`` (n > 0) or before it (n < 0); ``day`` itself never
  counts. ``add(day, 0)`` is ``day`` unchanged.
- ``count(start, end)`` is the number of working days after ``start`` up to and including ``end`` (negative when
  ``end`` is before ``start``), so ``count(today, add(today, n)) == n``.
- Times are Europe/London wall-clock times; :func:`london_time` builds an aware datetime that is correct on both
  sides of a clock change (09:00 is 09:00 GMT in winter and 09:00 BST in summer).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
_WEEKEND = {5: "Saturday", 6: "Sunday"}


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by the spring clock change (e.g. 01:30 on the last Sunday of March)."""


def london_time(day: date, at: time) -> datetime:
    """``day`` at wall-clock ``at`` in Europe/London, as an aware datetime.

    An ambiguous autumn time (01:00-01:59 on the last Sunday of October) means its first occurrence (BST); a time
    that does not exist in spring raises :class:`NonexistentLocalTime`.
    """
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=LONDON)
    round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(LONDON)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{day.isoformat()} {at.strftime('%H:%M')} does not exist in Europe/London"
        )
    return local


def to_london(moment: datetime) -> datetime:
    """An aware datetime shown in Europe/London (naive datetimes are taken as London wall-clock time)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LONDON)
    return moment.astimezone(LONDON)


class WorkingCalendar:
    """England and Wales working days, less configured closure days."""

    def __init__(self, closure_days: Iterable[date] = ()):
        self.closure_days = frozenset(closure_days)

    def non_working_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day ("Saturday", "Christmas Day", "closure day"), or None if it is one."""
        if day.weekday() in _WEEKEND:
            return _WEEKEND[day.weekday()]
        holiday = _bank_holidays(day.year).get(day)
        if holiday:
            return holiday
        if day in self.closure_days:
            return "closure day"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.non_working_reason(day) is None

    def add(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n > 0) or before it (n < 0); ``day`` for n == 0."""
        step = 1 if n > 0 else -1
        left = abs(n)
        current = day
        while left:
            current += timedelta(days=step)
            if self.is_working_day(current):
                left -= 1
        return current

    def count(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is before ``start``."""
        if end == start:
            return 0
        if end < start:
            return -self.count(end, start)
        total = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                total += 1
        return total

    def on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next working day."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def on_or_before(self, day: date) -> date:
        """``day`` if it is a working day, else the previous working day."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_days_left(self, now: datetime, due: datetime) -> int:
        """Working days from ``now``'s London date to ``due``'s (0 on the day itself, negative once overdue)."""
        return self.count(to_london(now).date(), to_london(due).date())


def calendar_from_settings(settings) -> WorkingCalendar:
    """The working calendar for ``settings`` (bank holidays plus ``MHHS_CLOSURE_DAYS``)."""
    return WorkingCalendar(settings.deadlines.closure_days)
