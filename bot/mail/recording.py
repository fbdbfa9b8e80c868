"""One fetched mail -> the database: its message row, its case (opened or joined), attachments, audit-trail rows
and outbox rows, all in one transaction.

A mail is known by its dedupe key (its Message-ID, or the hash of its content when it has none) and its content
hash: a mail recorded before, e.g. by a pass killed before it could move the mail, or after a UIDVALIDITY change, is
recognised and not recorded again. A Message-ID seen before on different content is a new mail, flagged
(``message_id_reused``): a sender's Message-ID is a claim, and a careless or hostile one must not hide a mail. Which folder the mail belongs in is recorded with it, for the pass to move it there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from bot import cases
from bot.core.database import now_iso, transaction
from bot.core.settings import Settings
from bot.mail import outbox
from bot.mail.attachments import store_attachments
from bot.mail.parse import Email
from bot.mail.rules import TRACKED_EXACT, TRACKED_LOOSE, MailRules, TriageDecision, decide

ACTOR = "triage"

CASE_OPENED = "case-opened"
CASE_JOINED = "case-joined"
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
            ref = self._case_for(email, decision)
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
                and decision.tracked
                and not decision.automatic
                and (new_case or not email.in_reply_to)
            )
            flags = decision.message_flags()
            if reused:
                flags.append(cases.FLAG_MESSAGE_ID_REUSED)
            if ref:
                kind, target = (CASE_OPENED if new_case else CASE_JOINED), self.settings.mail.folder_tracked
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
            message_row = db.execute(
                """INSERT INTO mail_messages (dedupe_key, message_id, case_ref, decision, target_folder, folder,
                       uidvalidity, uid, subject, sender, sender_name, recipients, received_at, sent_at, in_reply_to,
                       checks, excerpt, automatic, triaged_at, content_sha256)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
                    email.content_sha256,
                ],
            )
            message_id = message_row.lastrowid
            store_attachments(db, self.settings, email, message_id, ref, self.rules.max_attachment_bytes)
            if ref:
                self._update_case(email, decision, ref, new_case, submission, flags)
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

    def _case_for(self, email: Email, decision: TriageDecision) -> str | None:
        """The case a mail joins: by reference in the subject, then In-Reply-To/References, then sender+subject."""
        if decision.reference and cases.case_exists(self.db, decision.reference):
            return decision.reference
        for parent in [email.in_reply_to, *reversed(email.references)]:
            if not parent:
                continue
            row = self.db.execute(
                "SELECT case_ref FROM mail_messages WHERE message_id = ? AND case_ref IS NOT NULL LIMIT 1",
                [parent],
            ).fetchone()
            if row:
                return row[0]
        if decision.tracked and email.sender:
            return cases.find_case_by_thread(self.db, email.sender, decision.thread_subject)
        return None

    def _update_case(
        self,
        email: Email,
        decision: TriageDecision,
        ref: str,
        new_case: bool,
        submission: bool,
        flags: list[str],
    ) -> None:
        db = self.db
        what = "submission" if submission else ("automatic mail" if decision.automatic else "mail")
        cases.record_event(db, ref, ACTOR, "message", f"{what} from {email.sender}: {email.subject}")
        if flags:
            cases.record_event(db, ref, ACTOR, "flagged", ", ".join(flags))
        messages = [
            json.loads(r[0])
            for r in db.execute("SELECT checks FROM mail_messages WHERE case_ref = ? ORDER BY id", [ref])
        ]
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
        if any(cases.FLAG_MESSAGE_ID_REUSED in m.get("flags", []) for m in messages):
            case_flags.append(cases.FLAG_MESSAGE_ID_REUSED)
        cases.update_checks(
            db,
            ref,
            missing_recipients=missing,
            retired_mailbox=retired,
            pqs_form=pqs_form,
            flags=case_flags,
            participant=decision.participant if submission else None,
            participant_id=decision.participant_id if submission else None,
        )
        if self._slack_enabled:
            if new_case:
                outbox.queue(db, outbox.SLACK_CASE, ref, {})
            else:
                outbox.queue_post_refresh(db, ref)
            if not new_case and flags and (submission or decision.retired_hits):
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


def record_acknowledged(db: sqlite_utils.Database, ref: str, recipient: str) -> None:
    """The case's audit trail notes that its acknowledgement went out."""
    cases.record_event(db, ref, ACTOR, "acknowledged", f"acknowledgement sent to {recipient}")
