"""Automatic replies: acknowledgements with the case reference and redirects away from retired mailboxes.

Building a reply (:func:`acknowledgement`, :func:`redirect`) is here; sending it over SMTP is a handler's job
(:func:`handlers.mail.smtp.send`). Every reply says it is automatic (``Auto-Submitted: auto-replied``) and threads
under the mail it answers (In-Reply-To).
Whether to reply at all is decided by triage (never to automatic mail, at most once a day per sender and case).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail.rules import strip_subject


def _base(
    settings: Settings, to: str, subject: str, in_reply_to: str | None, references: list[str]
) -> EmailMessage:
    if not settings.smtp.from_address:
        raise MailError("SMTP_FROM is not set: cannot send replies")
    msg = EmailMessage()
    msg["From"] = settings.smtp.from_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.smtp.from_address.split("@")[-1])
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = " ".join(f"<{r}>" for r in [*references, in_reply_to])
    return msg


def acknowledgement(
    settings: Settings,
    *,
    to: str,
    ref: str,
    subject: str,
    in_reply_to: str | None,
    references: list[str],
    missing_recipients: list[str],
    pqs_form: bool,
) -> EmailMessage:
    core = strip_subject(subject) or settings.mail.tracked_subject
    msg = _base(settings, to, f"Re: [{ref}] {core}", in_reply_to, references)
    lines = [
        "Thank you. Your Placing Reliance proposal has been received by the MHHS Qualification team",
        f"and is tracked as {ref}. Please keep {ref} in the subject of any further mail about it.",
        "",
    ]
    if missing_recipients:
        lines += [
            "Please note: a proposal must be sent to both "
            + " and ".join(settings.mail.required_recipients)
            + ". It was not addressed to: "
            + ", ".join(missing_recipients)
            + ".",
            "",
        ]
    if not pqs_form:
        lines += [
            "We could not find a completed PQS form attached; please send it in reply to this mail.",
            "",
        ]
    lines += ["This is an automatic acknowledgement; the team will be in touch.", ""]
    msg.set_content("\n".join(lines))
    return msg


def redirect(
    settings: Settings,
    *,
    to: str,
    subject: str,
    retired: str,
    replacement: str,
    in_reply_to: str | None,
    references: list[str],
) -> EmailMessage:
    msg = _base(
        settings, to, f"Re: {subject}".strip() if subject else "Mailbox retired", in_reply_to, references
    )
    msg.set_content(
        f"The mailbox {retired} is retired and is not read.\n"
        f"Please send your mail to {replacement} instead.\n\n"
        "This is an automatic reply. The qualification team has been told about your mail.\n"
    )
    return msg
