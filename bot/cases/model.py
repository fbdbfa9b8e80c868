"""The Placing Reliance case: references, statuses, flags and the record read from the database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.core.errors import CaseError
from bot.core.text import printable

REFERENCE_PREFIX = "PR-"

NEW = "new"
UNDER_REVIEW = "under_review"
CLARIFICATION_REQUESTED = "clarification_requested"
ACCEPTED = "accepted"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
MERGED = "merged"  # moved into another case (``merged_into``); only a pointer is left

STATUSES = (NEW, UNDER_REVIEW, CLARIFICATION_REQUESTED, ACCEPTED, REJECTED, WITHDRAWN, MERGED)
CLOSED_STATUSES = frozenset({ACCEPTED, REJECTED, WITHDRAWN, MERGED})
OPEN_STATUSES = frozenset(STATUSES) - CLOSED_STATUSES

# status -> statuses it may change to with change_status(); closed cases change only through reopen().
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({UNDER_REVIEW, CLARIFICATION_REQUESTED, REJECTED, WITHDRAWN}),
    UNDER_REVIEW: frozenset({CLARIFICATION_REQUESTED, ACCEPTED, REJECTED, WITHDRAWN}),
    CLARIFICATION_REQUESTED: frozenset({UNDER_REVIEW, ACCEPTED, REJECTED, WITHDRAWN}),
    ACCEPTED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
    MERGED: frozenset(),
}
REOPENED_STATUS = UNDER_REVIEW

STATUS_LABELS = {
    NEW: "New",
    UNDER_REVIEW: "Under review",
    CLARIFICATION_REQUESTED: "Clarification requested",
    ACCEPTED: "Accepted",
    REJECTED: "Rejected",
    WITHDRAWN: "Withdrawn",
    MERGED: "Merged",
}

# Flags triage sets on a case (stored), and one derived from the status.
FLAG_MISSING_RECIPIENT = "missing_recipient"
FLAG_MISSING_PQS_FORM = "missing_pqs_form"
FLAG_SUBJECT_NOT_EXACT = "subject_not_exact"
FLAG_SUBJECT_NEAR_MISS = "subject_near_miss"
FLAG_RETIRED_MAILBOX = "retired_mailbox"
FLAG_ATTACHMENT_NOT_STORED = "attachment_not_stored"
FLAG_AWAITING_PARTICIPANT = "awaiting_participant"
FLAG_REFERENCE_OTHER_SENDER = (
    "reference_other_sender"  # a mail named the case but its sender is not the case's
)
FLAG_MESSAGE_ID_REUSED = "message_id_reused"  # a Message-ID seen before on a different mail

FLAG_LABELS = {
    FLAG_MISSING_RECIPIENT: "missing recipient",
    FLAG_MISSING_PQS_FORM: "missing PQS form",
    FLAG_SUBJECT_NOT_EXACT: "subject not exact",
    FLAG_SUBJECT_NEAR_MISS: "subject near miss: review",
    FLAG_RETIRED_MAILBOX: "retired mailbox",
    FLAG_ATTACHMENT_NOT_STORED: "attachment too large, not stored",
    FLAG_AWAITING_PARTICIPANT: "awaiting participant",
    FLAG_REFERENCE_OTHER_SENDER: "reference from another sender: review",
    FLAG_MESSAGE_ID_REUSED: "Message-ID reused by a different mail: review",
}


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
    merged_into: str | None = None  # the case this one was merged into

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
            merged_into=row.get("merged_into"),
        )


def format_ref(number: int) -> str:
    return f"{REFERENCE_PREFIX}{number:04d}"


REFERENCE_PATTERN = re.compile(r"PR-([0-9]{1,9})", re.ASCII | re.IGNORECASE)  # PR- and 1-9 ASCII digits


def normalise_ref(ref: str) -> str:
    """``pr-1`` / ``PR-0001`` -> ``PR-0001``; anything else (``PR-²``, 5,000 digits) is refused with CaseError."""
    found = REFERENCE_PATTERN.fullmatch(ref.strip())
    if found:
        return format_ref(int(found.group(1)))
    shown = printable(ref if len(ref) <= 40 else ref[:40] + "…")
    raise CaseError(f"not a case reference: {shown!r} (expected PR- and up to 9 digits, like PR-0001)")
