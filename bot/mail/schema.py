"""The tables of inbox triage and cases, as migrations of the one database (see :mod:`bot.storage`).

A migration never changes after it has shipped; a later change is a new migration at the end of
:data:`MAIL_MIGRATIONS`, whose names are recorded in the ``_migrations`` table of every existing database.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


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


def _mail_0003(db: sqlite_utils.Database) -> None:
    # Case work both ways: replies the team sends are stored with the case ("out"), threads are followed by
    # References and Outlook's Thread-Index, and a case can be merged into another (a pointer is left).
    db.execute("ALTER TABLE mail_messages ADD COLUMN direction TEXT NOT NULL DEFAULT 'in'")  # in | out
    db.execute("ALTER TABLE mail_messages ADD COLUMN refs TEXT")  # JSON list: the References header
    db.execute("ALTER TABLE mail_messages ADD COLUMN thread_key TEXT")  # Thread-Index conversation (hex)
    db.execute("ALTER TABLE mail_messages ADD COLUMN body TEXT")  # full text of a reply the team sent
    db.execute("ALTER TABLE mail_messages ADD COLUMN delivery TEXT")  # out: sending | sent | failed
    db.execute(
        "ALTER TABLE mail_messages ADD COLUMN author TEXT"
    )  # out: who sent it (Slack user or CLI user)
    db.execute("CREATE INDEX mail_messages_thread_key ON mail_messages(thread_key)")
    db.execute("ALTER TABLE cases ADD COLUMN merged_into TEXT REFERENCES cases(ref)")


def _mail_0004(db: sqlite_utils.Database) -> None:
    # A Message-ID is the sender's claim, not proof: the content hash tells a reused Message-ID from the same mail.
    db.execute("ALTER TABLE mail_messages ADD COLUMN content_sha256 TEXT")
    # The outbox entry's claim: who is sending it and since when, written (and committed) before the send, so a
    # second process never sends it too and a process killed mid-send leaves the attempt on record. ``held``: a
    # reply that may have gone out (killed mid-send) and is not sent again without the team.
    db.execute("ALTER TABLE mail_outbox ADD COLUMN attempt_at TEXT")
    db.execute("ALTER TABLE mail_outbox ADD COLUMN attempt_by TEXT")
    db.execute("ALTER TABLE mail_outbox ADD COLUMN attempt_message_id TEXT")
    db.execute("ALTER TABLE mail_outbox ADD COLUMN held INTEGER NOT NULL DEFAULT 0")


MAIL_MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("mail-0001-cases-messages-audit-trail", _mail_0001),
    ("mail-0002-case-status-changed-at", _mail_0002),
    ("mail-0003-replies-threads-merges", _mail_0003),
    ("mail-0004-content-hash-and-outbox-claims", _mail_0004),
]
