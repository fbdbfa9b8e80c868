"""A qualification deadline and how a due time is written.

:class:`Deadline` is what every source gives (the deadlines file, the team, cases) and what nudges, lists and the
calendar read. Due times are Europe/London wall-clock times; :func:`parse_due` reads them from text.

Audiences are strings: ``channel:C0123`` (a channel message), ``user:U0123`` (a direct message), ``team`` (the
team channel, ``SLACK_TEAM_CHANNEL``) and ``case-owner`` (the owner of the deadline's case, else the team).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.core.working_days import LONDON, NonexistentLocalTime, WorkingCalendar, london_time, to_london

DEFAULT_DUE_TIME = time(17, 0)
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CHANNEL_PATTERN = re.compile(r"^(?:[CGD][A-Z0-9]{2,}|#[a-z0-9][a-z0-9_-]{0,79})$")
USER_PATTERN = re.compile(r"^[UW][A-Z0-9]{2,}$")
CASE_REF_PATTERN = re.compile(r"^[A-Z]{1,5}-\d{1,8}$")


@dataclass(frozen=True)
class Deadline:
    """One deadline. ``due`` is an aware datetime; ``key`` is unique across every source."""

    key: str
    name: str
    due: datetime
    what: str = ""
    audience: tuple[str, ...] = ()
    lead_days: tuple[int, ...] | None = None  # None: MHHS_NUDGE_LEAD_DAYS
    guidance: str | None = None
    illustrative: bool = False
    nudge: bool = True
    source: str = "file"  # file, team or case
    case_ref: str | None = None
    rule: str | None = None  # e.g. "10 working days after qt-exit"
    notes: str = ""

    @property
    def due_london(self) -> datetime:
        return to_london(self.due)

    def as_json(self, calendar: WorkingCalendar, now: datetime) -> dict[str, Any]:
        return {
            "id": self.key,
            "name": self.name,
            "what": self.what,
            "due": self.due_london.isoformat(),
            "working_days_left": calendar.working_days_left(now, self.due),
            "audience": list(self.audience),
            "lead_days": list(self.lead_days) if self.lead_days is not None else None,
            "guidance": self.guidance,
            "illustrative": self.illustrative,
            "nudge": self.nudge,
            "source": self.source,
            "case": self.case_ref,
            "rule": self.rule,
        }


def parse_time_of_day(text: str) -> time:
    """``"17:00"`` or ``"9:30"`` → a time; raises ValueError."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"expected a time like 17:00, got {text!r}")
    return time(int(match[1]), int(match[2]))


def parse_due(text: str, default_time: time = DEFAULT_DUE_TIME) -> datetime:
    """A due date-time from text: ``2026-03-31`` (at ``default_time``), ``2026-03-31 17:00``,
    ``2026-03-31T17:00`` (Europe/London wall-clock) or with an offset (``2026-03-31T16:00Z``, ``+01:00``).

    Raises ValueError with a short reason (an invalid date, or a time skipped by the spring clock change).
    """
    value = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a valid date: {value!r}") from None
        try:
            return london_time(day, default_time)
        except NonexistentLocalTime as exc:
            raise ValueError(str(exc)) from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?", value):
        raise ValueError(
            f"expected a date like 2026-03-31 or a date and time like 2026-03-31 17:00, got {value!r}"
        )
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a valid date and time: {value!r}") from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(LONDON)
    try:
        return london_time(parsed.date(), parsed.time())
    except NonexistentLocalTime as exc:
        raise ValueError(str(exc)) from None
