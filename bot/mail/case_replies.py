"""Replies the team sends from a case: templates, composing the mail, and recording it on the case.

A reply goes from the team's shared address (``SMTP_FROM``) to the case's sender, copying both required mailboxes
unless the team says otherwise, with the subject ``[PR-0007] <original subject>`` and threaded under the
participant's last mail (In-Reply-To, References, and Outlook's Thread-Index / Thread-Topic, so an answer threads
back to the case). Sending is a handler's job (:mod:`handlers.mail.case_replies`): it records the attempt
(:func:`record_sending`), sends, then records the result (:func:`record_sent` / :func:`record_failed`).

Templates are text files, ``NAME.txt``, in the bundled ``templates`` folder and in ``MHHS_REPLY_TEMPLATES`` (which
adds to, or replaces by name, the bundled ones). Optional header lines come first (``Title: ...``; ``Status: ...``
moves the case to that status once the reply is sent, when the case may move there), then a blank line and the
text, with case fields as ``${ref}``. A template naming a field that does not exist is refused when the folder is
loaded, with the file and the field's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from string import Template
from typing import Any

import sqlite_utils

from bot import cases
from bot.core.database import now_iso, transaction
from bot.core.errors import MailError
from bot.core.settings import Settings
from bot.mail.rules import strip_subject
from bot.mail.threads import child_thread_index, thread_key

BUNDLED_TEMPLATES = Path(__file__).parent / "templates"
REPLY_SENT = "reply-sent"
SENDING, SENT, FAILED = "sending", "sent", "failed"

# The case fields a template may use, and what each is.
FIELDS = {
    "ref": "the case reference, PR-0007",
    "subject": "the subject of the case's first mail",
    "participant": "the participant's organisation (or the sender's address)",
    "participant_id": "the 4-letter market participant id (empty when unknown)",
    "sender": "the address of the case's sender",
    "sender_name": "the sender's name (or address)",
    "greeting": "the sender's name for 'Dear ...' (or 'colleague')",
    "received_date": "the day the first mail was received, 12 January 2026",
    "status": "the case's status",
    "missing_recipients": "the required mailboxes the proposal was not sent to",
    "required_recipients": "both required mailboxes",
    "retired_addresses": "the retired mailboxes the mail went to",
    "replacement_address": "the address to use instead of a retired mailbox",
    "team_address": "the team's shared address (SMTP_FROM)",
    "reason": "a reason the team gives when sending (required by templates that use it)",
}


@dataclass(frozen=True)
class ReplyTemplate:
    name: str
    title: str
    status: str | None
    text: str
    path: Path

    @property
    def needs_reason(self) -> bool:
        return "reason" in Template(self.text).get_identifiers()


def _parse_template(path: Path) -> ReplyTemplate:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MailError(f"reply template {path}: cannot read it ({exc})") from exc
    headers: dict[str, str] = {}
    lines = content.splitlines()
    while lines and re.match(r"^(Title|Status):", lines[0], re.I):
        key, _, value = lines.pop(0).partition(":")
        headers[key.strip().lower()] = value.strip()
    while lines and not lines[0].strip():
        lines.pop(0)
    text = "\n".join(lines).rstrip() + "\n"
    template = Template(text)
    if not template.is_valid():
        raise MailError(f"reply template {path}: a '$' that is not a field; write $$ for a dollar sign")
    unknown = [f for f in template.get_identifiers() if f not in FIELDS]
    if unknown:
        raise MailError(
            f"reply template {path}: unknown field ${{{unknown[0]}}}; the fields are {', '.join(FIELDS)}"
        )
    status = headers.get("status") or None
    if status is not None:
        try:
            status = cases.status_from_text(status)
        except Exception as exc:
            raise MailError(f"reply template {path}: Status: {exc}") from exc
    if not text.strip():
        raise MailError(f"reply template {path}: no text")
    return ReplyTemplate(path.stem, headers.get("title") or path.stem.replace("_", " "), status, text, path)


def load_templates(settings: Settings) -> dict[str, ReplyTemplate]:
    """The bundled templates, then those in ``MHHS_REPLY_TEMPLATES`` (same name: the team's replaces the bundled)."""
    found: dict[str, ReplyTemplate] = {}
    folders = [BUNDLED_TEMPLATES]
    if settings.smtp.reply_templates:
        folder = settings.smtp.reply_templates
        if not folder.is_dir():
            raise MailError(f"MHHS_REPLY_TEMPLATES: {folder} is not a folder")
        folders.append(folder)
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            template = _parse_template(path)
            found[template.name] = template
    return found


def parse_addresses(values: list[str] | tuple[str, ...], what: str) -> list[str]:
    found = []
    for _, address in getaddresses(list(values)):
        address = address.strip()
        if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address):
            raise MailError(f"{what}: {address or '(empty)'!r} is not a mail address")
        if address.lower() not in {a.lower() for a in found}:
            found.append(address)
    return found


