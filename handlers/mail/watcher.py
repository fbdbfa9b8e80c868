"""Keep watching the inbox: IDLE when the server has it, polling otherwise, reconnecting with backoff.

:func:`run_inbox_watcher` is what ``mhhs-bot watch`` runs, and what ``mhhs-bot serve`` runs in a background thread
beside Slack when IMAP settings are present. It returns soon (within about a second) after ``stop`` is set.
"""

from __future__ import annotations

import logging
import threading
import time

from bot import storage
from bot.core import heartbeat
from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail.summary import TriageSummary
from handlers.mail.imap import CONNECTION_ERRORS, Mailbox
from handlers.mail.inbox import InboxTriage

log = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 1.0  # how often IDLE wakes up to look at ``stop``
IDLE_RENEW_SECONDS = 25 * 60  # servers drop IDLE after ~30 minutes; renew before that
MAX_BACKOFF_SECONDS = 300.0
PASSES_IN_A_ROW = 10  # passes run back to back while each finds new mail (a burst arriving during a pass)


def run_inbox_watcher(
    settings: Settings,
    stop: threading.Event,
    on_pass: object | None = None,
    initial_backoff: float = 1.0,
) -> None:
    """Triage new mail as it arrives until ``stop`` is set.

    ``on_pass`` (optional) is called with each pass's :class:`TriageSummary`.
    """
    db = storage.connect(settings.database_path)
    triage = InboxTriage(settings, db)
    backoff = initial_backoff
    try:
        while not stop.is_set():
            try:
                with Mailbox.open(settings) as mailbox:
                    backoff = initial_backoff
                    _watch(triage, mailbox, settings, stop, on_pass)
            except (*CONNECTION_ERRORS, MailError) as exc:
                if stop.is_set():
                    break
                log.warning("inbox connection lost (%s); reconnecting in %.0f s", exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
    finally:
        db.conn.close()


def _run_pass(triage: InboxTriage, mailbox: Mailbox, stop: threading.Event, on_pass) -> TriageSummary:
    summary = triage.run_pass(mailbox, stop=stop)
    heartbeat.beat("inbox")
    if summary.fetched or summary.posts:
        log.info("inbox: %s", summary.line())
    if callable(on_pass):
        on_pass(summary)
    return summary


def _run_passes(triage: InboxTriage, mailbox: Mailbox, stop: threading.Event, on_pass) -> None:
    """Passes until one finds no new mail (at most PASSES_IN_A_ROW). Mail reaching the inbox while a pass runs is
    announced to that pass's later commands, not to the IDLE that follows it: without another pass it would wait
    for the next periodic one."""
    for _ in range(PASSES_IN_A_ROW):
        summary = _run_pass(triage, mailbox, stop, on_pass)
        if stop.is_set() or summary.fetched <= summary.failed:
            return


def _watch(triage: InboxTriage, mailbox: Mailbox, settings: Settings, stop: threading.Event, on_pass) -> None:
    _run_passes(triage, mailbox, stop, on_pass)
    last_pass = time.monotonic()
    while not stop.is_set():
        if mailbox.has_idle:
            new_mail = _idle_until_mail(mailbox, stop, settings.mail.poll_seconds)
            if stop.is_set():
                return
            # New mail now; otherwise a periodic pass retries failed mail and unsent posts.
            if new_mail or time.monotonic() - last_pass >= settings.mail.poll_seconds:
                _run_passes(triage, mailbox, stop, on_pass)
                last_pass = time.monotonic()
        else:
            if stop.wait(settings.mail.poll_seconds):
                return
            mailbox.client.noop()
            _run_passes(triage, mailbox, stop, on_pass)
            last_pass = time.monotonic()


def _idle_until_mail(mailbox: Mailbox, stop: threading.Event, longest: float) -> bool:
    """IDLE until the server reports new mail (True), ``longest`` seconds pass, or stop is set (False)."""
    client = mailbox.client
    client.idle()
    started = time.monotonic()
    limit = min(longest, IDLE_RENEW_SECONDS)
    new_mail = False
    # On an error the link is dead: no IDLE DONE, the caller reconnects.
    while not stop.is_set() and time.monotonic() - started < limit:
        responses = client.idle_check(timeout=IDLE_CHECK_SECONDS)
        for r in responses:
            if isinstance(r, tuple) and r and r[0] == b"BYE":
                reason = b" ".join(x for x in r[1:] if isinstance(x, bytes)).decode(errors="replace")
                raise MailError(f"the IMAP server closed the connection: {reason}")
            if isinstance(r, tuple) and len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT"):
                new_mail = True
        if new_mail:
            break
    client.idle_done()
    return new_mail
