"""The sent-log: each nudge claimed exactly once, whatever restarts happen.

``nudge_log`` has one row per (deadline, due time, audience, slot). Before the Web API call the row is claimed as
``sending`` (a unique key, so two processes cannot both claim it); after the call it becomes ``sent``. A call Slack
answers with an error is ``failed`` and retried after 2, 4, 8 ... minutes (at most 8 tries). A row left ``sending``
by a process that stopped mid-call is never simply sent again: once it is 5 minutes old the sender looks for the
message in the channel history (each nudge carries its row id) and settles the row here: found, it becomes
``sent``; not found, it is retried; if the history cannot be read it becomes ``unconfirmed`` and is not sent again.

``nudge_marks`` records how far the scheduler has looked, so nudges missed during downtime are caught up.
Nothing here talks to Slack.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from bot.core.clock import stamp
from bot.core.working_days import to_london
from bot.nudges.model import PlannedNudge

MAX_ATTEMPTS = 8  # tries of a nudge Slack refuses, with waits of 2, 4, 8 ... up to 120 minutes between them
RECONCILE_AFTER = timedelta(minutes=5)
MARK = "nudges"


# --- reading -------------------------------------------------------------------------------------------------------


def log_rows(db: sqlite_utils.Database) -> dict[tuple[str, str, str], dict[str, dict[str, Any]]]:
    """The sent-log by (deadline, due time, audience), then by slot."""
    rows: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    cursor = db.execute(
        "SELECT deadline_key, due, audience, slot, state, send_at, attempts, claimed_at FROM nudge_log"
    )
    for key, due, audience, slot, state, send_at, attempts, claimed_at in cursor.fetchall():
        rows.setdefault((key, due, audience), {})[slot] = {
            "state": state,
            "send_at": send_at,
            "attempts": attempts,
            "claimed_at": claimed_at,
        }
    return rows


def retryable(row: dict[str, Any]) -> bool:
    """A nudge Slack refused may be tried again (until MAX_ATTEMPTS)."""
    return row["state"] == "failed" and row["attempts"] < MAX_ATTEMPTS


def retry_due(row: dict[str, Any], now: datetime) -> bool:
    """Its wait since the last try is over: 2 minutes after the first failure, doubling, at most 2 hours."""
    if not row.get("claimed_at"):
        return True
    wait = timedelta(minutes=min(2 ** max(row["attempts"], 1), 120))
    return now - datetime.fromisoformat(row["claimed_at"]) >= wait


# --- how far the scheduler has looked ------------------------------------------------------------------------------


def read_mark(db: sqlite_utils.Database) -> datetime | None:
    """How far earlier runs have looked (None before the first run)."""
    row = db.execute("SELECT at FROM nudge_marks WHERE name = ?", [MARK]).fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def advance_mark(db: sqlite_utils.Database, to: datetime) -> None:
    current = read_mark(db)
    if current is None or to > current:
        db.execute(
            "INSERT INTO nudge_marks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
            [MARK, stamp(to)],
        )


# --- claiming and recording ----------------------------------------------------------------------------------------


def claim(db: sqlite_utils.Database, nudge: PlannedNudge, now: datetime, run_id: str) -> int | None:
    """Claim the nudge's sent-log row as 'sending'; its id, or None when another run has it already."""
    values = {
        "deadline_key": nudge.deadline.key,
        "due": nudge.due_key,
        "audience": nudge.audience,
        "slot": nudge.slot,
        "send_at": to_london(nudge.send_at).isoformat(),
        "late": int(nudge.late),
        "text": nudge.text,
        "run_id": run_id,
        "claimed_at": stamp(now),
    }
    key = [values["deadline_key"], values["due"], values["audience"], values["slot"]]
    cursor = db.execute(
        """INSERT INTO nudge_log (deadline_key, due, audience, slot, state, send_at, late, text, run_id, claimed_at)
           VALUES (:deadline_key, :due, :audience, :slot, 'sending', :send_at, :late, :text, :run_id, :claimed_at)
           ON CONFLICT DO NOTHING""",
        values,
    )
    if cursor.rowcount != 1:
        cursor = db.execute(
            """UPDATE nudge_log SET state = 'sending', late = :late, text = :text, run_id = :run_id,
                   claimed_at = :claimed_at
               WHERE deadline_key = :deadline_key AND due = :due AND audience = :audience AND slot = :slot
                 AND state = 'failed' AND attempts < :max""",
            {**values, "max": MAX_ATTEMPTS},
        )
        if cursor.rowcount != 1:
            return None
    row = db.execute(
        "SELECT id FROM nudge_log WHERE deadline_key = ? AND due = ? AND audience = ? AND slot = ?", key
    ).fetchone()
    return row[0]


