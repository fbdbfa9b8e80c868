"""One fetched mail -> the database: its message row, its case (opened or joined), attachments, audit-trail rows
and outbox rows, all in one transaction.

A mail is known by its dedupe key (its Message-ID, or the hash of its content when it has none) and its content
hash: a mail recorded before, e.g. by a pass killed before it could move the mail, or after a UIDVALIDITY change, is
recognised and not recorded again. A Message-ID seen before on different content is a new mail, flagged
(``message_id_reused``): a sender's Message-ID is a claim, and a careless or hostile one must not hide a mail.
Which folder the mail belongs in is recorded with it, for the pass to move it there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from bot import cases
from bot.core.database import now_iso, transaction
from bot.core.settings import Settings
from bot.mail import outbox
from bot.mail.attachments import store_attachments
from bot.mail.parse import Email
from bot.mail.rules import TRACKED_EXACT, TRACKED_LOOSE, MailRules, TriageDecision, decide, thread_subject
from bot.mail.threads import thread_key

ACTOR = "triage"

CASE_OPENED = "case-opened"
CASE_JOINED = "case-joined"
CASE_REVIEW = "case-review"  # named a case, but the sender does not belong to it: held there for review
REVIEW_OTHER_SENDER = "reference from another sender"
RETIRED = "retired"
OTHER = "other"


@dataclass(frozen=True)
class RecordedMail:
    dedupe_key: str
    target_folder: str
    decision: str
    case_ref: str | None
    new_case: bool = False
    duplicate: bool = False
    flagged: bool = False


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class MailRecorder:
    """Records mail from one watched folder (one instance per thread: it holds a connection)."""

    def __init__(self, settings: Settings, db: sqlite_utils.Database, folder: str | None = None):
        self.settings = settings
        self.db = db
        self.rules = MailRules.from_settings(settings)
        self.folder = folder or settings.imap.folder

    @property
    def _slack_enabled(self) -> bool:
        return bool(self.settings.slack.bot_token and self.settings.slack.team_channel)

    def record(
        self,
        email: Email,
        *,
        uidvalidity: int | None = None,
        uid: int | None = None,
        internal_date: datetime | None = None,
    ) -> RecordedMail:
        """Save one mail and its case in one transaction; a mail already saved is recognised, not saved again."""
        db = self.db
        with transaction(db):
            dedupe_key, reused = email.dedupe_key, False
            known = self._known(dedupe_key)
            if known and known[3] not in (None, email.content_sha256):
                dedupe_key, reused = f"{email.dedupe_key}#sha256:{email.content_sha256}", True
                known = self._known(dedupe_key)
            if known:
                return RecordedMail(dedupe_key, known[0], known[1], known[2], duplicate=True)
            decision = decide(email, self.rules)
            # Received: when the server took it in (INTERNALDATE); the sender's Date header is kept as sent_at.
            received_at = _iso(internal_date or email.date or datetime.now(UTC))
            ref, how = self._case_for(email, decision)
            review = None
            if ref and how != "organisation" and not cases.is_case_member(db, ref, email.sender):
                review = REVIEW_OTHER_SENDER  # never a submission, never changes who the case is
            new_case = False
            if ref is None and decision.tracked and not decision.automatic:
                ref = cases.open_case(
                    db,
                    subject=email.subject or "(no subject)",
                    thread_subject=decision.thread_subject,
                    sender=email.sender,
                    sender_name=email.sender_name or None,
                    received_at=received_at,
                    participant=decision.participant,
                    participant_id=decision.participant_id,
                    actor=ACTOR,
                )
                new_case = True
            submission = (
                bool(ref)
                and not review
                and decision.tracked
                and not decision.automatic
                and (new_case or not email.in_reply_to)
            )
            flags = decision.message_flags()
            if review:
                flags.append(cases.FLAG_REFERENCE_OTHER_SENDER)
            if reused:
                flags.append(cases.FLAG_MESSAGE_ID_REUSED)
            if ref:
                kind = CASE_OPENED if new_case else (CASE_REVIEW if review else CASE_JOINED)
                target = self.settings.mail.folder_tracked
            elif decision.retired_hits:
                kind, target = RETIRED, self.settings.mail.folder_retired
            else:
                kind, target = OTHER, self.settings.mail.folder_other
            checks = {
                "submission": submission,
                "subject_match": decision.subject_match,
                "missing_recipients": list(decision.missing_recipients),
                "pqs_form": decision.pqs_form,
                "retired": [list(pair) for pair in decision.retired_hits],
                "automatic": decision.automatic,
                "oversized_attachments": list(decision.oversized_attachments),
                "flags": flags,
            }
            if review:
                checks["review"] = review
            message_row = db.execute(
                """INSERT INTO mail_messages (dedupe_key, message_id, case_ref, decision, target_folder, folder,
                       uidvalidity, uid, subject, sender, sender_name, recipients, received_at, sent_at, in_reply_to,
                       checks, excerpt, automatic, triaged_at, refs, thread_key, content_sha256)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    dedupe_key,
                    email.message_id,
                    ref,
                    kind,
                    target,
                    self.folder,
                    uidvalidity,
                    uid,
                    email.subject,
                    email.sender,
                    email.sender_name or None,
                    json.dumps(
                        {"to": list(email.to), "cc": list(email.cc), "delivered_to": list(email.delivered_to)}
                    ),
                    received_at,
                    _iso(email.date) if email.date else None,
                    email.in_reply_to,
                    json.dumps(checks),
                    email.excerpt,
                    int(bool(decision.automatic)),
                    now_iso(),
                    json.dumps(list(email.references)),
                    thread_key(email.thread_index),
                    email.content_sha256,
                ],
            )
            message_id = message_row.lastrowid
            store_attachments(db, self.settings, email, message_id, ref, self.rules.max_attachment_bytes)
            if ref:
                self._update_case(email, decision, ref, new_case, submission, flags, review)
            elif decision.retired_hits:
                self._retired_hit(email, decision, received_at)
        return RecordedMail(
            dedupe_key,
            target,
            kind,
            ref,
            new_case=new_case,
            flagged=reused or (bool(flags) and (bool(ref) or bool(decision.retired_hits))),
        )

    def _known(self, dedupe_key: str) -> tuple | None:
        """(target folder, decision, case, content hash) of a mail recorded under ``dedupe_key``, or None."""
        return self.db.execute(
            "SELECT target_folder, decision, case_ref, content_sha256 FROM mail_messages WHERE dedupe_key = ?",
            [dedupe_key],
        ).fetchone()

    def _case_for(self, email: Email, decision: TriageDecision) -> tuple[str | None, str]:
        """The case a mail joins, and how it was found: by the reference in the subject, In-Reply-To/References,
        Outlook's Thread-Index, then the same sender or organisation with the same subject while the case is open.
        A case merged into another leads to that other case."""
        db = self.db
        found: tuple[str | None, str] = (None, "")
        if decision.reference and cases.case_exists(db, decision.reference):
            found = (decision.reference, "reference")
        if not found[0]:
            for parent in [email.in_reply_to, *reversed(email.references)]:
                if not parent:
                    continue
                row = db.execute(
                    "SELECT case_ref FROM mail_messages WHERE message_id = ? AND case_ref IS NOT NULL LIMIT 1",
                    [parent],
                ).fetchone()
                if row:
                    found = (row[0], "in-reply-to")
                    break
        key = thread_key(email.thread_index)
        if not found[0] and key:
            row = db.execute(
                "SELECT case_ref FROM mail_messages WHERE thread_key = ? AND case_ref IS NOT NULL "
                "ORDER BY id DESC LIMIT 1",
                [key],
            ).fetchone()
            if row:
                found = (row[0], "thread-index")
        if not found[0] and email.sender:
            subjects = dict.fromkeys([decision.thread_subject, thread_subject(email.thread_topic or "")])
            for subject in filter(None, subjects):
                ref = cases.find_case_by_organisation(db, email.sender, subject)
                if ref:
                    found = (ref, "organisation")
                    break
        ref, how = found
        for _ in range(10):  # follow merge pointers (a chain is short; a loop cannot be made by merge_cases)
            if not ref:
                break
            merged_into = cases.get_case(db, ref).merged_into
            if not merged_into:
                break
            ref = merged_into
        return ref, how

    def _update_case(
        self,
        email: Email,
        decision: TriageDecision,
        ref: str,
        new_case: bool,
        submission: bool,
        flags: list[str],
        review: str | None = None,
    ) -> None:
        db = self.db
        what = "submission" if submission else ("automatic mail" if decision.automatic else "mail")
        if review:
            what = f"mail held for review ({review})"
        cases.record_event(db, ref, ACTOR, "message", f"{what} from {email.sender}: {email.subject}")
        before = cases.get_case(db, ref)
        case_flags = refresh_checks(
            db,
            ref,
            participant=decision.participant if submission else None,
            participant_id=decision.participant_id if submission else None,
        )
        record_flag_changes(db, ref, before.flags, case_flags, email)
        answered = (
            not new_case
            and not review
            and not decision.automatic
            and before.status == cases.CLARIFICATION_REQUESTED
        )
        if answered:
            cases.change_status(
                db, ref, cases.UNDER_REVIEW, ACTOR, reason=f"the participant replied ({email.sender})"
            )
            cases.record_event(db, ref, ACTOR, "answered", f"{email.sender} replied: back with the team")
        if self._slack_enabled:
            if new_case:
                outbox.queue(db, outbox.SLACK_CASE, ref, {})
            else:
                outbox.queue_post_refresh(db, ref)
            if not new_case and flags and (submission or decision.retired_hits or review):
                outbox.queue(
                    db,
                    outbox.SLACK_UPDATE,
                    ref,
                    {
                        "sender": email.sender,
                        "subject": email.subject,
                        "flags": flags,
                        "missing_recipients": list(decision.missing_recipients),
                    },
                )
        if self.settings.mail.acknowledge and submission and not decision.automatic:
            if outbox.first_reply_today(db, outbox.ACKNOWLEDGEMENT, ref, email.sender):
                outbox.queue(
                    db,
                    outbox.ACKNOWLEDGEMENT,
                    ref,
                    {
                        "to": email.sender,
                        "subject": email.subject,
                        "in_reply_to": email.message_id,
                        "references": list(email.references),
                    },
                )

    def _retired_hit(self, email: Email, decision: TriageDecision, received_at: str) -> None:
        redirect = (
            self.settings.mail.redirect_reply
            and not decision.automatic
            and outbox.first_reply_today(self.db, outbox.REDIRECT, "", email.sender)
        )
        if redirect:
            old, new = decision.retired_hits[0]
            outbox.queue(
                self.db,
                outbox.REDIRECT,
                None,
                {
                    "to": email.sender,
                    "subject": email.subject,
                    "retired": old,
                    "replacement": new,
                    "in_reply_to": email.message_id,
                    "references": list(email.references),
                },
            )
        if self._slack_enabled:
            outbox.queue(
                self.db,
                outbox.SLACK_RETIRED,
                None,
                {
                    "sender": email.sender,
                    "subject": email.subject,
                    "received_at": received_at,
                    "retired": [list(p) for p in decision.retired_hits],
                    "redirected": bool(redirect),
                },
            )


