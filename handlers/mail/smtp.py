"""Outgoing mail over SMTP: sends the replies :mod:`bot.mail.replies` builds (TLS per ``SMTP_SSL``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from bot.core.errors import MailError
from bot.core.settings import Settings


def port_of(settings: Settings) -> int:
    """SMTP_PORT, or the usual port for SMTP_SSL (465 ssl, 587 starttls, 25 none)."""
    return settings.smtp.port or {"ssl": 465, "starttls": 587, "none": 25}[settings.smtp.ssl]


def open_connection(settings: Settings, timeout: float = 30) -> smtplib.SMTP:
    """A connection to SMTP_HOST with TLS per SMTP_SSL (STARTTLS done), not yet logged in; the caller closes it."""
    host, port, mode = settings.smtp.host, port_of(settings), settings.smtp.ssl
    if mode == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if mode == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    except BaseException:
        smtp.close()
        raise
    return smtp


def log_in(settings: Settings, smtp: smtplib.SMTP) -> None:
    """Log in as SMTP_USER when one is set."""
    if settings.smtp.user:
        smtp.login(settings.smtp.user, settings.smtp.password or "")


def send(settings: Settings, msg: EmailMessage, timeout: float = 30) -> None:
    """Send one message through SMTP_HOST (TLS per SMTP_SSL); raises MailError when refused or unreachable."""
    if not settings.smtp.host:
        raise MailError("SMTP_HOST is not set: cannot send replies")
    try:
        with open_connection(settings, timeout) as smtp:
            log_in(settings, smtp)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send mail through {settings.smtp.host}:{port_of(settings)}: {exc}") from exc
