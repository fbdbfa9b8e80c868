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

from bot.core.errors import StorageError

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]
"""(name, function): the name is recorded once applied and never changes after it ships."""


def open_database(path: Path | str, migrations: list[Migration]) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and apply ``migrations`` not yet applied.

    Each thread that writes should open its own connection; WAL mode lets readers and one writer work at once.
    ``":memory:"`` opens a private in-memory database (tests). A database that cannot be written (a read-only
    data directory) is opened read-only when it is up to date, so reading commands still work; any other fault
    raises :class:`bot.core.errors.StorageError` naming the file and what to do.
    """
    try:
        return _open(path, migrations)
    except (sqlite3.DatabaseError, OSError) as exc:
        if str(path) == ":memory:":
            raise
        problem = str(getattr(exc, "strerror", None) or exc)
        if Path(path).is_file() and _unwritable(exc):
            db = _open_read_only(Path(path))
            if db is not None and not _pending(db, migrations):
                return db
            raise StorageError(
                f"the database {path} cannot be written ({problem}) and needs upgrading: "
                f"make {Path(path).parent} writable by this user and run the command again"
            ) from exc
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            raise StorageError(
                f"{path} is not a readable SQLite database ({problem}): restore it from a backup, or move it "
                "aside to start with an empty one"
            ) from exc
        raise StorageError(
            f"cannot open the database {path} ({problem}): check that {Path(path).parent} exists, is writable "
            "by this user and has free space"
        ) from exc


def _unwritable(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, PermissionError) or any(
        word in text
        for word in ("readonly", "read-only", "unable to open database file", "permission denied")
    )


def _open_read_only(path: Path) -> sqlite_utils.Database | None:
    """The database opened for reading only (``immutable``: no lock or journal file is needed)."""
    try:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False, isolation_level=None
        )
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        return None
    return sqlite_utils.Database(conn)


def _pending(db: sqlite_utils.Database, migrations: list[Migration]) -> bool:
    try:
        done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    except sqlite3.DatabaseError:
        return True
    return any(name not in done for name, _ in migrations)


def _open(path: Path | str, migrations: list[Migration]) -> sqlite_utils.Database:
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
