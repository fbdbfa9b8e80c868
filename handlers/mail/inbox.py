"""The triage pass: new mail in the watched folder -> cases, flags, team posts, replies; then moved out.

This module runs the pass and owns its order; what is recorded for each mail is decided in :mod:`bot.mail`
(:mod:`~bot.mail.recording`, :mod:`~bot.mail.sync_state`, :mod:`~bot.mail.failures`, :mod:`~bot.mail.outbox`),
and the outbox is sent by :mod:`handlers.mail.delivery`.

Order of work for each batch of mail, chosen so that a kill at any point loses nothing and duplicates nothing:

1. fetch raw bytes by UID (``BODY.PEEK[]``: nothing is marked read);
2. per mail, one database transaction: the message row (unique by Message-ID, or by content hash when there is
   none), its case (opened or joined), attachments, audit-trail rows, and outbox rows for Slack posts and replies;
3. MOVE the batch to its folders (``Triaged/...``), then mark the messages moved and advance the stored UID;
4. send the outbox (Slack posts, SMTP replies); failures stay in the outbox and are retried next pass.

One pass at a time per data directory: the pass holds ``MHHS_DATA_DIR/triage.lock`` (a second process, such as a
cron ``triage --once`` beside ``serve``'s watcher, waits for it), and each outbox entry is claimed before it is sent.

Killed after 2 and before 3, the next pass finds the same mail still in the folder, recognises it by its key and
only finishes the move. A UIDVALIDITY change resets the stored UID; the same keys keep re-synced mail from opening
cases twice. A mail that fails to parse or process is saved under the data directory with its reason, retried on
later passes, and moved to the quarantine folder after ``MAIL_MAX_TRIES``; it never stops the mail after it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

import sqlite_utils

from bot.core import locking
from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail import failures, sync_state
from bot.mail.parse import parse_email
from bot.mail.recording import MailRecorder
from bot.mail.summary import TriageSummary
from handlers.mail.delivery import OutboxDelivery
from handlers.mail.imap import FETCH_BATCH, Mailbox

log = logging.getLogger(__name__)


class InboxTriage:
    """Triage of one watched folder into the database (one instance per thread: it holds a connection)."""

    def __init__(self, settings: Settings, db: sqlite_utils.Database):
        self.settings = settings
        self.db = db
        self.folder = settings.imap.folder
        self.recorder = MailRecorder(settings, db, self.folder)
        self.delivery = OutboxDelivery(settings, db)
        # Called with the batch's UIDs after their cases are committed and before they are moved. Tests use it
        # to kill the process at exactly that point; nothing else sets it.
        self.before_move: Callable[[list[int]], None] | None = None

    def run_pass(
        self,
        mailbox: Mailbox,
        backfill: bool = False,
        stop: threading.Event | None = None,
        notify: bool = True,
    ) -> TriageSummary:
        """Triage every mail waiting in the watched folder; return what happened.

        Waits while another process runs a pass on the same data directory (returns an empty summary when
        ``stop`` is set meanwhile)."""
        with locking.exclusive(self.settings.data_dir / "triage.lock", stop) as held:
            if not held:
                return TriageSummary()
            return self._locked_pass(mailbox, backfill, stop, notify)

    def _locked_pass(
        self, mailbox: Mailbox, backfill: bool, stop: threading.Event | None, notify: bool
    ) -> TriageSummary:
        summary = TriageSummary()
        if notify:
            self.deliver_outbox(summary)
        uidvalidity = mailbox.select(self.folder)
        state = sync_state.folder_state(self.db, self.settings, self.folder, uidvalidity)
        last_uid = 0 if backfill else state["last_uid"]
        since = None if backfill else date.fromisoformat(state["since"])
        pending = set(mailbox.search(above_uid=last_uid, since=since))
        pending |= sync_state.retry_uids(self.db, self.folder, uidvalidity)
        uids = sorted(pending)
        for start in range(0, len(uids), FETCH_BATCH):
            if stop is not None and stop.is_set():
                break
            batch = uids[start : start + FETCH_BATCH]
            self._run_batch(mailbox, uidvalidity, batch, summary)
            high = max(batch)
            if high > state["last_uid"]:
                state["last_uid"] = high
                sync_state.advance_last_uid(self.db, self.folder, high)
            if notify:
                self.deliver_outbox(summary)
        return summary

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
                recorded = self.recorder.record(
                    email, uidvalidity=uidvalidity, uid=fetched.uid, internal_date=fetched.internal_date
                )
            except Exception as exc:  # noqa: BLE001 - any failure is recorded against this mail; the rest go on
                failure_id, tries = failures.record_failure(
                    self.db,
                    self.settings,
                    folder=self.folder,
                    uidvalidity=uidvalidity,
                    uid=fetched.uid,
                    raw=fetched.raw,
                    exc=exc,
                )
                if tries >= self.settings.mail.max_tries:
                    quarantine.append((fetched.uid, failure_id))
                else:
                    summary.failed += 1
                continue
            failures.resolve_failure(self.db, fetched.raw)
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
        # Moved before a stop that came before they were marked moved (or moved by hand): done.
        sync_state.mark_gone(self.db, self.folder, uidvalidity, [uid for uid in batch if uid not in seen])
        if self.before_move is not None:
            self.before_move(batch)
        for folder, uids in moves.items():
            mailbox.move(uids, folder)
            summary.moved += len(uids)
        sync_state.mark_moved(self.db, moved_keys)
        if quarantine:
            mailbox.move([uid for uid, _ in quarantine], self.settings.mail.folder_quarantine)
            failures.mark_quarantined(
                self.db, self.settings.mail.folder_quarantine, [failure_id for _, failure_id in quarantine]
            )
            summary.quarantined += len(quarantine)

    def release_quarantined(self, mailbox: Mailbox, failure_id: int) -> None:
        """Move a quarantined mail back to the watched folder with its tries reset, for the next pass to retry."""
        digest = failures.releasable(self.db, failure_id)
        quarantine = self.settings.mail.folder_quarantine
        mailbox.select(quarantine)
        found = [m.uid for m in mailbox.fetch(mailbox.all_uids()) if failures.content_digest(m.raw) == digest]
        if not found:
            raise MailError(f"failed mail {failure_id} is no longer in {quarantine}")
        mailbox.move(found[:1], self.folder)
        failures.mark_released(self.db, failure_id, self.folder)

    def deliver_outbox(self, summary: TriageSummary | None = None) -> int:
        """Send queued Slack posts and replies; a failure stays queued for the next pass. Returns how many sent."""
        return self.delivery.deliver(summary)
