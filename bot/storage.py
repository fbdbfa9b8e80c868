"""The assistant's database: every feature's migrations, run in order when it is opened.

Each feature keeps its migrations in its own list (its ``schema.py``); ``MIGRATIONS`` runs them feature by feature,
so a new migration in one list never renumbers another's. The runner is :mod:`bot.core.database`.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from bot.answers.schema import SLACK_MIGRATIONS
from bot.core import database
from bot.core.database import Migration
from bot.deadlines.schema import DEADLINE_MIGRATIONS
from bot.mail.schema import MAIL_MIGRATIONS
from knowledge.schema import KNOWLEDGE_MIGRATIONS

MIGRATIONS: list[Migration] = KNOWLEDGE_MIGRATIONS + SLACK_MIGRATIONS + MAIL_MIGRATIONS + DEADLINE_MIGRATIONS


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    Each thread that writes should open its own connection; WAL mode lets readers and one writer work at once.
    ``":memory:"`` opens a private in-memory database (tests).
    """
    return database.open_database(path, MIGRATIONS)


def migrate(db: sqlite_utils.Database, migrations: list[Migration] | None = None) -> list[str]:
    """Apply every migration not yet applied (all of the assistant's by default); return the names applied now."""
    return database.migrate(db, MIGRATIONS if migrations is None else migrations)
