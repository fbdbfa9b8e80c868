"""Reading cases: one case, lists, a case's messages, attachments, notes and history."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from bot.cases.model import OPEN_STATUSES, STATUSES, PlacingRelianceCase, normalise_ref
from bot.core.errors import CaseError

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


# Freemail domains say nothing about an organisation: only the exact address counts there.
FREEMAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "yahoo.com"}
    | {"yahoo.co.uk", "icloud.com", "me.com", "aol.com", "btinternet.com", "protonmail.com", "proton.me"}
)


def email_domain(address: str) -> str | None:
    """The organisation's domain of an address; None for freemail and malformed addresses."""
    domain = address.rpartition("@")[2].strip().lower() if "@" in address else ""
    return domain if domain and domain not in FREEMAIL_DOMAINS else None


def case_addresses(db: sqlite_utils.Database, ref: str) -> set[str]:
    """Who belongs to the case: its sender, the senders of its accepted mail, and whom the team wrote to."""
    case = get_case(db, ref)
    found = {case.sender.lower()}
    for r in db.query(
        "SELECT sender, recipients, direction, delivery, checks FROM mail_messages WHERE case_ref = ?",
        [case.ref],
    ):
        if r["direction"] == "out":
            if r["delivery"] == "sent":
                found.update(a.lower() for a in json.loads(r["recipients"]).get("to", []))
        elif not json.loads(r["checks"] or "{}").get("review"):
            found.add(r["sender"].lower())
    found.discard("")
    return found


def is_case_member(db: sqlite_utils.Database, ref: str, sender: str) -> bool:
    """The sender, or their organisation (the domain of the address), belongs to the case."""
    sender = sender.lower()
    members = case_addresses(db, ref)
    if sender in members:
        return True
    domain = email_domain(sender)
    return domain is not None and domain in {email_domain(a) for a in members}


def find_case_by_organisation(db: sqlite_utils.Database, sender: str, thread_subject: str) -> str | None:
    """The newest open case with this subject from this sender or their organisation (same domain), if any."""
    exact = find_case_by_thread(db, sender, thread_subject)
    if exact:
        return exact
    domain = email_domain(sender)
    if not domain:
        return None
    rows = db.execute(
        f"""SELECT ref, sender FROM cases WHERE thread_subject = ?
            AND status IN ({",".join("?" * len(OPEN_STATUSES))}) ORDER BY number DESC""",
        [thread_subject, *sorted(OPEN_STATUSES)],
    ).fetchall()
    for ref, case_sender in rows:
        if email_domain(case_sender) == domain:
            return ref
    return None


def last_participant_message(db: sqlite_utils.Database, ref: str) -> dict[str, Any] | None:
    """The case's latest mail from the participant (not automatic, not held for review), to reply under."""
    for r in db.query(
        """SELECT message_id, subject, sender, refs, in_reply_to, checks, thread_key FROM mail_messages
           WHERE case_ref = ? AND direction = 'in' AND automatic = 0 ORDER BY received_at DESC, id DESC""",
        [normalise_ref(ref)],
    ):
        if json.loads(r["checks"] or "{}").get("review"):
            continue
        refs = json.loads(r["refs"]) if r["refs"] else ([r["in_reply_to"]] if r["in_reply_to"] else [])
        return {
            "message_id": r["message_id"],
            "subject": r["subject"],
            "sender": r["sender"],
            "references": refs,
            "thread_key": r["thread_key"],
        }
    return None


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
                  automatic, decision, direction, delivery, author, in_reply_to
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
                "direction": r["direction"],
                "in_reply_to": r["in_reply_to"],
                "review": json.loads(r["checks"]).get("review"),
                **({"delivery": r["delivery"], "author": r["author"]} if r["direction"] == "out" else {}),
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
        "merged_into": case.merged_into,
    }
    if detail:
        data["messages"] = case_messages(db, case.ref)
        data["notes"] = case_notes(db, case.ref)
        data["history"] = case_events(db, case.ref)
    return data
