"""Placing Reliance cases: the record, its statuses and its audit trail.

A case is opened by inbox triage when a Placing Reliance proposal arrives and is worked by the qualification
team. Its reference is allocated in order (``PR-0001``, ``PR-0002``...). Statuses move along::

    new -> under_review -> clarification_requested -> accepted | rejected | withdrawn

(``clarification_requested`` can go back to ``under_review``; a closed case can be reopened to ``under_review``.)
Any other change is refused with :class:`bot.errors.CaseError`.

Every change (status, owner, note, each triaged message) appends a row to ``case_events``: case, time, actor,
action, detail. That table is an audit trail: the database refuses updates and deletes on it.

Functions here take an open database (:func:`bot.storage.connect`). Each runs in its own transaction, or joins
the caller's when one is open (triage saves a message and its case together).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.errors import CaseError
from bot.working_days import WorkingCalendar, to_london

REFERENCE_PREFIX = "PR-"

NEW = "new"
UNDER_REVIEW = "under_review"
CLARIFICATION_REQUESTED = "clarification_requested"
ACCEPTED = "accepted"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

STATUSES = (NEW, UNDER_REVIEW, CLARIFICATION_REQUESTED, ACCEPTED, REJECTED, WITHDRAWN)
CLOSED_STATUSES = frozenset({ACCEPTED, REJECTED, WITHDRAWN})
OPEN_STATUSES = frozenset(STATUSES) - CLOSED_STATUSES

# status -> statuses it may change to with change_status(); closed cases change only through reopen().
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({UNDER_REVIEW, CLARIFICATION_REQUESTED, REJECTED, WITHDRAWN}),
    UNDER_REVIEW: frozenset({CLARIFICATION_REQUESTED, ACCEPTED, REJECTED, WITHDRAWN}),
    CLARIFICATION_REQUESTED: frozenset({UNDER_REVIEW, ACCEPTED, REJECTED, WITHDRAWN}),
    ACCEPTED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
}
REOPENED_STATUS = UNDER_REVIEW

STATUS_LABELS = {
    NEW: "New",
    UNDER_REVIEW: "Under review",
    CLARIFICATION_REQUESTED: "Clarification requested",
    ACCEPTED: "Accepted",
    REJECTED: "Rejected",
    WITHDRAWN: "Withdrawn",
}

# Flags triage sets on a case (stored), and one derived from the status.
FLAG_MISSING_RECIPIENT = "missing_recipient"
FLAG_MISSING_PQS_FORM = "missing_pqs_form"
FLAG_SUBJECT_NOT_EXACT = "subject_not_exact"
FLAG_SUBJECT_NEAR_MISS = "subject_near_miss"
FLAG_RETIRED_MAILBOX = "retired_mailbox"
FLAG_ATTACHMENT_NOT_STORED = "attachment_not_stored"
FLAG_AWAITING_PARTICIPANT = "awaiting_participant"

FLAG_LABELS = {
    FLAG_MISSING_RECIPIENT: "missing recipient",
    FLAG_MISSING_PQS_FORM: "missing PQS form",
    FLAG_SUBJECT_NOT_EXACT: "subject not exact",
    FLAG_SUBJECT_NEAR_MISS: "subject near miss: review",
    FLAG_RETIRED_MAILBOX: "retired mailbox",
    FLAG_ATTACHMENT_NOT_STORED: "attachment too large, not stored",
    FLAG_AWAITING_PARTICIPANT: "awaiting participant",
}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction (BEGIN IMMEDIATE); joins the caller's transaction when one is open."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


@dataclass(frozen=True)
class PlacingRelianceCase:
    ref: str
    number: int
    status: str
    subject: str
    thread_subject: str
    participant: str | None
    participant_id: str | None
    sender: str
    sender_name: str | None
    received_at: str
    opened_at: str
    updated_at: str
    owner: str | None
    missing_recipients: tuple[str, ...]
    retired_mailbox: bool
    pqs_form: bool
    flags: tuple[str, ...]
    slack_channel: str | None
    slack_ts: str | None
    status_changed_at: str | None = None  # case deadlines (e.g. a clarification's reply) count from it

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def all_flags(self) -> tuple[str, ...]:
        """Stored flags plus those that follow from the status."""
        flags = list(self.flags)
        if self.status == CLARIFICATION_REQUESTED:
            flags.append(FLAG_AWAITING_PARTICIPANT)
        return tuple(flags)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PlacingRelianceCase:
        return cls(
            ref=row["ref"],
            number=row["number"],
            status=row["status"],
            subject=row["subject"],
            thread_subject=row["thread_subject"],
            participant=row["participant"],
            participant_id=row["participant_id"],
            sender=row["sender"],
            sender_name=row["sender_name"],
            received_at=row["received_at"],
            opened_at=row["opened_at"],
            updated_at=row["updated_at"],
            owner=row["owner"],
            missing_recipients=tuple(json.loads(row["missing_recipients"])),
            retired_mailbox=bool(row["retired_mailbox"]),
            pqs_form=bool(row["pqs_form"]),
            flags=tuple(json.loads(row["flags"])),
            slack_channel=row["slack_channel"],
            slack_ts=row["slack_ts"],
            status_changed_at=row.get("status_changed_at"),
        )


def format_ref(number: int) -> str:
    return f"{REFERENCE_PREFIX}{number:04d}"


def normalise_ref(ref: str) -> str:
    """``pr-1`` / ``PR-0001`` -> ``PR-0001``; anything else is refused."""
    text = ref.strip().upper()
    if text.startswith(REFERENCE_PREFIX) and text[len(REFERENCE_PREFIX) :].isdigit():
        return format_ref(int(text[len(REFERENCE_PREFIX) :]))
    raise CaseError(f"not a case reference: {ref!r} (expected like PR-0001)")


# --- reading ----------------------------------------------------------------------------------------------------


def get_case(db: sqlite_utils.Database, ref: str) -> PlacingRelianceCase:
    ref = normalise_ref(ref)
    rows = list(db.query("SELECT * FROM cases WHERE ref = ?", [ref]))
    if not rows:
        raise CaseError(f"no case {ref}")
    return PlacingRelianceCase.from_row(rows[0])


def list_cases(
    db: sqlite_utils.Database,
    status: str | None = None,
    owner: str | None = None,
    open_only: bool = False,
    flagged: bool = False,
) -> list[PlacingRelianceCase]:
    """Cases newest first, optionally by status, owner, open only, or with any flag."""
    where, params = [], []
    if status:
        if status not in STATUSES:
            raise CaseError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        where.append("status = ?")
        params.append(status)
    if owner:
        where.append("owner = ?")
        params.append(owner)
    if open_only:
        where.append(f"status IN ({','.join('?' * len(OPEN_STATUSES))})")
        params.extend(sorted(OPEN_STATUSES))
    sql = "SELECT * FROM cases" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY number DESC"
    cases = [PlacingRelianceCase.from_row(r) for r in db.query(sql, params)]
    if flagged:
        cases = [c for c in cases if c.all_flags]
    return cases


def find_case_by_thread(db: sqlite_utils.Database, sender: str, thread_subject: str) -> str | None:
    """The newest open case from this sender with this subject, if any."""
    row = db.execute(
        f"""SELECT ref FROM cases WHERE sender = ? AND thread_subject = ?
            AND status IN ({",".join("?" * len(OPEN_STATUSES))}) ORDER BY number DESC LIMIT 1""",
        [sender, thread_subject, *sorted(OPEN_STATUSES)],
    ).fetchone()
    return row[0] if row else None


def case_exists(db: sqlite_utils.Database, ref: str) -> bool:
    return db.execute("SELECT 1 FROM cases WHERE ref = ?", [ref]).fetchone() is not None


def case_events(db: sqlite_utils.Database, ref: str) -> list[dict[str, Any]]:
    return list(
        db.query(
            'SELECT at, actor, action, detail FROM case_events WHERE "case" = ? ORDER BY id',
            [normalise_ref(ref)],
        )
    )


def case_notes(db: sqlite_utils.Database, ref: str) -> list[dict[str, Any]]:
    return list(db.query('SELECT at, author, text FROM case_notes WHERE "case" = ? ORDER BY id', [ref]))


def case_messages(db: sqlite_utils.Database, ref: str) -> list[dict[str, Any]]:
    rows = db.query(
        """SELECT id, message_id, subject, sender, sender_name, recipients, received_at, sent_at, excerpt, checks,
                  automatic, decision
           FROM mail_messages WHERE case_ref = ? ORDER BY received_at, id""",
        [ref],
    )
    messages = []
    for r in rows:
        messages.append(
            {
                "id": r["id"],
                "message_id": r["message_id"],
                "subject": r["subject"],
                "sender": r["sender"],
                "sender_name": r["sender_name"],
                "received_at": r["received_at"],
                "sent_at": r["sent_at"],
                "recipients": json.loads(r["recipients"]),
                "excerpt": r["excerpt"],
                "checks": json.loads(r["checks"]),
                "automatic": bool(r["automatic"]),
            }
        )
    return messages


def case_attachments(db: sqlite_utils.Database, ref: str) -> list[dict[str, Any]]:
    return [
        {
            "filename": r["filename"],
            "stored_name": r["stored_name"],
            "content_type": r["content_type"],
            "size": r["size"],
            "sha256": r["sha256"],
            "stored": r["path"] is not None,
            "path": r["path"],
            "note": r["note"],
        }
        for r in db.query("SELECT * FROM mail_attachments WHERE case_ref = ? ORDER BY id", [ref])
    ]


def case_to_dict(
    db: sqlite_utils.Database, case: PlacingRelianceCase | str, detail: bool = True
) -> dict[str, Any]:
    """The case as plain JSON-ready values (the ``--json`` output and what Slack views are built from)."""
    if isinstance(case, str):
        case = get_case(db, case)
    message_count = db.execute(
        "SELECT count(*) FROM mail_messages WHERE case_ref = ?", [case.ref]
    ).fetchone()[0]
    data: dict[str, Any] = {
        "ref": case.ref,
        "status": case.status,
        "subject": case.subject,
        "participant": case.participant,
        "participant_id": case.participant_id,
        "sender": case.sender,
        "sender_name": case.sender_name,
        "received_at": case.received_at,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
        "owner": case.owner,
        "message_count": message_count,
        "attachments": case_attachments(db, case.ref),
        "missing_recipients": list(case.missing_recipients),
        "retired_mailbox": case.retired_mailbox,
        "pqs_form": case.pqs_form,
        "flags": list(case.all_flags),
        "slack": {"channel": case.slack_channel, "ts": case.slack_ts},
    }
    if detail:
        data["messages"] = case_messages(db, case.ref)
        data["notes"] = case_notes(db, case.ref)
        data["history"] = case_events(db, case.ref)
    return data


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
    """Store the completeness checks triage worked out for the case (no audit row: triage records its own)."""
    fields: dict[str, Any] = {
        "missing_recipients": json.dumps(missing_recipients),
        "retired_mailbox": int(retired_mailbox),
        "pqs_form": int(pqs_form),
        "flags": json.dumps(flags),
    }
    if participant:
        fields["participant"] = participant
    if participant_id:
        fields["participant_id"] = participant_id
    _touch(db, ref, **fields)


# --- working the queue ------------------------------------------------------------------------------------------

QUEUE_OPEN = "open"
QUEUE_MINE = "mine"
QUEUE_FLAGGED = "flagged"
QUEUE_ALL = "all"
QUEUES = (QUEUE_OPEN, QUEUE_MINE, QUEUE_FLAGGED, QUEUE_ALL)

QUEUE_TITLES = {
    QUEUE_OPEN: "Open cases",
    QUEUE_MINE: "Your open cases",
    QUEUE_FLAGGED: "Flagged open cases",
    QUEUE_ALL: "All cases",
}

# words people type for a status, beside the status names themselves
STATUS_WORDS = {
    "review": UNDER_REVIEW,
    "reviewing": UNDER_REVIEW,
    "clarification": CLARIFICATION_REQUESTED,
    "clarify": CLARIFICATION_REQUESTED,
    "accept": ACCEPTED,
    "reject": REJECTED,
    "withdraw": WITHDRAWN,
}


def queue(db: sqlite_utils.Database, name: str, user_id: str | None = None) -> list[PlacingRelianceCase]:
    """A work queue, newest first: ``open``, ``mine`` (open cases owned by ``user_id``), ``flagged`` (open cases
    with any flag, awaiting participant included) or ``all``."""
    if name == QUEUE_OPEN:
        return list_cases(db, open_only=True)
    if name == QUEUE_MINE:
        if not user_id:
            raise CaseError("the 'mine' queue needs the person whose cases to list")
        return list_cases(db, owner=user_id, open_only=True)
    if name == QUEUE_FLAGGED:
        return list_cases(db, open_only=True, flagged=True)
    if name == QUEUE_ALL:
        return list_cases(db)
    raise CaseError(f"unknown queue {name!r}; one of {', '.join(QUEUES)}")


def next_statuses(status: str) -> list[str]:
    """The statuses a case in ``status`` may change to, in workflow order (none once closed: reopen instead)."""
    return [s for s in STATUSES if s in TRANSITIONS[status]]


def status_from_text(text: str) -> str:
    """``"under review"`` / ``"Under_Review"`` / ``"review"`` -> ``under_review``; anything else is refused."""
    key = "_".join(text.strip().lower().replace("-", " ").split())
    if key in STATUSES:
        return key
    if key in STATUS_WORDS:
        return STATUS_WORDS[key]
    raise CaseError(f"unknown status {text.strip()!r}; one of {', '.join(STATUSES)}")


def age_in_working_days(case: PlacingRelianceCase, calendar: WorkingCalendar, now: datetime) -> int:
    """Working days from the day the case's first mail was received to ``now`` (both as UK dates)."""
    received = datetime.fromisoformat(case.received_at)
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return max(0, calendar.count(to_london(received).date(), to_london(now).date()))
