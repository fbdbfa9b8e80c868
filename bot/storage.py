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
from bot.deadlines.schema import DEADLINE_MIGRATIONS
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


MIGRATIONS: list[Migration] = KNOWLEDGE_MIGRATIONS + SLACK_MIGRATIONS + MAIL_MIGRATIONS + DEADLINE_MIGRATIONS
