"""Merging a duplicate case into another: its mails, attachments, notes and history move; a pointer is left.

The audit trail cannot be changed, so the duplicate's history is copied into the surviving case (each row keeps
its time and actor, and names the case it came from); the duplicate keeps its own rows and gains a "merged" row.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bot.cases.changing import _touch, record_event
from bot.cases.model import MERGED, normalise_ref
from bot.cases.reading import get_case
from bot.core.database import now_iso, transaction
from bot.core.errors import CaseError


@dataclass(frozen=True)
class MergeResult:
    source: str
    target: str
    messages: int
    attachments: int
    notes: int
    history: int

    def line(self) -> str:
        return (
            f"{self.source} merged into {self.target}: {self.messages} mails, {self.attachments} attachments, "
            f"{self.notes} notes, {self.history} history rows moved"
        )


def merge_cases(db: sqlite_utils.Database, source: str, target: str, actor: str) -> MergeResult:
    """Move everything of ``source`` into ``target`` and leave ``source`` as a pointer (status ``merged``)."""
    source, target = normalise_ref(source), normalise_ref(target)
    if source == target:
        raise CaseError(f"{source} cannot be merged into itself")
    with transaction(db):
        dup, keep = get_case(db, source), get_case(db, target)
        if dup.merged_into:
            raise CaseError(f"{source} was merged into {dup.merged_into} already")
        if keep.merged_into:
            raise CaseError(f"{target} was merged into {keep.merged_into}: merge into that case instead")
        messages = db.execute(
            "UPDATE mail_messages SET case_ref = ? WHERE case_ref = ?", [target, source]
        ).rowcount
        attachments = db.execute(
            "UPDATE mail_attachments SET case_ref = ? WHERE case_ref = ?", [target, source]
        ).rowcount
        notes = db.execute('UPDATE case_notes SET "case" = ? WHERE "case" = ?', [target, source]).rowcount
        events = list(
            db.query(
                'SELECT at, actor, action, detail FROM case_events WHERE "case" = ? ORDER BY id', [source]
            )
        )
        for e in events:
            db.execute(
                'INSERT INTO case_events ("case", at, actor, action, detail) VALUES (?, ?, ?, ?, ?)',
                [target, e["at"], e["actor"], e["action"], f"[{source}] {e['detail']}".rstrip()],
            )
        if dup.received_at < keep.received_at:
            _touch(db, target, received_at=dup.received_at)
        else:
            _touch(db, target)
        _touch(db, source, status=MERGED, merged_into=target, status_changed_at=now_iso())
        result = MergeResult(source, target, messages, attachments, notes, len(events))
        record_event(
            db, target, actor, "merged", f"{source} merged into this case: {result.line().split(': ')[1]}"
        )
        record_event(db, source, actor, "merged", f"{dup.status} -> merged: merged into {target}")
    return result
