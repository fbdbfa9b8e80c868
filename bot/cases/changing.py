"""Changing cases: opening, status moves, owners, notes and completeness checks; each change is audited."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from bot.cases.model import (
    CLOSED_STATUSES,
    NEW,
    REOPENED_STATUS,
    STATUS_LABELS,
    STATUSES,
    TRANSITIONS,
    PlacingRelianceCase,
    format_ref,
)
from bot.cases.reading import get_case
from bot.core.database import now_iso, transaction
from bot.core.errors import CaseError

# --- changing ---------------------------------------------------------------------------------------------------


def record_event(db: sqlite_utils.Database, ref: str, actor: str, action: str, detail: str = "") -> None:
    """Append one row to the case's audit trail."""
    db.execute(
        'INSERT INTO case_events ("case", at, actor, action, detail) VALUES (?, ?, ?, ?, ?)',
        [ref, now_iso(), actor, action, detail],
    )


def open_case(
    db: sqlite_utils.Database,
    *,
    subject: str,
    thread_subject: str,
    sender: str,
    received_at: str,
    sender_name: str | None = None,
    participant: str | None = None,
    participant_id: str | None = None,
    actor: str = "triage",
) -> str:
    """Allocate the next reference and open a case in status ``new``; return the reference."""
    with transaction(db):
        number = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM cases").fetchone()[0]
        ref = format_ref(number)
        at = now_iso()
        db.execute(
            """INSERT INTO cases (ref, number, status, subject, thread_subject, participant, participant_id,
                   sender, sender_name, received_at, opened_at, updated_at, status_changed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                ref,
                number,
                NEW,
                subject,
                thread_subject,
                participant,
                participant_id,
                sender,
                sender_name,
                received_at,
                at,
                at,
                at,
            ],
        )
        record_event(db, ref, actor, "opened", f"from {sender}: {subject}")
    return ref


def _touch(db: sqlite_utils.Database, ref: str, **fields: Any) -> None:
    fields["updated_at"] = now_iso()
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE cases SET {sets} WHERE ref = ?", [*fields.values(), ref])


def change_status(
    db: sqlite_utils.Database, ref: str, status: str, actor: str, reason: str = ""
) -> PlacingRelianceCase:
    """Move a case to ``status``; an invalid change raises CaseError and changes nothing."""
    if status not in STATUSES:
        raise CaseError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    with transaction(db):
        case = get_case(db, ref)
        if status == case.status:
            raise CaseError(f"{case.ref} is already {STATUS_LABELS[status].lower()}")
        if status not in TRANSITIONS[case.status]:
            hint = " (reopen it first)" if case.status in CLOSED_STATUSES else ""
            raise CaseError(
                f"{case.ref} cannot go from {STATUS_LABELS[case.status].lower()} to "
                f"{STATUS_LABELS[status].lower()}{hint}"
            )
        _touch(db, case.ref, status=status, status_changed_at=now_iso())
        detail = f"{case.status} -> {status}" + (f": {reason}" if reason else "")
        record_event(db, case.ref, actor, "status", detail)
        return get_case(db, case.ref)


def reopen(db: sqlite_utils.Database, ref: str, actor: str, reason: str = "") -> PlacingRelianceCase:
    """Reopen a closed (accepted, rejected or withdrawn) case: it goes back to under review."""
    with transaction(db):
        case = get_case(db, ref)
        if case.merged_into:
            raise CaseError(f"{case.ref} was merged into {case.merged_into}: work that case instead")
        if case.status not in CLOSED_STATUSES:
            raise CaseError(
                f"{case.ref} is not closed ({STATUS_LABELS[case.status].lower()}): nothing to reopen"
            )
        _touch(db, case.ref, status=REOPENED_STATUS, status_changed_at=now_iso())
        detail = f"{case.status} -> {REOPENED_STATUS}" + (f": {reason}" if reason else "")
        record_event(db, case.ref, actor, "reopened", detail)
        return get_case(db, case.ref)


def assign_owner(db: sqlite_utils.Database, ref: str, owner: str | None, actor: str) -> PlacingRelianceCase:
    """Set (or with ``None`` clear) the case's owner."""
    with transaction(db):
        case = get_case(db, ref)
        owner = (owner or "").strip() or None
        if owner == case.owner:
            raise CaseError(f"{case.ref} is already {'owned by ' + owner if owner else 'unassigned'}")
        _touch(db, case.ref, owner=owner)
        record_event(db, case.ref, actor, "owner", f"{case.owner or '-'} -> {owner or '-'}")
        return get_case(db, case.ref)


def add_note(db: sqlite_utils.Database, ref: str, text: str, author: str) -> None:
    """Add an internal note (team only; never sent to the participant)."""
    text = text.strip()
    if not text:
        raise CaseError("an empty note was not added")
    with transaction(db):
        case = get_case(db, ref)
        at = now_iso()
        db.execute(
            'INSERT INTO case_notes ("case", at, author, text) VALUES (?, ?, ?, ?)',
            [case.ref, at, author, text],
        )
        _touch(db, case.ref)
        record_event(db, case.ref, author, "note", text)


def set_slack_post(db: sqlite_utils.Database, ref: str, channel: str, ts: str) -> None:
    """Remember the team-channel post of this case (it is updated in place later)."""
    with transaction(db):
        db.execute("UPDATE cases SET slack_channel = ?, slack_ts = ? WHERE ref = ?", [channel, ts, ref])


def update_checks(
    db: sqlite_utils.Database,
    ref: str,
    *,
    missing_recipients: list[str],
    retired_mailbox: bool,
    pqs_form: bool,
    flags: list[str],
    participant: str | None = None,
    participant_id: str | None = None,
) -> None:
    """Store the completeness checks triage worked out for the case (no audit row: triage records its own).

    ``participant`` and ``participant_id`` only fill a case that has none yet: who the participant is changes
    only through the team."""
    fields: dict[str, Any] = {
        "missing_recipients": json.dumps(missing_recipients),
        "retired_mailbox": int(retired_mailbox),
        "pqs_form": int(pqs_form),
        "flags": json.dumps(flags),
    }
    case = get_case(db, ref)
    if participant and not case.participant:
        fields["participant"] = participant
    if participant_id and not case.participant_id:
        fields["participant_id"] = participant_id
    _touch(db, ref, **fields)
