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

from bot.deadlines.schema import DEADLINE_MIGRATIONS

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


def _slack_0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE slack_questions (
            id TEXT PRIMARY KEY,              -- the answer's id, carried by its buttons
            asked_at TEXT NOT NULL,           -- UTC, ISO 8601
            user_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,         -- where it was asked (a DM's channel for direct messages)
            surface TEXT NOT NULL,            -- mention, thread, dm or command
            message_ts TEXT,                  -- the question's own message (none for a slash command)
            thread_ts TEXT,                   -- the thread the answer went to (none when not threaded)
            question TEXT NOT NULL,
            context TEXT,                     -- the thread's earlier question, when one was used
            answered INTEGER NOT NULL,
            confidence REAL NOT NULL,
            answer TEXT NOT NULL,
            sources TEXT NOT NULL,            -- JSON list of the cited (or possibly related) passages
            reply_channel TEXT,
            reply_ts TEXT
        )"""
    )
    db.execute("CREATE INDEX slack_questions_thread ON slack_questions(channel_id, thread_ts)")
    db.execute(
        """CREATE TABLE slack_feedback (
            question_id TEXT NOT NULL REFERENCES slack_questions(id),
            user_id TEXT NOT NULL,
            channel_id TEXT,
            vote INTEGER NOT NULL,            -- 1 helpful, -1 not helpful
            first_voted_at TEXT NOT NULL,
            voted_at TEXT NOT NULL,
            PRIMARY KEY (question_id, user_id)
        )"""
    )
    db.execute(
        """CREATE TABLE slack_escalations (
            id TEXT PRIMARY KEY,
            question_id TEXT NOT NULL UNIQUE REFERENCES slack_questions(id),
            escalated_by TEXT NOT NULL,
            escalated_at TEXT NOT NULL,
            team_channel TEXT NOT NULL,
            team_ts TEXT,                     -- the post in the team channel; team replies go in its thread
            relay_channel TEXT NOT NULL,      -- where team replies are relayed to
            relay_thread_ts TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX slack_escalations_team_post ON slack_escalations(team_channel, team_ts)")
    db.execute(
        """CREATE TABLE slack_team_answers (
            id TEXT PRIMARY KEY,              -- TA-0001, TA-0002, ...
            escalation_id TEXT NOT NULL REFERENCES slack_escalations(id),
            question TEXT NOT NULL,
            reply TEXT NOT NULL,
            answered_by TEXT NOT NULL,        -- Slack user id of the team member
            answered_by_name TEXT NOT NULL,
            answered_on TEXT NOT NULL,        -- date, Europe/London
            reply_ts TEXT NOT NULL,           -- the team member's reply in the team thread
            relay_channel TEXT,
            relay_ts TEXT,
            receipt_ts TEXT,                  -- the bot's note in the team thread (carries the Retract button)
            created_at TEXT NOT NULL,
            retracted_at TEXT,
            retracted_by TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE slack_processed_events (
            event_id TEXT PRIMARY KEY,        -- Slack's event id: a retry of a seen event is not answered twice
            received_at TEXT NOT NULL
        )"""
    )


SLACK_MIGRATIONS: list[Migration] = [
    ("slack-0001-questions-feedback-escalations", _slack_0001),
]


# --- inbox triage and cases --------------------------------------------------------------------------------------


def _mail_0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE mail_folders (
            folder TEXT PRIMARY KEY,      -- watched IMAP folder
            uidvalidity INTEGER NOT NULL,
            last_uid INTEGER NOT NULL,    -- highest UID triaged (or passed over by the since-date) so far
            since TEXT,                   -- first-run since-date, reused after a UIDVALIDITY change
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE cases (
            ref TEXT PRIMARY KEY,         -- PR-0001
            number INTEGER NOT NULL UNIQUE,
            status TEXT NOT NULL,
            subject TEXT NOT NULL,
            thread_subject TEXT NOT NULL, -- subject without prefixes, tags and reference, lower case
            participant TEXT,
            participant_id TEXT,          -- 4-letter market participant id, when the mail states one
            sender TEXT NOT NULL,
            sender_name TEXT,
            received_at TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            owner TEXT,
            missing_recipients TEXT NOT NULL DEFAULT '[]',
            retired_mailbox INTEGER NOT NULL DEFAULT 0,
            pqs_form INTEGER NOT NULL DEFAULT 0,
            flags TEXT NOT NULL DEFAULT '[]',
            slack_channel TEXT,
            slack_ts TEXT
        )"""
    )
    db.execute("CREATE INDEX cases_sender ON cases(sender, thread_subject)")
    db.execute("CREATE INDEX cases_status ON cases(status)")
    db.execute(
        """CREATE TABLE mail_messages (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE,  -- mid:<Message-ID> or sha256:<content hash>
            message_id TEXT,
            case_ref TEXT REFERENCES cases(ref),
            decision TEXT NOT NULL,       -- case-opened, case-joined, retired, other
            target_folder TEXT NOT NULL,
            folder TEXT NOT NULL,
            uidvalidity INTEGER,
            uid INTEGER,
            moved INTEGER NOT NULL DEFAULT 0,
            subject TEXT NOT NULL,
            sender TEXT NOT NULL,
            sender_name TEXT,
            recipients TEXT NOT NULL,     -- JSON: to, cc, delivered_to...
            received_at TEXT NOT NULL,    -- when the server took it in (IMAP INTERNALDATE)
            sent_at TEXT,                 -- the sender's Date header
            in_reply_to TEXT,
            checks TEXT NOT NULL,         -- JSON: completeness and flags of this message
            excerpt TEXT NOT NULL,
            automatic INTEGER NOT NULL DEFAULT 0,
            triaged_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX mail_messages_case ON mail_messages(case_ref)")
    db.execute("CREATE INDEX mail_messages_message_id ON mail_messages(message_id)")
    db.execute("CREATE INDEX mail_messages_pending ON mail_messages(moved, folder)")
    db.execute(
        """CREATE TABLE mail_attachments (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL REFERENCES mail_messages(id),
            case_ref TEXT REFERENCES cases(ref),
            filename TEXT NOT NULL,       -- as the sender named it (decoded)
            stored_name TEXT NOT NULL,    -- safe name
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            path TEXT,                    -- relative to the data directory; NULL when not stored
            note TEXT                     -- why it was not stored
        )"""
    )
    db.execute("CREATE INDEX mail_attachments_case ON mail_attachments(case_ref)")
    db.execute(
        """CREATE TABLE case_events (
            id INTEGER PRIMARY KEY,
            "case" TEXT NOT NULL REFERENCES cases(ref),
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute('CREATE INDEX case_events_case ON case_events("case")')
    db.execute(
        """CREATE TRIGGER case_events_never_updated BEFORE UPDATE ON case_events
           BEGIN SELECT RAISE(ABORT, 'case_events is an append-only audit trail'); END"""
    )
    db.execute(
        """CREATE TRIGGER case_events_never_deleted BEFORE DELETE ON case_events
           BEGIN SELECT RAISE(ABORT, 'case_events is an append-only audit trail'); END"""
    )
    db.execute(
        """CREATE TABLE case_notes (
            id INTEGER PRIMARY KEY,
            "case" TEXT NOT NULL REFERENCES cases(ref),
            at TEXT NOT NULL,
            author TEXT NOT NULL,
            text TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE mail_failures (
            id INTEGER PRIMARY KEY,
            content_sha256 TEXT NOT NULL UNIQUE,
            folder TEXT NOT NULL,         -- where the mail is now on the server
            uidvalidity INTEGER,
            uid INTEGER,
            message_id TEXT,
            subject TEXT,
            sender TEXT,
            raw_path TEXT NOT NULL,       -- saved copy, relative to the data directory
            tries INTEGER NOT NULL,
            reason TEXT NOT NULL,
            first_failed_at TEXT NOT NULL,
            last_failed_at TEXT NOT NULL,
            quarantined INTEGER NOT NULL DEFAULT 0,
            resolved_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE mail_replies (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,           -- acknowledgement, redirect
            case_ref TEXT NOT NULL,       -- '' for a redirect outside any case
            recipient TEXT NOT NULL,
            day TEXT NOT NULL,
            UNIQUE (kind, case_ref, recipient, day)
        )"""
    )
    db.execute(
        """CREATE TABLE mail_outbox (
            id INTEGER PRIMARY KEY,       -- Slack posts and mail replies, sent after the case is saved
            kind TEXT NOT NULL,           -- slack-case, slack-update, slack-retired, acknowledgement, redirect
            case_ref TEXT,
            payload TEXT NOT NULL,        -- JSON
            created_at TEXT NOT NULL,
            sent_at TEXT,
            tries INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )"""
    )
    db.execute("CREATE INDEX mail_outbox_unsent ON mail_outbox(sent_at)")


def _mail_0002(db: sqlite_utils.Database) -> None:
    # When the case last changed status: case deadlines (e.g. the participant's reply to a clarification
    # request) count from it.
    db.execute("ALTER TABLE cases ADD COLUMN status_changed_at TEXT")
    db.execute("UPDATE cases SET status_changed_at = opened_at")


MAIL_MIGRATIONS: list[Migration] = [
    ("mail-0001-cases-messages-audit-trail", _mail_0001),
    ("mail-0002-case-status-changed-at", _mail_0002),
]


MIGRATIONS: list[Migration] = KNOWLEDGE_MIGRATIONS + SLACK_MIGRATIONS + MAIL_MIGRATIONS + DEADLINE_MIGRATIONS
