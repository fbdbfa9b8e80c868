from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.settings import load_settings
from bot.core.working_days import (
    LONDON,
    NonexistentLocalTime,
    WorkingCalendar,
    calendar_from_settings,
    london_time,
)

UTC = ZoneInfo("UTC")


@pytest.fixture
def calendar():
    return WorkingCalendar()


def test_christmas_and_new_year_bank_holidays_are_skipped(calendar):
    # 2026: Christmas Day is a Friday, Boxing Day a Saturday (observed Monday 28th), New Year's Day a Friday.
    assert calendar.non_working_reason(date(2026, 12, 25)) == "Christmas Day"
    assert calendar.non_working_reason(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert calendar.non_working_reason(date(2027, 1, 1)) == "New Year's Day"
    assert calendar.add(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert calendar.add(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.add(date(2026, 12, 29), -1) == date(2026, 12, 24)
    # 24 Dec to 4 Jan: 29, 30, 31 Dec and 4 Jan.
    assert calendar.count(date(2026, 12, 24), date(2027, 1, 4)) == 4


def test_easter_bank_holidays_are_skipped(calendar):
    # 2027: Good Friday 26 March, Easter Monday 29 March.
    assert calendar.non_working_reason(date(2027, 3, 26)) == "Good Friday"
    assert calendar.non_working_reason(date(2027, 3, 29)) == "Easter Monday"
    assert calendar.add(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert calendar.add(date(2027, 3, 30), -2) == date(2027, 3, 24)


def test_scottish_holidays_are_not_england_and_wales_holidays(calendar):
    # 2 January is a bank holiday in Scotland only; St Andrew's Day likewise.
    assert calendar.is_working_day(date(2026, 1, 2))
    assert calendar.is_working_day(date(2026, 11, 30))


def test_weekends(calendar):
    assert calendar.non_working_reason(date(2026, 11, 28)) == "Saturday"
    assert calendar.non_working_reason(date(2026, 11, 29)) == "Sunday"
    assert calendar.add(date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert calendar.add(date(2026, 11, 30), -1) == date(2026, 11, 27)
    assert calendar.on_or_after(date(2026, 11, 28)) == date(2026, 11, 30)
    assert calendar.on_or_before(date(2026, 11, 29)) == date(2026, 11, 27)


def test_closure_days_from_settings_are_not_working_days(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"MHHS_CLOSURE_DAYS": "2026-12-29,2026-12-30,2026-12-31"})
    calendar = calendar_from_settings(settings)
    assert calendar.non_working_reason(date(2026, 12, 30)) == "closure day"
    assert calendar.add(date(2026, 12, 24), 1) == date(2027, 1, 4)


def test_add_and_count_agree(calendar):
    start = date(2026, 12, 10)
    for n in range(-30, 31):
        assert calendar.count(start, calendar.add(start, n)) == n
    assert calendar.add(start, 0) == start


def test_working_days_left_uses_london_dates(calendar):
    # 23:30 UTC on Friday 24 July 2026 is already Saturday in London (BST).
    now = datetime(2026, 7, 24, 23, 30, tzinfo=UTC)
    due = london_time(date(2026, 7, 27), time(17))
    assert calendar.working_days_left(now, due) == 1


def test_london_time_across_clock_changes():
    winter = london_time(date(2026, 3, 27), time(9))
    summer = london_time(date(2026, 3, 30), time(9))
    assert winter.astimezone(UTC).hour == 9  # GMT
    assert summer.astimezone(UTC).hour == 8  # BST
    # the same wall-clock hour, 3 days apart, is 71 hours apart in real time across the change
    assert summer.astimezone(UTC) - winter.astimezone(UTC) == timedelta(hours=71)
    autumn = london_time(date(2026, 10, 26), time(9))
    assert autumn.astimezone(UTC).hour == 9
    assert autumn.tzinfo is LONDON


def test_time_skipped_by_the_spring_change_is_refused():
    with pytest.raises(NonexistentLocalTime):
        london_time(date(2026, 3, 29), time(1, 30))
    # the repeated autumn hour means its first (BST) occurrence
    ambiguous = london_time(date(2026, 10, 25), time(1, 30))
    assert ambiguous.astimezone(UTC).hour == 0
