"""Where triage of a watched folder has got to: its UIDVALIDITY, the highest UID triaged, and which mail is left.

One ``mail_folders`` row per watched folder. A UIDVALIDITY change (the server renumbered the folder) starts the
folder again from UID 0 with the same since-date; the dedupe keys of :mod:`bot.mail.recording` keep mail triaged
before the change from opening cases twice. A mail row records where its mail was (folder, UIDVALIDITY, UID) and
whether it has been moved out yet.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.core.database import now_iso, transaction
from bot.core.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_SINCE_DAYS = 30


def folder_state(
    db: sqlite_utils.Database, settings: Settings, folder: str, uidvalidity: int
) -> dict[str, Any]:
    """The folder's row (``last_uid``, ``since``, ...), created or reset for a new UIDVALIDITY."""
    rows = list(db.query("SELECT * FROM mail_folders WHERE folder = ?", [folder]))
    if rows and rows[0]["uidvalidity"] == uidvalidity:
        return rows[0]
    if rows:
        log.warning(
            "UIDVALIDITY of %s changed (%s -> %s): re-syncing; known mail is recognised, not duplicated",
            folder,
            rows[0]["uidvalidity"],
            uidvalidity,
        )
        since = rows[0]["since"]
    else:
        since = (
            settings.mail.since or (datetime.now(UTC).date() - timedelta(days=DEFAULT_SINCE_DAYS))
        ).isoformat()
    state = {
        "folder": folder,
        "uidvalidity": uidvalidity,
        "last_uid": 0,
        "since": since,
        "updated_at": now_iso(),
    }
    with transaction(db):
        db["mail_folders"].upsert(state, pk="folder")
    return state


def advance_last_uid(db: sqlite_utils.Database, folder: str, uid: int) -> None:
    """Record ``uid`` as the highest UID triaged in ``folder`` (never moves it back)."""
    db.execute(
        "UPDATE mail_folders SET last_uid = ?, updated_at = ? WHERE folder = ? AND last_uid < ?",
        [uid, now_iso(), folder, uid],
    )


def retry_uids(db: sqlite_utils.Database, folder: str, uidvalidity: int) -> set[int]:
    """Mail left in the folder by an earlier pass: failed (not yet quarantined), or saved but not moved."""
    failed = db.execute(
        """SELECT uid FROM mail_failures WHERE folder = ? AND uidvalidity = ? AND quarantined = 0
           AND resolved_at IS NULL AND uid IS NOT NULL""",
        [folder, uidvalidity],
    ).fetchall()
    unmoved = db.execute(
        "SELECT uid FROM mail_messages WHERE moved = 0 AND folder = ? AND uidvalidity = ? AND uid IS NOT NULL",
        [folder, uidvalidity],
    ).fetchall()
    return {r[0] for r in failed} | {r[0] for r in unmoved}


def mark_moved(db: sqlite_utils.Database, dedupe_keys: list[str]) -> None:
    """The mail with these keys has been moved out of the watched folder."""
    if not dedupe_keys:
        return
    with transaction(db):
        for key in dedupe_keys:
            db.execute("UPDATE mail_messages SET moved = 1 WHERE dedupe_key = ?", [key])


def mark_gone(db: sqlite_utils.Database, folder: str, uidvalidity: int, uids: list[int]) -> None:
    """Saved mail no longer in the folder (moved before a stop that came before it was marked, or moved by hand):
    nothing is left to do for it."""
    if not uids:
        return
    with transaction(db):
        for uid in uids:
            db.execute(
                "UPDATE mail_messages SET moved = 1 WHERE moved = 0 AND folder = ? AND uidvalidity = ? AND uid = ?",
                [folder, uidvalidity, uid],
            )
