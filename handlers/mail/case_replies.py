"""Sending a reply from a case over SMTP: composed and recorded by :mod:`bot.mail.case_replies`, sent here.

The attempt is stored on the case (with its Message-ID) before the SMTP call, so a reply is never sent without a
record of it; a refusal is recorded on the case as ``reply failed`` with the reason, and raised.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail import case_replies
from bot.mail.case_replies import CaseReply
from handlers.mail import smtp


@dataclass(frozen=True)
class SentReply:
    reply: CaseReply
    sent: bool
    status: str | None = None  # the status the case moved to after sending


def send_case_reply(
    settings: Settings,
    db: sqlite_utils.Database,
    ref: str,
    *,
    actor: str,
    text: str | None = None,
    template: str | None = None,
    reason: str | None = None,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    dry_run: bool = False,
) -> SentReply:
    """Compose the reply and (unless ``dry_run``) send it through SMTP_HOST, recorded on the case."""
    reply = case_replies.compose_reply(
        db, settings, ref, text=text, template=template, reason=reason, to=to, cc=cc
    )
    if dry_run:
        return SentReply(reply, sent=False)
    if not settings.smtp.host:
        raise MailError("SMTP_HOST is not set: cannot send the reply (see README, Outgoing mail)")
    status = case_replies.deliver(db, settings, reply, actor, lambda msg: smtp.send(settings, msg))
    return SentReply(reply, sent=True, status=status)