def refresh_checks(
    db: sqlite_utils.Database,
    ref: str,
    participant: str | None = None,
    participant_id: str | None = None,
) -> list[str]:
    """Work out the case's completeness checks and flags from all its incoming mail, store them, return the flags.

    Only the participant's own submissions count for the recipients and the subject; mail held for review
    (another sender naming the case) raises its own flag and nothing else."""
    messages = [
        json.loads(r[0])
        for r in db.execute(
            "SELECT checks FROM mail_messages WHERE case_ref = ? AND direction = 'in' ORDER BY id", [ref]
        )
    ]
    reviewed = [m for m in messages if m.get("review")]
    messages = [m for m in messages if not m.get("review")]
    submissions = [m for m in messages if m.get("submission")]
    latest = submissions[-1] if submissions else None
    missing = latest["missing_recipients"] if latest else []
    pqs_form = any(m.get("pqs_form") for m in messages)
    retired = any(m.get("retired") for m in messages)
    case_flags = []
    if retired:
        case_flags.append(cases.FLAG_RETIRED_MAILBOX)
    if missing:
        case_flags.append(cases.FLAG_MISSING_RECIPIENT)
    if not pqs_form:
        case_flags.append(cases.FLAG_MISSING_PQS_FORM)
    if latest and latest["subject_match"] == TRACKED_LOOSE:
        case_flags.append(cases.FLAG_SUBJECT_NOT_EXACT)
    if submissions and not any(m["subject_match"] in (TRACKED_EXACT, TRACKED_LOOSE) for m in submissions):
        case_flags.append(cases.FLAG_SUBJECT_NEAR_MISS)
    if any(m.get("oversized_attachments") for m in messages):
        case_flags.append(cases.FLAG_ATTACHMENT_NOT_STORED)
    if reviewed:
        case_flags.append(cases.FLAG_REFERENCE_OTHER_SENDER)
    if any(cases.FLAG_MESSAGE_ID_REUSED in m.get("flags", []) for m in messages):
        case_flags.append(cases.FLAG_MESSAGE_ID_REUSED)
    cases.update_checks(
        db,
        ref,
        missing_recipients=missing,
        retired_mailbox=retired,
        pqs_form=pqs_form,
        flags=case_flags,
        participant=participant,
        participant_id=participant_id,
    )
    return case_flags


def record_flag_changes(
    db: sqlite_utils.Database,
    ref: str,
    before: Sequence[str],
    after: Sequence[str],
    email: Email | None = None,
    actor: str = ACTOR,
    cause: str | None = None,
) -> None:
    """The audit trail records each flag raised and each flag cleared, with the mail (or change) that did it."""
    if email is not None:
        cause = (
            f"mail <{email.message_id}> from {email.sender}"
            if email.message_id
            else f"mail from {email.sender}"
        )
    suffix = f" (by {cause})" if cause else ""
    raised = [f for f in after if f not in before]
    cleared = [f for f in before if f not in after]
    if raised:
        cases.record_event(db, ref, actor, "flagged", ", ".join(raised) + suffix)
    if cleared:
        cases.record_event(db, ref, actor, "flag cleared", ", ".join(cleared) + suffix)


def record_acknowledged(db: sqlite_utils.Database, ref: str, recipient: str) -> None:
    """The case's audit trail notes that its acknowledgement went out."""
    cases.record_event(db, ref, ACTOR, "acknowledged", f"acknowledgement sent to {recipient}")
