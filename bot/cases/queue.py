"""Working the queue: the named queues, status words people type, and ages in working days."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from bot.cases.model import (
    ACCEPTED,
    CLARIFICATION_REQUESTED,
    REJECTED,
    STATUSES,
    TRANSITIONS,
    UNDER_REVIEW,
    WITHDRAWN,
    PlacingRelianceCase,
)
from bot.cases.reading import list_cases
from bot.core.errors import CaseError
from bot.core.working_days import WorkingCalendar, to_london

# --- working the queue ------------------------------------------------------------------------------------------

QUEUE_OPEN = "open"
QUEUE_MINE = "mine"
QUEUE_FLAGGED = "flagged"
QUEUE_ALL = "all"
QUEUES = (QUEUE_OPEN, QUEUE_MINE, QUEUE_FLAGGED, QUEUE_ALL)

QUEUE_TITLES = {
    QUEUE_OPEN: "Open cases",
    QUEUE_MINE: "Your open cases",
    QUEUE_FLAGGED: "Flagged open cases",
    QUEUE_ALL: "All cases",
}

# words people type for a status, beside the status names themselves
STATUS_WORDS = {
    "review": UNDER_REVIEW,
    "reviewing": UNDER_REVIEW,
    "clarification": CLARIFICATION_REQUESTED,
    "clarify": CLARIFICATION_REQUESTED,
    "accept": ACCEPTED,
    "reject": REJECTED,
    "withdraw": WITHDRAWN,
}


def queue(db: sqlite_utils.Database, name: str, user_id: str | None = None) -> list[PlacingRelianceCase]:
    """A work queue, newest first: ``open``, ``mine`` (open cases owned by ``user_id``), ``flagged`` (open cases
    with any flag, awaiting participant included) or ``all``."""
    if name == QUEUE_OPEN:
        return list_cases(db, open_only=True)
    if name == QUEUE_MINE:
        if not user_id:
            raise CaseError("the 'mine' queue needs the person whose cases to list")
        return list_cases(db, owner=user_id, open_only=True)
    if name == QUEUE_FLAGGED:
        return list_cases(db, open_only=True, flagged=True)
    if name == QUEUE_ALL:
        return list_cases(db)
    raise CaseError(f"unknown queue {name!r}; one of {', '.join(QUEUES)}")


def next_statuses(status: str) -> list[str]:
    """The statuses a case in ``status`` may change to, in workflow order (none once closed: reopen instead)."""
    return [s for s in STATUSES if s in TRANSITIONS[status]]


def status_from_text(text: str) -> str:
    """``"under review"`` / ``"Under_Review"`` / ``"review"`` -> ``under_review``; anything else is refused."""
    key = "_".join(text.strip().lower().replace("-", " ").split())
    if key in STATUSES:
        return key
    if key in STATUS_WORDS:
        return STATUS_WORDS[key]
    raise CaseError(f"unknown status {text.strip()!r}; one of {', '.join(STATUSES)}")


def age_in_working_days(case: PlacingRelianceCase, calendar: WorkingCalendar, now: datetime) -> int:
    """Working days from the day the case's first mail was received to ``now`` (both as UK dates)."""
    received = datetime.fromisoformat(case.received_at)
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return max(0, calendar.count(to_london(received).date(), to_london(now).date()))