def template_fields(
    settings: Settings, case: cases.PlacingRelianceCase, reason: str | None
) -> dict[str, str]:
    retired = settings.mail.retired_addresses
    received = case.received_at[:10]
    try:
        received = date.fromisoformat(received).strftime("%-d %B %Y")
    except ValueError:
        pass
    return {
        "ref": case.ref,
        "subject": case.subject,
        "participant": case.participant or case.sender,
        "participant_id": case.participant_id or "",
        "sender": case.sender,
        "sender_name": case.sender_name or case.sender,
        "greeting": (case.sender_name or "").strip() or "colleague",
        "received_date": received,
        "status": cases.STATUS_LABELS.get(case.status, case.status).lower(),
        "missing_recipients": " and ".join(case.missing_recipients) or "(none)",
        "required_recipients": " and ".join(settings.mail.required_recipients),
        "retired_addresses": " and ".join(old for old, _ in retired),
        "replacement_address": (retired[0][1] if retired else settings.enquiries_address),
        "team_address": settings.smtp.from_address or settings.enquiries_address,
        "reason": (reason or "").strip(),
    }


def render_template(
    settings: Settings, template: ReplyTemplate, case: cases.PlacingRelianceCase, reason: str | None = None
) -> str:
    """The template's text for this case; a template that needs a reason is refused without one."""
    if template.needs_reason and not (reason or "").strip():
        raise MailError(f"the template {template.name!r} needs a reason (--reason TEXT)")
    return Template(template.text).substitute(template_fields(settings, case, reason))


@dataclass(frozen=True)
class CaseReply:
    ref: str
    to: list[str]
    cc: list[str]
    subject: str
    in_reply_to: str | None
    references: list[str]
    message_id: str
    text: str
    message: EmailMessage
    template: str | None
    status: str | None  # the case moves to this status once sent

    def as_json(self, sent: bool) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "to": self.to,
            "cc": self.cc,
            "subject": self.subject,
            "in_reply_to": self.in_reply_to,
            "message_id": self.message_id,
            "sent": sent,
        }


def compose_reply(
    db: sqlite_utils.Database,
    settings: Settings,
    ref: str,
    *,
    text: str | None = None,
    template: str | None = None,
    reason: str | None = None,
    to: list[str] | None = None,
    cc: list[str] | None = None,
) -> CaseReply:
    """The reply as it will be sent (nothing is sent or recorded here). ``cc=None``: both required mailboxes."""
    if not settings.smtp.from_address:
        raise MailError("SMTP_FROM is not set: replies go from the team's shared address")
    if bool(text and text.strip()) == bool(template):
        raise MailError("give either a template or the text of the reply")
    case = cases.get_case(db, ref)
    if case.merged_into:
        raise MailError(f"{case.ref} was merged into {case.merged_into}: reply from that case")
    chosen = None
    if template:
        templates = load_templates(settings)
        if template not in templates:
            raise MailError(
                f"no reply template {template!r}; the templates are {', '.join(sorted(templates))}"
            )
        chosen = templates[template]
        text = render_template(settings, chosen, case, reason)
    body = (text or "").replace("\r\n", "\n").rstrip() + "\n"
    recipients = parse_addresses(to or [case.sender], "--to")
    copies = parse_addresses(list(settings.mail.required_recipients) if cc is None else cc, "--cc")
    copies = [a for a in copies if a.lower() not in {r.lower() for r in recipients}]
    last = cases.last_participant_message(db, case.ref)
    core = strip_subject(case.subject) or settings.mail.tracked_subject
    subject = f"[{case.ref}] {core}"
    msg = EmailMessage()
    msg["From"] = settings.smtp.from_address
    msg["To"] = ", ".join(recipients)
    if copies:
        msg["Cc"] = ", ".join(copies)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    message_id = make_msgid(domain=settings.smtp.from_address.split("@")[-1])
    msg["Message-ID"] = message_id
    in_reply_to = last["message_id"] if last else None
    references = [r for r in (last["references"] if last else []) if r]
    if in_reply_to:
        references = [*[r for r in references if r != in_reply_to], in_reply_to]
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = " ".join(f"<{r}>" for r in references)
    msg["Thread-Topic"] = core
    msg["Thread-Index"] = child_thread_index(last["thread_key"] if last else None)
    msg.set_content(body)
    return CaseReply(
        ref=case.ref,
        to=recipients,
        cc=copies,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        message_id=message_id.strip("<>"),
        text=body,
        message=msg,
        template=chosen.name if chosen else None,
        status=chosen.status if chosen else None,
    )


