"""The deadlines as an iCalendar file: ``/deadlines.ics`` and ``mhhs-bot deadlines --ics``.

Programme and team deadlines only: case deadlines are left out, as the calendar may be shared beyond the team.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlite_utils
from icalendar import Calendar, Event

from bot.core.working_days import calendar_from_settings, to_london
from bot.deadlines.model import Deadline
from bot.deadlines.sources import DeadlineSources, all_deadlines


def calendar_ics(deadlines: Iterable[Deadline], now: datetime, guidance_base_url: str | None = None) -> bytes:
    """``deadlines`` as iCalendar text, one event each (``now`` is the events' time stamp)."""
    cal = Calendar()
    cal.add("prodid", "-//MHHS Qualification Assistant//Deadlines//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "MHHS Qualification deadlines")
    cal.add("x-wr-timezone", "Europe/London")
    for deadline in deadlines:
        event = Event()
        event.add("uid", f"{deadline.key}@mhhs-qualification-assistant")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", to_london(deadline.due))
        summary = deadline.name + (" (illustrative)" if deadline.illustrative else "")
        event.add("summary", summary)
        description = [deadline.what] if deadline.what else []
        if deadline.rule:
            description.append(f"Rule: {deadline.rule}")
        if deadline.guidance:
            description.append(f"Guidance: {deadline.guidance}")
        if description:
            event.add("description", "\n".join(description))
        if deadline.guidance and guidance_base_url:
            event.add("url", f"{guidance_base_url.rstrip('/')}/{deadline.guidance}")
        event.add("categories", ["MHHS Qualification"])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def deadlines_ics(settings, db: sqlite_utils.Database, now: datetime | None = None) -> bytes:
    """Programme and team deadlines as iCalendar (case deadlines are left out)."""
    now = now or datetime.now(UTC)
    calendar = calendar_from_settings(settings)
    deadlines = all_deadlines(settings, db, calendar, DeadlineSources(cases=False))
    return calendar_ics(deadlines, now, settings.deadlines.guidance_base_url)
