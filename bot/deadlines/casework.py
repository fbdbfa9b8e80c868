"""Deadlines that cases set, worked out through :mod:`bot.cases` and its statuses.

- a case in status ``new`` (:data:`bot.cases.NEW`): acknowledge the proposal within
  ``MHHS_CASE_ACK_WORKING_DAYS`` working days of its receipt;
- a case in status ``clarification_requested`` (:data:`bot.cases.CLARIFICATION_REQUESTED`, shown as "awaiting
  participant"): the participant's reply is due within ``MHHS_CASE_REPLY_WORKING_DAYS`` working days of the request
  (the case's last status change).

Other statuses set no deadline. The audience is the case's owner (a Slack user ID) or, with no owner, the team
channel. Each provider is a function ``(db, settings, calendar) -> list[Deadline]``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot import cases
from bot.core.working_days import WorkingCalendar, london_time, to_london
from bot.deadlines.model import DEFAULT_DUE_TIME, USER_PATTERN, Deadline

CaseDeadlineProvider = Callable[[sqlite_utils.Database, Any, WorkingCalendar], list[Deadline]]


def _stored_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _case_audience(owner: str | None) -> tuple[str, ...]:
    owner = (owner or "").strip()
    return (f"user:{owner}",) if USER_PATTERN.match(owner) else ("team",)


def case_deadlines(db: sqlite_utils.Database, settings, calendar: WorkingCalendar) -> list[Deadline]:
    """Deadlines derived from open cases, oldest case first."""
    result = []
    for case in sorted(cases.list_cases(db, open_only=True), key=lambda c: c.number):
        ref = case.ref
        if case.status == cases.NEW:
            start, days = _stored_time(case.received_at), settings.deadlines.case_ack_working_days
            kind, name, what = "ack", f"Acknowledge {ref}", f"acknowledge Placing Reliance proposal {ref}"
        elif case.status == cases.CLARIFICATION_REQUESTED:
            start = _stored_time(case.status_changed_at or case.received_at)
            days = settings.deadlines.case_reply_working_days
            kind, name = "reply", f"Participant reply on {ref}"
            what = f"the participant's reply to the clarification request on {ref}"
        else:
            continue
        if start is None:
            continue
        day = calendar.add(to_london(start).date(), days)
        result.append(
            Deadline(
                key=f"case:{ref}:{kind}",
                name=name,
                due=london_time(day, DEFAULT_DUE_TIME),
                what=what,
                audience=_case_audience(case.owner),
                source="case",
                case_ref=ref,
                rule=f"{days} working days after {'receipt' if kind == 'ack' else 'the clarification request'}",
            )
        )
    return result


CASE_DEADLINE_PROVIDERS: list[CaseDeadlineProvider] = [case_deadlines]


def case_owner(db: sqlite_utils.Database, ref: str) -> str | None:
    """The Slack user ID owning case ``ref``, if any."""
    if not cases.case_exists(db, ref):  # the reference exactly as the deadline gives it
        return None
    owner = (cases.get_case(db, ref).owner or "").strip()
    return owner if USER_PATTERN.match(owner) else None
