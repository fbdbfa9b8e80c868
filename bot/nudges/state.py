"""Done and Snooze: ``nudge_state`` holds, per (deadline, due time, audience), "done" (no more nudges) and
"snoozed until" (no nudges until then; a reminder at that time replaces the nudges missed meanwhile)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import sqlite_utils

from bot.core.clock import stamp
from bot.core.settings import Settings
from bot.core.working_days import WorkingCalendar, london_time, to_london

SNOOZE_SPANS = ("working_day", "week")


def states(db: sqlite_utils.Database) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every Done and Snooze, by (deadline, due time, audience)."""
    return {
        (row["deadline_key"], row["due"], row["audience"]): row
        for row in db.query("SELECT * FROM nudge_state")
    }


def _upsert_state(
    db: sqlite_utils.Database, key: str, due: str, audience: str, now: datetime, **values: Any
) -> None:
    db["nudge_state"].upsert(
        {"deadline_key": key, "due": due, "audience": audience, "updated_at": stamp(now), **values},
        pk=("deadline_key", "due", "audience"),
    )


def mark_done(db: sqlite_utils.Database, key: str, due: str, audience: str, user: str, now: datetime) -> None:
    """No more nudges for this deadline and audience."""
    _upsert_state(db, key, due, audience, now, done_at=stamp(now), done_by=user)


def snooze(
    db: sqlite_utils.Database,
    settings: Settings,
    calendar: WorkingCalendar,
    key: str,
    due: str,
    audience: str,
    user: str,
    now: datetime,
    span: str,
) -> datetime:
    """Hold nudges until the nudge hour one working day (or one week) later; returns that time.

    A snooze never runs past the on-the-day nudge, so the last reminder still comes.
    """
    if span not in SNOOZE_SPANS:
        raise ValueError(f"unknown snooze span {span!r}")
    today = to_london(now).date()
    day = calendar.add(today, 1) if span == "working_day" else calendar.on_or_after(today + timedelta(days=7))
    until = london_time(day, time(settings.deadlines.nudge_hour))
    due_at = datetime.fromisoformat(due)
    on_the_day = london_time(
        calendar.on_or_before(to_london(due_at).date()), time(settings.deadlines.nudge_hour)
    )
    if now < on_the_day < until and on_the_day < due_at:
        until = on_the_day
    _upsert_state(db, key, due, audience, now, snoozed_until=until.isoformat(), snoozed_by=user)
    return until
