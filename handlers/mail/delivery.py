"""Delivery of the outbox: the Slack posts and mail replies triage recorded, sent after their mail was committed.

Each unsent entry of :mod:`bot.mail.outbox` is sent (a team-channel post or update, or a reply over SMTP) and then
marked sent; a failure is marked on the entry with its reason and the entry is tried again on the next pass.
A new-case post already made (its ts is on the case) is not made twice.
"""

from __future__ import annotations

import logging

import sqlite_utils

from bot import cases
from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail import outbox, recording, replies
from bot.mail.outbox import OutboxEntry
from bot.mail.summary import TriageSummary
from handlers.mail import smtp

log = logging.getLogger(__name__)


class OutboxDelivery:
    """Sends one database's outbox (one instance per thread: it holds the connection and a Slack client)."""

    def __init__(self, settings: Settings, db: sqlite_utils.Database):
        self.settings = settings
        self.db = db
        self._slack = None

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
                self._deliver(entry)
            except Exception as exc:  # noqa: BLE001 - kept in the outbox with its reason, retried next pass
                log.warning("outbox %s %s not sent: %s", entry.kind, entry.case_ref or "", exc)
                outbox.mark_failed(self.db, entry, exc)
                continue
            outbox.mark_sent(self.db, entry)
            sent += 1
            if summary is not None and entry.kind != outbox.SLACK_REFRESH:
                if entry.is_slack:
                    summary.posts += 1
                else:
                    summary.replies += 1
        return sent

    def _deliver(self, entry: OutboxEntry) -> None:
        kind, ref, payload = entry.kind, entry.case_ref, entry.payload
        channel = self.settings.slack.team_channel
        from handlers.slack import mail_posts  # the Slack package only when posting
        from handlers.slack.case_blocks import live_case_post

        if kind == outbox.SLACK_CASE:
            case = cases.case_to_dict(self.db, ref)
            if case["slack"]["ts"]:
                return  # posted before a crash; the post exists
            text, blocks = live_case_post(case)
            response = self._slack_client().chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
            cases.set_slack_post(self.db, ref, response["channel"], response["ts"])
        elif kind == outbox.SLACK_REFRESH:
            case = cases.case_to_dict(self.db, ref)
            if not case["slack"]["ts"]:
                return  # not posted yet: the new-case post will show the case as it is then
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
            )
        elif kind == outbox.SLACK_RETIRED:
            text, blocks = mail_posts.retired_mailbox_post(payload)
            self._slack_client().chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
        elif kind == outbox.ACKNOWLEDGEMENT:
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
            recording.record_acknowledged(self.db, ref, payload["to"])
        elif kind == outbox.REDIRECT:
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
