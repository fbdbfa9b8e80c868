"""The outbox: Slack posts and mail replies that triage decided on, recorded to be sent after the commit.

Triage queues an entry in the same transaction as the mail that caused it, so a crash never loses a post or a
reply and never sends one for mail that was not saved. Delivery (:mod:`handlers.mail.delivery`) reads the entries
not yet sent, sends each, and marks it sent, or failed with its reason; a failed entry is tried again on the next
pass, up to :data:`OUTBOX_MAX_TRIES` times. Nothing here sends anything.

Each entry is claimed before it is sent: :func:`claim` writes who is sending it and when (and, for a mail, its
Message-ID) and commits, and only the process whose claim took sends it. An entry claimed and not marked sent was
in flight when its process died: :func:`in_doubt` finds them. A Slack post is looked up by its metadata before it
is made again; a mail reply is held (:func:`hold`) and never sent twice without the team.

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
    attempt_at: str | None = None  # set: an earlier claim sent it, or died sending it
    attempt_message_id: str | None = None

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


def _entry(row: dict[str, Any]) -> OutboxEntry:
    return OutboxEntry(
        row["id"],
        row["kind"],
        row["case_ref"],
        json.loads(row["payload"]),
        row["attempt_at"],
        row["attempt_message_id"],
    )


def unsent(db: sqlite_utils.Database) -> list[OutboxEntry]:
    """Entries not yet sent, not held and not given up on, oldest first."""
    return [
        _entry(row)
        for row in db.query(
            "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND held = 0 AND tries < ? ORDER BY id",
            [OUTBOX_MAX_TRIES],
        )
    ]


def claim(db: sqlite_utils.Database, entry: OutboxEntry, owner: str, message_id: str | None = None) -> bool:
    """Claim ``entry`` for sending (committed at once): True when this claim took, False when another process
    sent or claimed it since it was read. An entry an earlier claim left behind (its process died) is taken over
    only by a caller that knows its state (``entry.attempt_at`` as read)."""
    cursor = db.execute(
        """UPDATE mail_outbox SET attempt_at = ?, attempt_by = ?, attempt_message_id = ?
           WHERE id = ? AND sent_at IS NULL AND held = 0 AND attempt_at IS ?""",
        [now_iso(), owner, message_id, entry.id, entry.attempt_at],
    )
    return cursor.rowcount == 1


def mark_sent(db: sqlite_utils.Database, entry: OutboxEntry) -> None:
    db.execute("UPDATE mail_outbox SET sent_at = ?, tries = tries + 1 WHERE id = ?", [now_iso(), entry.id])


def mark_failed(
    db: sqlite_utils.Database, entry: OutboxEntry, error: BaseException | str, *, final: bool = False
) -> None:
    """Keep the entry for the next pass, with one more try counted and the reason (its claim released: the
    send failed). ``final``: the other side refused it for good (e.g. Slack's ``invalid_blocks``): not retried."""
    db.execute(
        """UPDATE mail_outbox SET tries = CASE WHEN ? THEN ? ELSE tries + 1 END, last_error = ?,
               attempt_at = NULL, attempt_by = NULL WHERE id = ?""",
        [final, OUTBOX_MAX_TRIES, str(error)[:500], entry.id],
    )


def hold(db: sqlite_utils.Database, entry: OutboxEntry, reason: str) -> None:
    """Keep a reply that may have gone out from being sent again (the team decides)."""
    db.execute("UPDATE mail_outbox SET held = 1, last_error = ? WHERE id = ?", [reason[:500], entry.id])


def release(db: sqlite_utils.Database, entry_id: int) -> bool:
    """The team's say: send a held or given-up entry again on the next pass. False when there is no such entry."""
    cursor = db.execute(
        """UPDATE mail_outbox SET held = 0, tries = 0, attempt_at = NULL, attempt_by = NULL, last_error = NULL
           WHERE id = ? AND sent_at IS NULL""",
        [entry_id],
    )
    return cursor.rowcount == 1


def undelivered(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Posts and replies that will not go out without the team: refused, given up on, or held; oldest first."""
    return [
        {
            "id": row["id"],
            "kind": row["kind"],
            "case_ref": row["case_ref"],
            "created_at": row["created_at"],
            "held": bool(row["held"]),
            "tries": row["tries"],
            "reason": row["last_error"] or "",
        }
        for row in db.query(
            "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND (held = 1 OR tries >= ?) ORDER BY id",
            [OUTBOX_MAX_TRIES],
        )
    ]
