"""Delivery of the outbox: the Slack posts and mail replies triage recorded, sent after their mail was committed.

Each unsent entry of :mod:`bot.mail.outbox` is sent (a team-channel post or update, or a reply over SMTP) and then
marked sent; a failure is marked on the entry with its reason and the entry is tried again on the next pass.
A new-case post already made (its ts is on the case) is not made twice.

At most once where the other side allows it: each entry is claimed (committed) before it is sent. An entry whose
claim outlived its process (killed between "sent" and "recorded") is, for a Slack post, looked up in the channel
by the metadata every post carries (``mhhs_outbox`` with the entry's id) and recorded as sent when found, posted
again only when Slack has no such post; for a mail reply, held with its Message-ID and never sent again without
the team (``mhhs-bot cases --resend ID``). A post Slack refuses for good (``invalid_blocks``, ``msg_too_long``...) is recorded as failed at once, not retried, and listed by ``mhhs-bot cases``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlite_utils

from bot import cases
from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail import outbox, recording, replies
from bot.mail.outbox import OutboxEntry
from bot.mail.summary import TriageSummary
from handlers.mail import smtp

log = logging.getLogger(__name__)

POST_EVENT_TYPE = "mhhs_outbox"  # metadata event type of every outbox post: finds a post made before a crash
SLACK_POSTS = (outbox.SLACK_CASE, outbox.SLACK_UPDATE, outbox.SLACK_RETIRED)
# Slack errors that no retry of the same message can cure (a wrong channel is retried: the team can fix it).
SLACK_REFUSALS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "too_many_attachments",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "no_text",
    }
)


def _slack_refusal(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    error = response.get("error") if response is not None and hasattr(response, "get") else None
    return error if error in SLACK_REFUSALS else None


class OutboxDelivery:
    """Sends one database's outbox (one instance per thread: it holds the connection and a Slack client)."""

    def __init__(self, settings: Settings, db: sqlite_utils.Database):
        self.settings = settings
        self.db = db
        self._slack = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        # Called with each entry after it was sent and before it is recorded as sent. Tests use it to kill the
        # process at exactly that point; nothing else sets it.
        self.after_send: Callable[[OutboxEntry], None] | None = None

    def _slack_client(self):
        if self._slack is None:
            from handlers.slack.client import web_client

            self._slack = web_client(self.settings)
        return self._slack

    def deliver(self, summary: TriageSummary | None = None) -> int:
        """Send queued Slack posts and replies; a failure stays queued for the next pass. Returns how many sent."""
        sent = 0
        for entry in outbox.unsent(self.db):
            try:
                if entry.attempt_at is not None and self._was_sent(entry):
                    continue
                mail = self._mail(entry)
                if not outbox.claim(self.db, entry, self.owner, mail["Message-ID"] if mail else None):
                    continue  # another process has it
                record = self._deliver(entry, mail)
            except Exception as exc:  # noqa: BLE001 - kept in the outbox with its reason, retried next pass
                refusal = _slack_refusal(exc)
                log.warning("outbox %s %s not sent: %s", entry.kind, entry.case_ref or "", exc)
                outbox.mark_failed(
                    self.db,
                    entry,
                    f"Slack refused the post: {refusal}" if refusal else exc,
                    final=bool(refusal),
                )
                continue
            if self.after_send is not None:
                self.after_send(entry)
            if record is not None:
                record()
            outbox.mark_sent(self.db, entry)
            sent += 1
            if summary is not None and entry.kind != outbox.SLACK_REFRESH:
                if entry.is_slack:
                    summary.posts += 1
                else:
                    summary.replies += 1
        return sent

    def _was_sent(self, entry: OutboxEntry) -> bool:
        """An entry claimed by a process that died: True when it went out (now recorded as sent, or held)."""
        if entry.kind in SLACK_POSTS:
            found = self._find_post(entry)
            if found is None:
                return False  # Slack has no such post: post it
            if (
                entry.kind == outbox.SLACK_CASE
                and not cases.case_to_dict(self.db, entry.case_ref)["slack"]["ts"]
            ):
                cases.set_slack_post(self.db, entry.case_ref, found[0], found[1])
            outbox.mark_sent(self.db, entry)
            return True
        if entry.kind in (outbox.ACKNOWLEDGEMENT, outbox.REDIRECT):
            outbox.hold(
                self.db,
                entry,
                f"may have been sent at {entry.attempt_at} as <{(entry.attempt_message_id or '').strip('<>')}> "
                f"(the sending process stopped before recording it); not sent again: "
                f"`mhhs-bot cases --resend {entry.id}` sends it",
            )
            return True
        return False  # a refresh: updating the post again is harmless

    def _find_post(self, entry: OutboxEntry) -> tuple[str, str] | None:
        """(channel, ts) of the post this entry made before its process died, from the posts' metadata."""
        channel = self.settings.slack.team_channel
        if entry.kind == outbox.SLACK_UPDATE:
            channel = cases.case_to_dict(self.db, entry.case_ref, detail=False)["slack"]["channel"] or channel
        started = datetime.fromisoformat(entry.attempt_at) - timedelta(minutes=5)
        cursor = None
        while True:
            response = self._slack_client().conversations_history(
                channel=channel,
                oldest=f"{started.timestamp():.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == POST_EVENT_TYPE and str(
                    (metadata.get("event_payload") or {}).get("outbox_id")
                ) == str(entry.id):
                    return channel, message["ts"]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _mail(self, entry: OutboxEntry):
        """The reply an entry sends (built before the claim, which records its Message-ID), or None for a post."""
        payload = entry.payload
        if entry.kind == outbox.ACKNOWLEDGEMENT:
            case = cases.get_case(self.db, entry.case_ref)
            return replies.acknowledgement(
                self.settings,
                to=payload["to"],
                ref=entry.case_ref,
                subject=payload["subject"],
                in_reply_to=payload["in_reply_to"],
                references=payload["references"],
                missing_recipients=list(case.missing_recipients),
                pqs_form=case.pqs_form,
            )
        if entry.kind == outbox.REDIRECT:
            return replies.redirect(
                self.settings,
                to=payload["to"],
                subject=payload["subject"],
                retired=payload["retired"],
                replacement=payload["replacement"],
                in_reply_to=payload["in_reply_to"],
                references=payload["references"],
            )
        return None

    def _deliver(self, entry: OutboxEntry, mail=None) -> Callable[[], None] | None:
        """Send one entry; return what records it (run after the send, with the entry marked sent)."""
        kind, ref, payload = entry.kind, entry.case_ref, entry.payload
        channel = self.settings.slack.team_channel
        from handlers.slack import mail_posts  # the Slack package only when posting
        from handlers.slack.case_blocks import live_case_post

        metadata = {
            "event_type": POST_EVENT_TYPE,
            "event_payload": {"outbox_id": entry.id, "case": ref or ""},
        }
        if kind == outbox.SLACK_CASE:
            case = cases.case_to_dict(self.db, ref)
            if case["slack"]["ts"]:
                return None  # posted before a crash; the post exists
            text, blocks = live_case_post(case)
            response = self._slack_client().chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, metadata=metadata
            )
            return lambda: cases.set_slack_post(self.db, ref, response["channel"], response["ts"])
        elif kind == outbox.SLACK_REFRESH:
            case = cases.case_to_dict(self.db, ref)
            if not case["slack"]["ts"]:
                return None  # not posted yet: the new-case post will show the case as it is then
            text, blocks = live_case_post(case)
            self._slack_client().chat_update(
                channel=case["slack"]["channel"], ts=case["slack"]["ts"], text=text, blocks=blocks
            )
        elif kind == outbox.SLACK_UPDATE:
            case = cases.case_to_dict(self.db, ref, detail=False)
            text, blocks = mail_posts.submission_post(case, payload, payload["flags"])
            self._slack_client().chat_postMessage(
                channel=case["slack"]["channel"] or channel,
                thread_ts=case["slack"]["ts"],
                reply_broadcast=bool(case["slack"]["ts"]),
                text=text,
                blocks=blocks,
                unfurl_links=False,
                metadata=metadata,
            )
        elif kind == outbox.SLACK_RETIRED:
            text, blocks = mail_posts.retired_mailbox_post(payload)
            self._slack_client().chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, metadata=metadata
            )
        elif kind == outbox.ACKNOWLEDGEMENT:
            smtp.send(self.settings, mail)
            return lambda: recording.record_acknowledged(self.db, ref, payload["to"])
        elif kind == outbox.REDIRECT:
            smtp.send(self.settings, mail)
        else:
            raise MailError(f"unknown outbox entry {kind!r}")
        return None
