"""The team's morning digest: what is in it, when it is due, and its once-a-day log (``digest_log``).

On working days from ``MHHS_DIGEST_HOUR`` the team channel gets one digest a day: the deadlines of the next 7 days
and the overdue case actions. Nothing is posted on a day with nothing to list. Its Slack message is built in
handlers/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from bot.core.clock import stamp
from bot.core.settings import Settings
from bot.core.working_days import WorkingCalendar, to_london
from bot.deadlines import Deadline
from bot.nudges.sent_log import MAX_ATTEMPTS


@dataclass
class DigestContent:
    """(deadline, working days left) pairs: this week's deadlines and the overdue case actions."""

    week: list[tuple[Deadline, int]] = field(default_factory=list)
    overdue: list[tuple[Deadline, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.week) + len(self.overdue)


def digest_content(now: datetime, deadlines: list[Deadline], calendar: WorkingCalendar) -> DigestContent:
    """What the digest at ``now`` lists: deadlines due in the next 7 days, and case deadlines already passed."""
    week_end = now + timedelta(days=7)
    week = [(d, calendar.working_days_left(now, d.due)) for d in deadlines if now < d.due <= week_end]
    overdue = [
        (d, calendar.working_days_left(now, d.due)) for d in deadlines if d.source == "case" and d.due <= now
    ]
    return DigestContent(week, overdue)


def digest_day(settings: Settings, now: datetime, calendar: WorkingCalendar) -> str | None:
    """The London date (ISO) whose digest may go at ``now``; None when it is off, or not a working day from the
    digest hour."""
    if not settings.deadlines.digest_enabled or not settings.slack.team_channel:
        return None
    local = to_london(now)
    if not calendar.is_working_day(local.date()) or local.hour < settings.deadlines.digest_hour:
        return None
    return local.date().isoformat()


def claim_digest(db: sqlite_utils.Database, day: str, text: str, now: datetime) -> bool:
    """Claim the day's digest as 'sending'; False when it was sent (or is being sent) already."""
    cursor = db.execute(
        "INSERT INTO digest_log (day, state, text, claimed_at) VALUES (?, 'sending', ?, ?) ON CONFLICT DO NOTHING",
        [day, text, stamp(now)],
    )
    if cursor.rowcount == 1:
        return True
    cursor = db.execute(
        "UPDATE digest_log SET state = 'sending', claimed_at = ? WHERE day = ? AND state = 'failed' AND attempts < ?",
        [stamp(now), day, MAX_ATTEMPTS],
    )
    return cursor.rowcount == 1


def record_digest_skipped(db: sqlite_utils.Database, day: str) -> None:
    db.execute("UPDATE digest_log SET state = 'skipped', error = 'nothing to list' WHERE day = ?", [day])


def record_digest_refused(db: sqlite_utils.Database, day: str, error: str) -> None:
    db.execute(
        "UPDATE digest_log SET state = 'failed', attempts = attempts + 1, error = ? WHERE day = ?",
        [error, day],
    )


def record_digest_unconfirmed(db: sqlite_utils.Database, day: str, error: str) -> None:
    """No answer from Slack: it may have been posted, so it is never sent again (at most once a day)."""
    db.execute("UPDATE digest_log SET state = 'unconfirmed', error = ? WHERE day = ?", [error, day])


def record_digest_sent(
    db: sqlite_utils.Database, day: str, channel: str | None, ts: str | None, now: datetime
) -> None:
    db.execute(
        "UPDATE digest_log SET state = 'sent', channel = ?, ts = ?, sent_at = ?, attempts = attempts + 1 WHERE day = ?",
        [channel, ts, stamp(now), day],
    )
