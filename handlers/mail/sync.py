"""The triage pass: new mail in the watched folder -> cases, flags, team posts, replies; then moved out.

Order of work for each batch of mail, chosen so that a kill at any point loses nothing and duplicates nothing:

1. fetch raw bytes by UID (``BODY.PEEK[]``: nothing is marked read);
2. per mail, one database transaction: the message row (unique by Message-ID, or by content hash when there is
   none), its case (opened or joined), attachments, audit-trail rows, and outbox rows for Slack posts and replies;
3. MOVE the batch to its folders (``Triaged/...``), then mark the messages moved and advance the stored UID;
4. send the outbox (Slack posts, SMTP replies); failures stay in the outbox and are retried next pass.

Killed after 2 and before 3, the next pass finds the same mail still in the folder, recognises it by its key and
only finishes the move. A UIDVALIDITY change resets the stored UID; the same keys keep re-synced mail from opening
cases twice. A mail that fails to parse or process is saved under the data directory with its reason, retried on
later passes, and moved to the quarantine folder after ``MAIL_MAX_TRIES``; it never stops the mail after it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import sqlite_utils

from bot import cases
from bot.cases import now_iso, transaction
from bot.config import Settings
from bot.errors import MailError
from bot.mail import replies
from bot.mail.parse import Email, parse_email, safe_filename
from bot.mail.rules import TRACKED_EXACT, TRACKED_LOOSE, MailRules, TriageDecision, decide
from handlers.mail import smtp
from handlers.mail.imap import FETCH_BATCH, FetchedMail, Mailbox

log = logging.getLogger(__name__)

DEFAULT_SINCE_DAYS = 30
OUTBOX_MAX_TRIES = 20
ACTOR = "triage"

CASE_OPENED = "case-opened"
CASE_JOINED = "case-joined"
RETIRED = "retired"
OTHER = "other"


@dataclass
class TriageSummary:
    fetched: int = 0
    new_cases: int = 0
    updates: int = 0
    flagged: int = 0
    quarantined: int = 0
    failed: int = 0
    duplicates: int = 0
    moved: int = 0
    posts: int = 0
    replies: int = 0
    refs: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"fetched {self.fetched}, new cases {self.new_cases}, updates {self.updates}, flagged {self.flagged}, "
            f"quarantined {self.quarantined}, failed {self.failed}, duplicates {self.duplicates}"
        )

    def add(self, other: TriageSummary) -> None:
        for name in ("fetched", "new_cases", "updates", "flagged", "quarantined", "failed", "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.moved += other.moved
        self.posts += other.posts
        self.replies += other.replies
        self.refs += other.refs


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


class InboxTriage:
    """Triage of one watched folder into the database (one instance per thread: it holds a connection)."""

    def __init__(self, settings: Settings, db: sqlite_utils.Database):
        self.settings = settings
        self.db = db
        self.rules = MailRules.from_settings(settings)
        self.folder = settings.imap_folder
        self._slack = None
        # Called with the batch's UIDs after their cases are committed and before they are moved. Tests use it
        # to kill the process at exactly that point; nothing else sets it.
        self.before_move: Callable[[list[int]], None] | None = None

    # --- the pass ----------------------------------------------------------------------------------------------

    def run_pass(
        self,
        mailbox: Mailbox,
        backfill: bool = False,
        stop: threading.Event | None = None,
        notify: bool = True,
    ) -> TriageSummary:
        """Triage every mail waiting in the watched folder; return what happened."""
        summary = TriageSummary()
        if notify:
            self.deliver_outbox(summary)
        uidvalidity = mailbox.select(self.folder)
        state = self._folder_state(uidvalidity)
        last_uid = 0 if backfill else state["last_uid"]
        since = None if backfill else date.fromisoformat(state["since"])
        pending = set(mailbox.search(above_uid=last_uid, since=since))
        pending |= self._retry_uids(uidvalidity)
        uids = sorted(pending)
        for start in range(0, len(uids), FETCH_BATCH):
            if stop is not None and stop.is_set():
                break
            batch = uids[start : start + FETCH_BATCH]
            self._run_batch(mailbox, uidvalidity, batch, summary)
            high = max(batch)
            if high > state["last_uid"]:
                state["last_uid"] = high
                self.db.execute(
                    "UPDATE mail_folders SET last_uid = ?, updated_at = ? WHERE folder = ? AND last_uid < ?",
                    [high, now_iso(), self.folder, high],
                )
            if notify:
                self.deliver_outbox(summary)
        return summary

    def _folder_state(self, uidvalidity: int) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM mail_folders WHERE folder = ?", [self.folder]))
        if rows and rows[0]["uidvalidity"] == uidvalidity:
            return rows[0]
        if rows:
            log.warning(
                "UIDVALIDITY of %s changed (%s -> %s): re-syncing; known mail is recognised, not duplicated",
                self.folder,
                rows[0]["uidvalidity"],
                uidvalidity,
            )
            since = rows[0]["since"]
        else:
            since = (
                self.settings.mail_since or (datetime.now(UTC).date() - timedelta(days=DEFAULT_SINCE_DAYS))
            ).isoformat()
        state = {
            "folder": self.folder,
            "uidvalidity": uidvalidity,
            "last_uid": 0,
            "since": since,
            "updated_at": now_iso(),
        }
        with transaction(self.db):
            self.db["mail_folders"].upsert(state, pk="folder")
        return state

    def _retry_uids(self, uidvalidity: int) -> set[int]:
        """Mail left in the folder by an earlier pass: failed (not yet quarantined), or saved but not moved."""
        failed = self.db.execute(
            """SELECT uid FROM mail_failures WHERE folder = ? AND uidvalidity = ? AND quarantined = 0
               AND resolved_at IS NULL AND uid IS NOT NULL""",
            [self.folder, uidvalidity],
        ).fetchall()
        unmoved = self.db.execute(
            "SELECT uid FROM mail_messages WHERE moved = 0 AND folder = ? AND uidvalidity = ? AND uid IS NOT NULL",
            [self.folder, uidvalidity],
        ).fetchall()
        return {r[0] for r in failed} | {r[0] for r in unmoved}

    def _run_batch(
        self, mailbox: Mailbox, uidvalidity: int, batch: list[int], summary: TriageSummary
    ) -> None:
        moves: dict[str, list[int]] = {}
        moved_keys: list[str] = []
        quarantine: list[tuple[int, int]] = []  # (uid, failure id)
        seen: set[int] = set()
        for fetched in mailbox.fetch(batch):
            seen.add(fetched.uid)
            summary.fetched += 1
            try:
                email = parse_email(fetched.raw)
                recorded = self.record(
                    email, uidvalidity=uidvalidity, uid=fetched.uid, internal_date=fetched.internal_date
                )
            except Exception as exc:  # noqa: BLE001 - any failure is recorded against this mail; the rest go on
                failure_id, tries = self._record_failure(fetched, uidvalidity, exc)
                if tries >= self.settings.mail_max_tries:
                    quarantine.append((fetched.uid, failure_id))
                else:
                    summary.failed += 1
                continue
            self._resolve_failure(fetched.raw)
            moves.setdefault(recorded.target_folder, []).append(fetched.uid)
            moved_keys.append(recorded.dedupe_key)
            if recorded.duplicate:
                summary.duplicates += 1
                continue
            if recorded.new_case:
                summary.new_cases += 1
                summary.refs.append(recorded.case_ref or "")
            elif recorded.case_ref:
                summary.updates += 1
            if recorded.flagged:
                summary.flagged += 1
        gone = [uid for uid in batch if uid not in seen]
        if gone:  # moved before a stop that came before they were marked moved (or moved by hand): done
            with transaction(self.db):
                for uid in gone:
                    self.db.execute(
                        "UPDATE mail_messages SET moved = 1 WHERE moved = 0 AND folder = ? AND uidvalidity = ? AND uid = ?",
                        [self.folder, uidvalidity, uid],
                    )
        if self.before_move is not None:
            self.before_move(batch)
        for folder, uids in moves.items():
            mailbox.move(uids, folder)
            summary.moved += len(uids)
        if moved_keys:
            with transaction(self.db):
                for key in moved_keys:
                    self.db.execute("UPDATE mail_messages SET moved = 1 WHERE dedupe_key = ?", [key])
        if quarantine:
            mailbox.move([uid for uid, _ in quarantine], self.settings.mail_folder_quarantine)
            with transaction(self.db):
                for _, failure_id in quarantine:
                    self.db.execute(
                        "UPDATE mail_failures SET quarantined = 1, folder = ?, uid = NULL WHERE id = ?",
                        [self.settings.mail_folder_quarantine, failure_id],
                    )
            summary.quarantined += len(quarantine)

    # --- one mail ----------------------------------------------------------------------------------------------

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
            known = db.execute(
                "SELECT target_folder, decision, case_ref FROM mail_messages WHERE dedupe_key = ?",
                [email.dedupe_key],
            ).fetchone()
            if known:
                return RecordedMail(email.dedupe_key, known[0], known[1], known[2], duplicate=True)
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
            if ref:
                kind, target = (CASE_OPENED if new_case else CASE_JOINED), self.settings.mail_folder_tracked
            elif decision.retired_hits:
                kind, target = RETIRED, self.settings.mail_folder_retired
            else:
                kind, target = OTHER, self.settings.mail_folder_other
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
                       checks, excerpt, automatic, triaged_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    email.dedupe_key,
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
                ],
            )
            message_id = message_row.lastrowid
            self._store_attachments(email, message_id, ref)
            if ref:
                self._update_case(email, decision, ref, new_case, submission, flags)
            elif decision.retired_hits:
                self._retired_hit(email, decision, received_at)
        return RecordedMail(
            email.dedupe_key,
            target,
            kind,
            ref,
            new_case=new_case,
            flagged=bool(flags) and (bool(ref) or bool(decision.retired_hits)),
        )

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

    def _store_attachments(self, email: Email, message_id: int, ref: str | None) -> None:
        base = self.settings.mail_dir / "attachments"
        for n, att in enumerate(email.attachments, start=1):
            name = safe_filename(att.filename, fallback=f"attachment-{n}")
            digest = att.sha256
            path: str | None = None
            note = None
            if att.size > self.rules.max_attachment_bytes:
                note = f"larger than MAIL_MAX_ATTACHMENT_MB ({self.settings.mail_max_attachment_mb:g} MB): not stored"
            else:
                folder = base / digest[:2] / digest
                target = (folder / name).resolve()
                if not target.is_relative_to(
                    base.resolve()
                ):  # safe_filename makes this impossible; checked anyway
                    raise MailError(f"attachment name escapes the attachments folder: {att.filename!r}")
                if not target.exists():
                    folder.mkdir(parents=True, exist_ok=True)
                    partial = target.with_name(target.name + ".part")
                    partial.write_bytes(att.payload)
                    partial.replace(target)
                path = str(target.relative_to(self.settings.data_dir.resolve()))
            self.db.execute(
                """INSERT INTO mail_attachments (message, case_ref, filename, stored_name, content_type, size, sha256,
                       path, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [message_id, ref, att.filename, name, att.content_type, att.size, digest, path, note],
            )

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
                self._queue("slack-case", ref, {})
            else:
                self._queue_post_refresh(ref)
            if not new_case and flags and (submission or decision.retired_hits):
                self._queue(
                    "slack-update",
                    ref,
                    {
                        "sender": email.sender,
                        "subject": email.subject,
                        "flags": flags,
                        "missing_recipients": list(decision.missing_recipients),
                    },
                )
        if self.settings.mail_acknowledge and submission and not decision.automatic:
            if self._once_today("acknowledgement", ref, email.sender):
                self._queue(
                    "acknowledgement",
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
            self.settings.mail_redirect_reply
            and not decision.automatic
            and self._once_today("redirect", "", email.sender)
        )
        if redirect:
            old, new = decision.retired_hits[0]
            self._queue(
                "redirect",
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
            self._queue(
                "slack-retired",
                None,
                {
                    "sender": email.sender,
                    "subject": email.subject,
                    "received_at": received_at,
                    "retired": [list(p) for p in decision.retired_hits],
                    "redirected": bool(redirect),
                },
            )

    def _once_today(self, kind: str, ref: str, recipient: str) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO mail_replies (kind, case_ref, recipient, day) VALUES (?, ?, ?, ?)",
            [kind, ref, recipient, datetime.now(UTC).date().isoformat()],
        )
        return cursor.rowcount == 1

    def _queue(self, kind: str, ref: str | None, payload: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO mail_outbox (kind, case_ref, payload, created_at) VALUES (?, ?, ?, ?)",
            [kind, ref, json.dumps(payload), now_iso()],
        )

    # --- failures and quarantine -------------------------------------------------------------------------------

    def _queue_post_refresh(self, ref: str) -> None:
        """Update the case's team-channel post in place (once per pass, however many mails joined the case)."""
        pending = self.db.execute(
            "SELECT 1 FROM mail_outbox WHERE kind = 'slack-refresh' AND case_ref = ? AND sent_at IS NULL",
            [ref],
        ).fetchone()
        if not pending:
            self._queue("slack-refresh", ref, {})

    def _record_failure(self, fetched: FetchedMail, uidvalidity: int, exc: BaseException) -> tuple[int, int]:
        digest = hashlib.sha256(fetched.raw).hexdigest()
        raw_path = self.settings.mail_dir / "failed" / f"{digest}.eml"
        if not raw_path.exists():
            raw_path.parent.mkdir(parents=True, exist_ok=True)
            raw_path.write_bytes(fetched.raw)
        reason = f"{type(exc).__name__}: {exc}"[:500]
        headers = _best_effort_headers(fetched.raw)
        at = now_iso()
        with transaction(self.db):
            row = self.db.execute(
                "SELECT id, tries FROM mail_failures WHERE content_sha256 = ?", [digest]
            ).fetchone()
            if row:
                failure_id, tries = row[0], row[1] + 1
                self.db.execute(
                    """UPDATE mail_failures SET tries = ?, reason = ?, last_failed_at = ?, folder = ?, uidvalidity = ?,
                           uid = ?, quarantined = 0, resolved_at = NULL WHERE id = ?""",
                    [tries, reason, at, self.folder, uidvalidity, fetched.uid, failure_id],
                )
            else:
                tries = 1
                failure_id = self.db.execute(
                    """INSERT INTO mail_failures (content_sha256, folder, uidvalidity, uid, message_id, subject, sender,
                           raw_path, tries, reason, first_failed_at, last_failed_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        digest,
                        self.folder,
                        uidvalidity,
                        fetched.uid,
                        headers.get("message-id"),
                        headers.get("subject"),
                        headers.get("from"),
                        str(raw_path.relative_to(self.settings.data_dir)),
                        tries,
                        reason,
                        at,
                        at,
                    ],
                ).lastrowid
        log.warning(
            "mail UID %s failed (try %s of %s): %s", fetched.uid, tries, self.settings.mail_max_tries, reason
        )
        return failure_id, tries

    def _resolve_failure(self, raw: bytes) -> None:
        digest = hashlib.sha256(raw).hexdigest()
        self.db.execute(
            "UPDATE mail_failures SET resolved_at = ? WHERE content_sha256 = ? AND resolved_at IS NULL",
            [now_iso(), digest],
        )

    def release_quarantined(self, mailbox: Mailbox, failure_id: int) -> None:
        """Move a quarantined mail back to the watched folder with its tries reset, for the next pass to retry."""
        row = self.db.execute(
            "SELECT content_sha256, quarantined, resolved_at FROM mail_failures WHERE id = ?", [failure_id]
        ).fetchone()
        if row is None:
            raise MailError(f"no failed mail with id {failure_id} (see `mhhs-bot cases --quarantined`)")
        digest, quarantined, resolved = row
        if resolved:
            raise MailError(f"failed mail {failure_id} was processed already")
        if not quarantined:
            raise MailError(f"failed mail {failure_id} is not quarantined; the next pass retries it anyway")
        quarantine = self.settings.mail_folder_quarantine
        mailbox.select(quarantine)
        found = [
            m.uid for m in mailbox.fetch(mailbox.all_uids()) if hashlib.sha256(m.raw).hexdigest() == digest
        ]
        if not found:
            raise MailError(f"failed mail {failure_id} is no longer in {quarantine}")
        mailbox.move(found[:1], self.folder)
        with transaction(self.db):
            self.db.execute(
                "UPDATE mail_failures SET quarantined = 0, tries = 0, folder = ?, uid = NULL WHERE id = ?",
                [self.folder, failure_id],
            )

    # --- outbox: Slack posts and replies, after the commit -----------------------------------------------------

    @property
    def _slack_enabled(self) -> bool:
        return bool(self.settings.slack_bot_token and self.settings.slack_team_channel)

    def _slack_client(self):
        if self._slack is None:
            from bot.slack_client import web_client

            self._slack = web_client(self.settings)
        return self._slack

    def deliver_outbox(self, summary: TriageSummary | None = None) -> int:
        """Send queued Slack posts and replies; a failure stays queued for the next pass. Returns how many sent."""
        sent = 0
        rows = list(
            self.db.query(
                "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND tries < ? ORDER BY id",
                [OUTBOX_MAX_TRIES],
            )
        )
        for row in rows:
            payload = json.loads(row["payload"])
            try:
                self._deliver(row["kind"], row["case_ref"], payload)
            except Exception as exc:  # noqa: BLE001 - kept in the outbox with its reason, retried next pass
                log.warning("outbox %s %s not sent: %s", row["kind"], row["case_ref"] or "", exc)
                self.db.execute(
                    "UPDATE mail_outbox SET tries = tries + 1, last_error = ? WHERE id = ?",
                    [str(exc)[:500], row["id"]],
                )
                continue
            self.db.execute(
                "UPDATE mail_outbox SET sent_at = ?, tries = tries + 1 WHERE id = ?", [now_iso(), row["id"]]
            )
            sent += 1
            if summary is not None and row["kind"] != "slack-refresh":
                if row["kind"].startswith("slack-"):
                    summary.posts += 1
                else:
                    summary.replies += 1
        return sent

    def _deliver(self, kind: str, ref: str | None, payload: dict[str, Any]) -> None:
        channel = self.settings.slack_team_channel
        from handlers.slack import mail_posts  # the Slack package only when posting
        from handlers.slack.case_blocks import live_case_post

        if kind == "slack-case":
            case = cases.case_to_dict(self.db, ref)
            if case["slack"]["ts"]:
                return  # posted before a crash; the post exists
            text, blocks = live_case_post(case)
            response = self._slack_client().chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
            cases.set_slack_post(self.db, ref, response["channel"], response["ts"])
        elif kind == "slack-refresh":
            case = cases.case_to_dict(self.db, ref)
            if not case["slack"]["ts"]:
                return  # not posted yet: the new-case post will show the case as it is then
            text, blocks = live_case_post(case)
            self._slack_client().chat_update(
                channel=case["slack"]["channel"], ts=case["slack"]["ts"], text=text, blocks=blocks
            )
        elif kind == "slack-update":
            case = cases.case_to_dict(self.db, ref, detail=False)
            text, blocks = mail_posts.submission_post(case, payload, payload["flags"])
            self._slack_client().chat_postMessage(
                channel=case["slack"]["channel"] or channel,
                thread_ts=case["slack"]["ts"],
                reply_broadcast=bool(case["slack"]["ts"]),
                text=text,
                blocks=blocks,
                unfurl_links=False,
            )
        elif kind == "slack-retired":
            text, blocks = mail_posts.retired_mailbox_post(payload)
            self._slack_client().chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
        elif kind == "acknowledgement":
            case = cases.get_case(self.db, ref)
            msg = replies.acknowledgement(
                self.settings,
                to=payload["to"],
                ref=ref,
                subject=payload["subject"],
                in_reply_to=payload["in_reply_to"],
                references=payload["references"],
                missing_recipients=list(case.missing_recipients),
                pqs_form=case.pqs_form,
            )
            smtp.send(self.settings, msg)
            cases.record_event(
                self.db, ref, ACTOR, "acknowledged", f"acknowledgement sent to {payload['to']}"
            )
        elif kind == "redirect":
            msg = replies.redirect(
                self.settings,
                to=payload["to"],
                subject=payload["subject"],
                retired=payload["retired"],
                replacement=payload["replacement"],
                in_reply_to=payload["in_reply_to"],
                references=payload["references"],
            )
            smtp.send(self.settings, msg)
        else:
            raise MailError(f"unknown outbox entry {kind!r}")


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
