"""The SQLite database: opening it and migrating its schema.

One database file (``assistant.db`` in the data directory) holds everything the assistant keeps. Schema changes
are migrations: named functions applied once each, in order, recorded in the ``_migrations`` table. A migration
never changes after it has shipped; a later change is a new migration at the end of its list.

Each feature keeps its migrations in its own list below; ``MIGRATIONS`` runs them feature by feature, so a new
migration in one list never renumbers another's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from bot.answers.schema import SLACK_MIGRATIONS
from bot.mail.schema import MAIL_MIGRATIONS
from knowledge.schema import KNOWLEDGE_MIGRATIONS

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    Each thread that writes should open its own connection; WAL mode lets readers and one writer work at once.
    ``":memory:"`` opens a private in-memory database (tests).
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA busy_timeout = 30000")
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database, migrations: list[Migration] | None = None) -> list[str]:
    """Apply every migration not yet applied; return the names applied now."""
    migrations = MIGRATIONS if migrations is None else migrations
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, fn in migrations:
        if name in done:
            continue
        with db.conn:
            db.conn.execute("BEGIN IMMEDIATE")
            # Another process may have applied it while we waited for the lock.
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                continue
            fn(db)
            db.conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, datetime.now(UTC).isoformat()],
            )
        applied.append(name)
    return applied


# --- knowledge base: its migrations are in knowledge/schema.py -------------------------------------------------


# --- deadlines and nudges ----------------------------------------------------------------------------------------


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


MIGRATIONS: list[Migration] = KNOWLEDGE_MIGRATIONS + SLACK_MIGRATIONS + MAIL_MIGRATIONS + DEADLINE_MIGRATIONS
