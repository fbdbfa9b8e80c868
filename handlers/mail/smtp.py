"""Outgoing mail over SMTP: sends the replies :mod:`bot.mail.replies` builds (TLS per ``SMTP_SSL``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from bot.core.errors import MailError
from bot.core.settings import Settings


def send(settings: Settings, msg: EmailMessage, timeout: float = 30) -> None:
    """Send one message through SMTP_HOST (TLS per SMTP_SSL); raises MailError when refused or unreachable."""
    if not settings.smtp.host:
        raise MailError("SMTP_HOST is not set: cannot send replies")
    mode = settings.smtp.ssl
    port = settings.smtp.port or {"ssl": 465, "starttls": 587, "none": 25}[mode]
    try:
        if mode == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp.host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(settings.smtp.host, port, timeout=timeout)
        with smtp:
            if mode == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp.user:
                smtp.login(settings.smtp.user, settings.smtp.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send mail through {settings.smtp.host}:{port}: {exc}") from exc