def record_sending(db: sqlite_utils.Database, settings: Settings, reply: CaseReply, actor: str) -> int:
    """Store the reply on the case before it is sent (``sending``); returns its message row."""
    at = now_iso()
    with transaction(db):
        row = db.execute(
            """INSERT INTO mail_messages (dedupe_key, message_id, case_ref, decision, target_folder, folder, moved,
                   subject, sender, recipients, received_at, sent_at, in_reply_to, checks, excerpt, automatic,
                   triaged_at, direction, refs, thread_key, body, delivery, author)
               VALUES (?, ?, ?, ?, ?, '(sent)', 1, ?, ?, ?, ?, ?, ?, '{}', ?, 0, ?, 'out', ?, ?, ?, ?, ?)""",
            [
                f"mid:{reply.message_id}",
                reply.message_id,
                reply.ref,
                REPLY_SENT,
                settings.mail.folder_tracked,  # its copy to the shared inbox is filed with the case
                reply.subject,
                (settings.smtp.from_address or "").lower(),
                json.dumps({"to": reply.to, "cc": reply.cc}),
                at,
                at,
                reply.in_reply_to,
                " ".join(reply.text.split())[:500],
                at,
                json.dumps(reply.references),
                thread_key(reply.message["Thread-Index"]),
                reply.text,
                SENDING,
                actor,
            ],
        )
    return row.lastrowid


def record_sent(db: sqlite_utils.Database, reply: CaseReply, row: int, actor: str) -> str | None:
    """The reply went out: mark it, audit it, and move the case as its template says (when it may move there).
    Returns the status the case moved to, if any."""
    with transaction(db):
        db.execute("UPDATE mail_messages SET delivery = ? WHERE id = ?", [SENT, row])
        copies = f" cc {', '.join(reply.cc)}" if reply.cc else ""
        what = f"template {reply.template}" if reply.template else "own text"
        cases.record_event(
            db,
            reply.ref,
            actor,
            "reply sent",
            f"to {', '.join(reply.to)}{copies} ({what}): {reply.subject} <{reply.message_id}>",
        )
        case = cases.get_case(db, reply.ref)
        if reply.status and reply.status in cases.TRANSITIONS.get(case.status, frozenset()):
            cases.change_status(db, reply.ref, reply.status, actor, reason=f"reply <{reply.message_id}>")
            return reply.status
        db.execute("UPDATE cases SET updated_at = ? WHERE ref = ?", [now_iso(), reply.ref])
    return None


def record_failed(db: sqlite_utils.Database, reply: CaseReply, row: int, actor: str, error: object) -> None:
    with transaction(db):
        db.execute("UPDATE mail_messages SET delivery = ? WHERE id = ?", [FAILED, row])
        cases.record_event(db, reply.ref, actor, "reply failed", f"to {', '.join(reply.to)}: {error}")


def deliver(
    db: sqlite_utils.Database,
    settings: Settings,
    reply: CaseReply,
    actor: str,
    send: Callable[[EmailMessage], None],
) -> str | None:
    """Record the attempt, ``send`` it (a handler's SMTP call), record the outcome. A failure is recorded on the
    case and raised. Returns the status the case moved to, if any."""
    row = record_sending(db, settings, reply, actor)
    try:
        send(reply.message)
    except Exception as exc:
        record_failed(db, reply, row, actor, exc)
        raise
    return record_sent(db, reply, row, actor)
