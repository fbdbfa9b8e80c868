"""A mail's attachments: saved under the data directory by content hash, one ``mail_attachments`` row each.

Files go to ``mail/attachments/<sha[:2]>/<sha>/<safe name>``, written to a ``.part`` file first and renamed, so a
file that exists is whole; the same file sent twice is stored once. An attachment larger than
``MAIL_MAX_ATTACHMENT_MB`` is not stored; its row says why.
"""

from __future__ import annotations

import sqlite_utils

from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail.parse import Email, safe_filename


def store_attachments(
    db: sqlite_utils.Database,
    settings: Settings,
    email: Email,
    message_id: int,
    ref: str | None,
    max_bytes: int,
) -> None:
    base = settings.mail_dir / "attachments"
    for n, att in enumerate(email.attachments, start=1):
        name = safe_filename(att.filename, fallback=f"attachment-{n}")
        digest = att.sha256
        path: str | None = None
        note = None
        if att.size > max_bytes:
            note = f"larger than MAIL_MAX_ATTACHMENT_MB ({settings.mail.max_attachment_mb:g} MB): not stored"
        else:
            folder = base / digest[:2] / digest
            target = (folder / name).resolve()
            # safe_filename makes an escape impossible; checked anyway
            if not target.is_relative_to(base.resolve()):
                raise MailError(f"attachment name escapes the attachments folder: {att.filename!r}")
            if not target.exists():
                folder.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                partial.write_bytes(att.payload)
                partial.replace(target)
            path = str(target.relative_to(settings.data_dir.resolve()))
        db.execute(
            """INSERT INTO mail_attachments (message, case_ref, filename, stored_name, content_type, size, sha256,
                   path, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [message_id, ref, att.filename, name, att.content_type, att.size, digest, path, note],
        )
