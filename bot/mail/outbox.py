"""The outbox: Slack posts and mail replies that triage decided on, recorded to be sent after the commit.

Triage queues an entry in the same transaction as the mail that caused it, so a crash never loses a post or a
reply and never sends one for mail that was not saved. Delivery (:mod:`handlers.mail.delivery`) reads the entries
not yet sent, sends each, and marks it sent, or failed with its reason; a failed entry is tried again on the next
pass, up to :data:`OUTBOX_MAX_TRIES` times. Nothing here sends anything.

Kinds of entry: ``slack-case`` (the new case's team-channel post), ``slack-refresh`` (update that post in place),
``slack-update`` (a flagged follow-up in the case's thread), ``slack-retired`` (mail to a retired mailbox outside any
case), ``acknowledgement`` and ``redirect`` (automatic replies by mail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.core.database import now_iso

OUTBOX_MAX_TRIES = 20

SLACK_CASE = "slack-case"
SLACK_REFRESH = "slack-refresh"
SLACK_UPDATE = "slack-update"
SLACK_RETIRED = "slack-retired"
ACKNOWLEDGEMENT = "acknowledgement"
REDIRECT = "redirect"


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    kind: str
    case_ref: str | None
    payload: dict[str, Any]

    @property
    def is_slack(self) -> bool:
        return self.kind.startswith("slack-")


def queue(db: sqlite_utils.Database, kind: str, ref: str | None, payload: dict[str, Any]) -> None:
    """Record one post or reply to be sent (inside the caller's transaction)."""
    db.execute(
        "INSERT INTO mail_outbox (kind, case_ref, payload, created_at) VALUES (?, ?, ?, ?)",
        [kind, ref, json.dumps(payload), now_iso()],
    )


def queue_post_refresh(db: sqlite_utils.Database, ref: str) -> None:
    """Update the case's team-channel post in place (once per pass, however many mails joined the case)."""
    pending = db.execute(
        "SELECT 1 FROM mail_outbox WHERE kind = 'slack-refresh' AND case_ref = ? AND sent_at IS NULL",
        [ref],
    ).fetchone()
    if not pending:
        queue(db, SLACK_REFRESH, ref, {})


def first_reply_today(db: sqlite_utils.Database, kind: str, ref: str, recipient: str) -> bool:
    """Claim today's one reply of ``kind`` to ``recipient`` about case ``ref`` ('' outside a case): True when
    none was claimed yet today (and now it is), False when this reply would repeat one."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO mail_replies (kind, case_ref, recipient, day) VALUES (?, ?, ?, ?)",
        [kind, ref, recipient, datetime.now(UTC).date().isoformat()],
    )
    return cursor.rowcount == 1


def unsent(db: sqlite_utils.Database) -> list[OutboxEntry]:
    """Entries not yet sent and not given up on, oldest first."""
    return [
        OutboxEntry(row["id"], row["kind"], row["case_ref"], json.loads(row["payload"]))
        for row in db.query(
            "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND tries < ? ORDER BY id", [OUTBOX_MAX_TRIES]
        )
    ]


def mark_sent(db: sqlite_utils.Database, entry: OutboxEntry) -> None:
    db.execute("UPDATE mail_outbox SET sent_at = ?, tries = tries + 1 WHERE id = ?", [now_iso(), entry.id])


def mark_failed(db: sqlite_utils.Database, entry: OutboxEntry, error: BaseException | str) -> None:
    """Keep the entry for the next pass, with one more try counted and the reason."""
    db.execute(
        "UPDATE mail_outbox SET tries = tries + 1, last_error = ? WHERE id = ?", [str(error)[:500], entry.id]
    )
