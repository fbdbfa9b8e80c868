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


# --- knowledge base ---------------------------------------------------------------------------------------------


def _knowledge_0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE documents (
            id TEXT PRIMARY KEY,          -- path relative to its guidance folder, or team-answer:ID
            path TEXT NOT NULL,           -- where it was read from (team answers: the question)
            title TEXT NOT NULL,
            version TEXT,
            updated TEXT,                 -- ISO date
            source TEXT,
            kind TEXT NOT NULL,           -- markdown, text, html, pdf, docx, team-answer
            sha256 TEXT NOT NULL,
            indexed_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE chunks (
            id TEXT PRIMARY KEY,          -- stable: derived from document id, section path and position
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            vector_id INTEGER NOT NULL UNIQUE,  -- the id FAISS holds for this passage's vector
            position INTEGER NOT NULL,
            section TEXT NOT NULL,
            text TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX chunks_document ON chunks(document_id)")
    db.execute(
        """CREATE TABLE index_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            model TEXT NOT NULL,          -- embedding model the vectors were made with
            dimension INTEGER NOT NULL,
            vectors_file TEXT NOT NULL,   -- FAISS file name in the index folder, written before this row
            next_vector_id INTEGER NOT NULL,
            built_at TEXT NOT NULL
        )"""
    )


KNOWLEDGE_MIGRATIONS: list[Migration] = [
    ("knowledge-0001-documents-and-chunks", _knowledge_0001),
]


# --- Slack: questions, feedback, escalations, team answers -------------------------------------------------------

SLACK_MIGRATIONS: list[Migration] = []


# --- inbox triage and cases --------------------------------------------------------------------------------------

MAIL_MIGRATIONS: list[Migration] = []


# --- deadlines and nudges ----------------------------------------------------------------------------------------

DEADLINE_MIGRATIONS: list[Migration] = []


MIGRATIONS: list[Migration] = KNOWLEDGE_MIGRATIONS + SLACK_MIGRATIONS + MAIL_MIGRATIONS + DEADLINE_MIGRATIONS
