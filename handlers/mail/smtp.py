"""Outgoing mail over SMTP: sends the replies :mod:`bot.mail.replies` builds (TLS per ``SMTP_SSL``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from bot.config import Settings
from bot.errors import MailError


def send(settings: Settings, msg: EmailMessage, timeout: float = 30) -> None:
    """Send one message through SMTP_HOST (TLS per SMTP_SSL); raises MailError when refused or unreachable."""
    if not settings.smtp_host:
        raise MailError("SMTP_HOST is not set: cannot send replies")
    mode = settings.smtp_ssl
    port = settings.smtp_port or {"ssl": 465, "starttls": 587, "none": 25}[mode]
    try:
        if mode == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, port, timeout=timeout)
        with smtp:
            if mode == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send mail through {settings.smtp_host}:{port}: {exc}") from exc
