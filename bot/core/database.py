"""The SQLite database: opening it, the migration runner, and write transactions.

One database file (``assistant.db`` in the data directory) holds everything the assistant keeps. Schema changes
are migrations: named functions applied once each, in order, recorded in the ``_migrations`` table. A migration
never changes after it has shipped; a later change is a new migration at the end of its feature's list. Each
feature owns its tables and its list (``bot/<feature>/schema.py``, ``knowledge/schema.py``); :mod:`bot.storage`
runs them all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]
"""(name, function): the name is recorded once applied and never changes after it ships."""


def open_database(path: Path | str, migrations: list[Migration]) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and apply ``migrations`` not yet applied.

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
    migrate(db, migrations)
    return db


def migrate(db: sqlite_utils.Database, migrations: list[Migration]) -> list[str]:
    """Apply every migration not yet applied; return the names applied now."""
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


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction (BEGIN IMMEDIATE); joins the caller's transaction when one is open."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
