"""What a planning run decides: the nudges to send now, the ones they supersede, and why others wait."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.working_days import to_london
from bot.deadlines import Deadline


@dataclass(frozen=True)
class Slot:
    """One planned time of a deadline's nudges: a lead time (``lead:N``) or the end of a snooze."""

    name: str
    lead_days: int | None  # None: a snooze's reminder
    send_at: datetime


@dataclass(frozen=True)
class PlannedNudge:
    deadline: Deadline
    audience: str  # resolved: "channel:C.." or "user:U.."
    slot: str  # "lead:N" or "snooze:<until>"
    send_at: datetime
    late: bool
    working_days_left: int
    text: str  # plain text (bot.nudges.wording); handlers/ build the Slack message from the fields
    reason: str
    due_today: bool = False

    @property
    def due_key(self) -> str:
        return to_london(self.deadline.due).isoformat()

    @property
    def snooze_reminder(self) -> bool:
        return self.slot.startswith("snooze:")

    def as_json(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline.key,
            "due": self.due_key,
            "send_at": to_london(self.send_at).isoformat(),
            "audience": self.audience,
            "text": self.text,
            "late": self.late,
        }


@dataclass
class NudgePlan:
    to_send: list[PlannedNudge] = field(default_factory=list)
    superseded: list[PlannedNudge] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # why a due nudge is not going now
    earliest_held: datetime | None = None  # the scheduler's mark must not pass this
