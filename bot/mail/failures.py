"""Mail that failed to parse or to be recorded: saved with its reason, retried, and quarantined after a limit.

A failed mail is saved under the data directory (``mail/failed/<sha256>.eml``) and has one ``mail_failures`` row,
keyed by the hash of its bytes, counting its tries. It stays in the watched folder and is retried on later passes;
after ``MAIL_MAX_TRIES`` the pass moves it to the quarantine folder, from where ``mhhs-bot cases --reprocess ID``
moves it back with its tries reset. It never stops the mail after it.
"""

from __future__ import annotations

import hashlib
import logging
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.core.database import now_iso, transaction
from bot.core.errors import MailError
from bot.core.settings import Settings

log = logging.getLogger(__name__)


def content_digest(raw: bytes) -> str:
    """What identifies a failed mail: the hash of its bytes as the server keeps them."""
    return hashlib.sha256(raw).hexdigest()


def record_failure(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    folder: str,
    uidvalidity: int,
    uid: int,
    raw: bytes,
    exc: BaseException,
) -> tuple[int, int]:
    """Save the mail's bytes and count one more failed try; return (failure id, tries so far)."""
    digest = content_digest(raw)
    raw_path = settings.mail_dir / "failed" / f"{digest}.eml"
    if not raw_path.exists():
        raw_path.parent.mkdir(parents=True, exist_ok=True)
        raw_path.write_bytes(raw)
    reason = f"{type(exc).__name__}: {exc}"[:500]
    headers = _best_effort_headers(raw)
    at = now_iso()
    with transaction(db):
        row = db.execute("SELECT id, tries FROM mail_failures WHERE content_sha256 = ?", [digest]).fetchone()
        if row:
            failure_id, tries = row[0], row[1] + 1
            db.execute(
                """UPDATE mail_failures SET tries = ?, reason = ?, last_failed_at = ?, folder = ?, uidvalidity = ?,
                       uid = ?, quarantined = 0, resolved_at = NULL WHERE id = ?""",
                [tries, reason, at, folder, uidvalidity, uid, failure_id],
            )
        else:
            tries = 1
            failure_id = db.execute(
                """INSERT INTO mail_failures (content_sha256, folder, uidvalidity, uid, message_id, subject, sender,
                       raw_path, tries, reason, first_failed_at, last_failed_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    digest,
                    folder,
                    uidvalidity,
                    uid,
                    headers.get("message-id"),
                    headers.get("subject"),
                    headers.get("from"),
                    str(raw_path.relative_to(settings.data_dir)),
                    tries,
                    reason,
                    at,
                    at,
                ],
            ).lastrowid
    log.warning("mail UID %s failed (try %s of %s): %s", uid, tries, settings.mail.max_tries, reason)
    return failure_id, tries


def resolve_failure(db: sqlite_utils.Database, raw: bytes) -> None:
    """A mail that failed before has now been recorded."""
    db.execute(
        "UPDATE mail_failures SET resolved_at = ? WHERE content_sha256 = ? AND resolved_at IS NULL",
        [now_iso(), content_digest(raw)],
    )


def mark_quarantined(db: sqlite_utils.Database, quarantine_folder: str, failure_ids: list[int]) -> None:
    """These failed mails have been moved to the quarantine folder: no more tries until released."""
    with transaction(db):
        for failure_id in failure_ids:
            db.execute(
                "UPDATE mail_failures SET quarantined = 1, folder = ?, uid = NULL WHERE id = ?",
                [quarantine_folder, failure_id],
            )


def releasable(db: sqlite_utils.Database, failure_id: int) -> str:
    """The content hash of quarantined mail ``failure_id``; MailError when there is nothing to release."""
    row = db.execute(
        "SELECT content_sha256, quarantined, resolved_at FROM mail_failures WHERE id = ?", [failure_id]
    ).fetchone()
    if row is None:
        raise MailError(f"no failed mail with id {failure_id} (see `mhhs-bot cases --quarantined`)")
    digest, quarantined, resolved = row
    if resolved:
        raise MailError(f"failed mail {failure_id} was processed already")
    if not quarantined:
        raise MailError(f"failed mail {failure_id} is not quarantined; the next pass retries it anyway")
    return digest


def mark_released(db: sqlite_utils.Database, failure_id: int, folder: str) -> None:
    """Quarantined mail ``failure_id`` is back in ``folder``, with its tries reset, for the next pass to retry."""
    with transaction(db):
        db.execute(
            "UPDATE mail_failures SET quarantined = 0, tries = 0, folder = ?, uid = NULL WHERE id = ?",
            [folder, failure_id],
        )


def _best_effort_headers(raw: bytes) -> dict[str, str]:
    try:
        msg = message_from_bytes(raw[:65536], policy=policy.compat32)
        return {
            k.lower(): str(v)[:300] for k, v in msg.items() if k.lower() in ("message-id", "subject", "from")
        }
    except Exception:  # noqa: BLE001 - only for display of a mail that failed anyway
        return {}


def failures(db: sqlite_utils.Database, quarantined_only: bool = True) -> list[dict[str, Any]]:
    """Failed mail (quarantined, or still being retried), newest first."""
    sql = "SELECT * FROM mail_failures WHERE resolved_at IS NULL"
    if quarantined_only:
        sql += " AND quarantined = 1"
    return list(db.query(sql + " ORDER BY id DESC"))


def raw_copy(settings: Settings, failure: dict[str, Any]) -> Path:
    return settings.data_dir / failure["raw_path"]