def record_skipped(db: sqlite_utils.Database, nudge: PlannedNudge, now: datetime) -> None:
    """A missed nudge superseded by a later one: recorded, never sent."""
    db.execute(
        """INSERT INTO nudge_log (deadline_key, due, audience, slot, state, send_at, late, text, error, claimed_at)
           VALUES (?, ?, ?, ?, 'skipped', ?, ?, '', ?, ?)
           ON CONFLICT DO UPDATE SET state = 'skipped', error = excluded.error WHERE state = 'failed'""",
        [
            nudge.deadline.key,
            nudge.due_key,
            nudge.audience,
            nudge.slot,
            to_london(nudge.send_at).isoformat(),
            int(nudge.late),
            nudge.reason,
            stamp(now),
        ],
    )


def record_sent(
    db: sqlite_utils.Database, row_id: int, channel: str | None, ts: str | None, now: datetime
) -> None:
    """Slack posted the claimed nudge."""
    db.execute(
        "UPDATE nudge_log SET state = 'sent', channel = ?, ts = ?, sent_at = ?, attempts = attempts + 1, error = NULL"
        " WHERE id = ?",
        [channel, ts, stamp(now), row_id],
    )


def record_refused(db: sqlite_utils.Database, row_id: int, error: str) -> None:
    """Slack answered with an error: the nudge was not posted; it is retried after a wait."""
    db.execute(
        "UPDATE nudge_log SET state = 'failed', attempts = attempts + 1, error = ? WHERE id = ?",
        [error, row_id],
    )


def record_no_answer(db: sqlite_utils.Database, row_id: int, error: str) -> None:
    """No answer from Slack: it may have been posted. The row stays 'sending' until it is reconciled."""
    db.execute("UPDATE nudge_log SET error = ? WHERE id = ?", [f"no answer from Slack: {error}", row_id])


# --- interrupted sends ---------------------------------------------------------------------------------------------


def interrupted(db: sqlite_utils.Database, now: datetime) -> list[dict[str, Any]]:
    """Rows left 'sending' by a run that stopped mid-call, once they are RECONCILE_AFTER old."""
    stale = now - RECONCILE_AFTER
    return [
        row
        for row in db.query("SELECT * FROM nudge_log WHERE state = 'sending'")
        if datetime.fromisoformat(row["claimed_at"]) <= stale
    ]


def confirm_sent(db: sqlite_utils.Database, row_id: int, channel: str, ts: str | None, now: datetime) -> None:
    """An interrupted nudge was found in the channel history."""
    db.execute(
        "UPDATE nudge_log SET state = 'sent', channel = ?, ts = ?, sent_at = ?, error = NULL WHERE id = ?",
        [channel, ts, stamp(now), row_id],
    )


def retry_interrupted(db: sqlite_utils.Database, row_id: int) -> None:
    """An interrupted nudge is not in the channel history: Slack never posted it, so it may be sent again."""
    db.execute(
        "UPDATE nudge_log SET state = 'failed', attempts = attempts + 1, error = ? WHERE id = ?",
        ["interrupted before Slack posted it", row_id],
    )


def mark_unconfirmed(db: sqlite_utils.Database, row_id: int, error: str) -> None:
    """An interrupted nudge whose channel history could not be read: never risk a second copy."""
    db.execute(
        "UPDATE nudge_log SET state = 'unconfirmed', error = ? WHERE id = ?",
        [f"interrupted; the channel history could not be checked: {error}", row_id],
    )
