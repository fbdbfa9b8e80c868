"""The time the assistant plans and records at: an injectable clock, and stored times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current aware datetime; the scheduler and the buttons take one, so tests can inject it."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """A stored time: ISO 8601 in UTC, so stored times compare as text too."""
    return moment.astimezone(UTC).isoformat()
