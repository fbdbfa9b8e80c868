"""Placing Reliance cases: the record, its statuses and its audit trail.

A case is opened by inbox triage when a Placing Reliance proposal arrives and is worked by the qualification
team. Its reference is allocated in order (``PR-0001``, ``PR-0002``...). Statuses move along::

    new -> under_review -> clarification_requested -> accepted | rejected | withdrawn

(``clarification_requested`` can go back to ``under_review``; a closed case can be reopened to ``under_review``.)
Any other change is refused with :class:`bot.core.errors.CaseError`.

Every change (status, owner, note, each triaged message) appends a row to ``case_events``: case, time, actor,
action, detail. That table is an audit trail: the database refuses updates and deletes on it.

Functions here take an open database (:func:`bot.storage.connect`). Each runs in its own transaction, or joins
the caller's when one is open (triage saves a message and its case together).
"""

from __future__ import annotations

from bot.cases.changing import (
    add_note,
    assign_owner,
    change_status,
    open_case,
    record_event,
    reopen,
    set_slack_post,
    update_checks,
)
from bot.cases.merging import MergeResult, merge_cases
from bot.cases.model import (
    ACCEPTED,
    CLARIFICATION_REQUESTED,
    CLOSED_STATUSES,
    FLAG_ATTACHMENT_NOT_STORED,
    FLAG_AWAITING_PARTICIPANT,
    FLAG_LABELS,
    FLAG_MESSAGE_ID_REUSED,
    FLAG_MISSING_PQS_FORM,
    FLAG_MISSING_RECIPIENT,
    FLAG_REFERENCE_OTHER_SENDER,
    FLAG_RETIRED_MAILBOX,
    FLAG_SUBJECT_NEAR_MISS,
    FLAG_SUBJECT_NOT_EXACT,
    MERGED,
    NEW,
    OPEN_STATUSES,
    REFERENCE_PREFIX,
    REJECTED,
    REOPENED_STATUS,
    STATUS_LABELS,
    STATUSES,
    TRANSITIONS,
    UNDER_REVIEW,
    WITHDRAWN,
    PlacingRelianceCase,
    format_ref,
    normalise_ref,
)
from bot.cases.queue import (
    QUEUE_ALL,
    QUEUE_FLAGGED,
    QUEUE_MINE,
    QUEUE_OPEN,
    QUEUE_TITLES,
    QUEUES,
    STATUS_WORDS,
    age_in_working_days,
    next_statuses,
    queue,
    status_from_text,
)
from bot.cases.reading import (
    case_attachments,
    case_events,
    case_exists,
    case_messages,
    case_notes,
    case_to_dict,
    email_domain,
    find_case_by_organisation,
    find_case_by_thread,
    get_case,
    is_case_member,
    last_participant_message,
    list_cases,
)

__all__ = [
    "ACCEPTED",
    "CLARIFICATION_REQUESTED",
    "CLOSED_STATUSES",
    "FLAG_ATTACHMENT_NOT_STORED",
    "FLAG_AWAITING_PARTICIPANT",
    "FLAG_LABELS",
    "FLAG_MESSAGE_ID_REUSED",
    "FLAG_MISSING_PQS_FORM",
    "FLAG_MISSING_RECIPIENT",
    "FLAG_REFERENCE_OTHER_SENDER",
    "MERGED",
    "MergeResult",
    "merge_cases",
    "email_domain",
    "find_case_by_organisation",
    "is_case_member",
    "last_participant_message",
    "FLAG_RETIRED_MAILBOX",
    "FLAG_SUBJECT_NEAR_MISS",
    "FLAG_SUBJECT_NOT_EXACT",
    "NEW",
    "OPEN_STATUSES",
    "PlacingRelianceCase",
    "REFERENCE_PREFIX",
    "REJECTED",
    "REOPENED_STATUS",
    "STATUSES",
    "STATUS_LABELS",
    "TRANSITIONS",
    "UNDER_REVIEW",
    "WITHDRAWN",
    "format_ref",
    "normalise_ref",
    "case_attachments",
    "case_events",
    "case_exists",
    "case_messages",
    "case_notes",
    "case_to_dict",
    "find_case_by_thread",
    "get_case",
    "list_cases",
    "add_note",
    "assign_owner",
    "change_status",
    "open_case",
    "record_event",
    "reopen",
    "set_slack_post",
    "update_checks",
    "QUEUES",
    "QUEUE_ALL",
    "QUEUE_FLAGGED",
    "QUEUE_MINE",
    "QUEUE_OPEN",
    "QUEUE_TITLES",
    "STATUS_WORDS",
    "age_in_working_days",
    "next_statuses",
    "queue",
    "status_from_text",
]
