"""The tables of deadlines and nudges, and their migrations (applied by :func:`bot.storage.migrate`).

- ``team_deadlines``: deadlines the team adds (:mod:`bot.deadlines.team`);
- ``nudge_log``, ``nudge_marks``: the sent-log and how far the scheduler has looked (:mod:`bot.nudges.sent_log`);
- ``nudge_state``: Done and Snooze (:mod:`bot.nudges.state`);
- ``digest_log``: the team's morning digest, once a day (:mod:`bot.nudges.digest`).

They shipped together in one migration, so this package owns all of them; a migration never changes once shipped,
and a later change is a new migration at the end of ``DEADLINE_MIGRATIONS`` (its id is recorded in existing
databases, so it never changes either).
"""

from __future__ import annotations

import sqlite_utils

from bot.core.database import Migration


def _deadlines_0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE team_deadlines (
            id TEXT PRIMARY KEY,          -- shares the id space of the deadlines file
            name TEXT NOT NULL,
            what TEXT NOT NULL DEFAULT '',
            due TEXT NOT NULL,            -- ISO date-time with offset (Europe/London)
            audience TEXT NOT NULL,       -- JSON list: "team", "channel:C..", "user:U.."
            lead_days TEXT,               -- JSON list of working days, NULL: the default lead times
            guidance TEXT,
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        )"""
    )
    # The sent-log: one row per (deadline, due, audience, slot). A row is claimed as 'sending' before the Web API
    # call and becomes 'sent' after it, so a restart never sends a claimed nudge twice.
    db.execute(
        """CREATE TABLE nudge_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            deadline_key TEXT NOT NULL,
            due TEXT NOT NULL,
            audience TEXT NOT NULL,       -- resolved: "channel:C.." or "user:U.."
            slot TEXT NOT NULL,           -- "lead:10" ... "lead:0", or "snooze:<until>"
            state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'skipped', 'unconfirmed')),
            send_at TEXT NOT NULL,
            late INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL DEFAULT '',
            channel TEXT,                 -- the channel Slack posted into (a D.. id for a direct message)
            ts TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            run_id TEXT,
            claimed_at TEXT,
            sent_at TEXT,
            UNIQUE (deadline_key, due, audience, slot)
        )"""
    )
    db.execute("CREATE INDEX nudge_log_state ON nudge_log(state)")
    db.execute(
        """CREATE TABLE nudge_state (
            deadline_key TEXT NOT NULL,
            due TEXT NOT NULL,
            audience TEXT NOT NULL,
            done_at TEXT,
            done_by TEXT,
            snoozed_until TEXT,
            snoozed_by TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (deadline_key, due, audience)
        )"""
    )
    # How far the scheduler has looked: nudges planned after this moment and not yet in the sent-log are due.
    db.execute("CREATE TABLE nudge_marks (name TEXT PRIMARY KEY, at TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE digest_log (
            day TEXT PRIMARY KEY,         -- the London date of the morning digest
            state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'skipped', 'unconfirmed')),
            channel TEXT,
            ts TEXT,
            text TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            claimed_at TEXT,
            sent_at TEXT
        )"""
    )


DEADLINE_MIGRATIONS: list[Migration] = [
    ("deadlines-0001-team-deadlines-and-nudge-log", _deadlines_0001),
]
