"""Triage rules: an :class:`~bot.mail.parse.Email` -> a :class:`TriageDecision`. Pure: no database, no server.

What is decided here: whether the subject is the tracked Placing Reliance subject (exactly, loosely, or as a near
miss), whether the mail went to a retired mailbox, which required recipients are missing, whether a PQS form is
attached, whether the mail is automatic (never answered, never opens a case), and who the participant is.
Which case a mail joins needs the database and is worked out in :mod:`bot.mail.recording`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot import cases
from bot.cases.reading import FREEMAIL_DOMAINS
from bot.core.settings import Settings
from bot.mail.parse import Email

MB = 1024 * 1024

# Reply and forward prefixes in the languages participants' mail clients use, optionally numbered ("Re[2]:").
_PREFIX = re.compile(r"^\s*(?:re|fw|fwd|aw|wg|sv|vs|tr|antw|rif|r)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.I)
_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")
_REFERENCE = re.compile(r"\bPR-([0-9]{1,9})\b", re.I | re.ASCII)

PQS_EXTENSIONS = frozenset(
    {".xlsx", ".xls", ".xlsm", ".ods", ".csv", ".docx", ".doc", ".odt", ".pdf", ".rtf"}
)
PQS_CONTENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.text",
        "application/rtf",
        "text/csv",
    }
)

_SECOND_LEVEL = frozenset({"co", "org", "ac", "gov", "net", "ltd", "plc", "me", "com"})
_ORGANISATION_LINE = re.compile(
    r"^[\w&'.,() -]{2,80}\b(?:Ltd|Limited|plc|PLC|LLP|Plc|Group|Energy|Power|Electricity|Networks|Services)\.?$"
)
# "MPID: ACME", "Market Participant ID (MPID): NTHW", "MP ID is ACME": the 4-letter id after the label (and after
# a bracketed short form of the label), never a word of the label itself.
_MPID_LABEL = r"(?:MPID|MP\s*ID|market\s+participant\s+(?:id|identifier))"
_MPID = re.compile(
    rf"(?i:\b{_MPID_LABEL}\b(?:\s*\(\s*{_MPID_LABEL}\s*\))?)\s*(?:is|:|-|=|\()?\s*([A-Z]{{4}})\b"
)
_MPID_WORDS = frozenset({"MPID"})
_AUTOMATIC_LOCALPARTS = frozenset(
    {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"}
)

# Subjects Outlook, Exchange and other clients give their automatic replies (in the languages participants use).
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response)|out of (?:the )?office(?: autoreply| reply)?"
    r"|autosvar|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica"
    r"|risposta automatica|automatisch antwoord)\s*:",
    re.I,
)

TRACKED_EXACT = "exact"  # the subject, letter for letter (after Re:/Fwd:, [tags] and the case reference)
TRACKED_LOOSE = "loose"  # same words; case or spacing differ
NEAR_MISS = "near_miss"  # looks like a proposal but not the subject: marked for review


@dataclass(frozen=True)
class MailRules:
    tracked_subject: str
    required_recipients: tuple[str, ...]
    retired_addresses: tuple[tuple[str, str], ...]  # (retired, replacement)
    own_addresses: frozenset[str]
    max_attachment_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> MailRules:
        return cls(
            tracked_subject=settings.mail.tracked_subject,
            required_recipients=tuple(a.lower() for a in settings.mail.required_recipients),
            retired_addresses=tuple((old.lower(), new) for old, new in settings.mail.retired_addresses),
            own_addresses=settings.mail_own_address_set,
            max_attachment_bytes=int(settings.mail.max_attachment_mb * MB),
        )


@dataclass(frozen=True)
class TriageDecision:
    subject_match: str | None  # TRACKED_EXACT, TRACKED_LOOSE, NEAR_MISS or None
    thread_subject: str
    reference: str | None  # PR-0001 named in the subject
    retired_hits: tuple[tuple[str, str], ...]  # (retired address, replacement)
    missing_recipients: tuple[str, ...]
    pqs_form: bool
    automatic: str | None  # why the mail counts as automatic
    participant: str | None
    participant_id: str | None
    oversized_attachments: tuple[str, ...]

    @property
    def tracked(self) -> bool:
        return self.subject_match in (TRACKED_EXACT, TRACKED_LOOSE, NEAR_MISS)

    def message_flags(self) -> list[str]:
        """Flags this message raises on its own."""
        flags = []
        if self.retired_hits:
            flags.append(cases.FLAG_RETIRED_MAILBOX)
        if self.tracked and not self.automatic:
            if self.missing_recipients:
                flags.append(cases.FLAG_MISSING_RECIPIENT)
            if not self.pqs_form:
                flags.append(cases.FLAG_MISSING_PQS_FORM)
            if self.subject_match == TRACKED_LOOSE:
                flags.append(cases.FLAG_SUBJECT_NOT_EXACT)
            if self.subject_match == NEAR_MISS:
                flags.append(cases.FLAG_SUBJECT_NEAR_MISS)
        if self.oversized_attachments:
            flags.append(cases.FLAG_ATTACHMENT_NOT_STORED)
        return flags


def strip_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, [tags] and the case reference, whitespace folded."""
    text = " ".join(subject.split())
    while True:
        stripped = _TAG.sub("", _PREFIX.sub("", text))
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"[\[(]?\s*\bPR-[0-9]{1,9}\b\s*[\])]?\s*[:-]?", " ", text, flags=re.I | re.ASCII)
    return " ".join(text.split())


def _loose(text: str) -> str:
    return re.sub(r"\s*/\s*", "/", " ".join(text.split())).lower()


def thread_subject(subject: str) -> str:
    return _loose(strip_subject(subject))


def subject_match(subject: str, tracked: str) -> str | None:
    core = strip_subject(subject)
    if core == tracked:
        return TRACKED_EXACT
    if _loose(core) == _loose(tracked):
        return TRACKED_LOOSE
    loose = _loose(core)
    if "placing reliance" in loose or difflib.SequenceMatcher(None, loose, _loose(tracked)).ratio() >= 0.8:
        return NEAR_MISS
    return None


def find_reference(subject: str) -> str | None:
    found = _REFERENCE.search(subject)
    return cases.format_ref(int(found.group(1))) if found else None


def retired_hits(email: Email, rules: MailRules) -> tuple[tuple[str, str], ...]:
    seen = set(email.all_recipients)
    return tuple((old, new) for old, new in rules.retired_addresses if old in seen)


def missing_recipients(email: Email, rules: MailRules) -> tuple[str, ...]:
    addressed = set(email.to) | set(email.cc)
    return tuple(a for a in rules.required_recipients if a not in addressed)


def has_pqs_form(email: Email) -> bool:
    for att in email.attachments:
        name = att.filename.lower()
        ext = name[name.rfind(".") :] if "." in name else ""
        if ext in PQS_EXTENSIONS or att.content_type.lower() in PQS_CONTENT_TYPES:
            return True
    return False


def automatic_reason(email: Email, own_addresses: frozenset[str]) -> str | None:
    """Why this mail must never be answered automatically (and never opens a case), or None."""
    if email.auto_submitted and email.auto_submitted.strip().lower() != "no":
        return f"Auto-Submitted: {email.auto_submitted}"
    if email.precedence and email.precedence.strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {email.precedence}"
    if email.list_id:
        return "List-Id"
    if email.auto_response_suppress:
        return "X-Auto-Response-Suppress"
    if email.autoreply_headers:
        return email.autoreply_headers[0]
    if _AUTO_REPLY_SUBJECT.match(email.subject):
        return "out-of-office subject"
    if email.return_path == "":
        return "empty Return-Path"
    if not email.sender:
        return "no sender"
    if email.sender.split("@")[0] in _AUTOMATIC_LOCALPARTS:
        return f"sent by {email.sender}"
    if email.sender in own_addresses:
        return "sent from the team's own address"
    return None


def participant_of(email: Email) -> tuple[str | None, str | None]:
    """(organisation, 4-letter market participant id) from the signature, the text and the sender's domain."""
    mpid = None
    for found in _MPID.finditer(email.subject + "\n" + email.text):
        if found.group(1) not in _MPID_WORDS:
            mpid = found.group(1)
            break
    organisation = None
    lines = [line.strip() for line in email.text.splitlines() if line.strip()]
    for line in reversed(lines[-15:]):
        if _ORGANISATION_LINE.match(line) and not line.lower().startswith(("re:", "subject", "from")):
            organisation = line
            break
    if organisation is None and "@" in email.sender:
        domain = email.sender.split("@", 1)[1]
        if domain not in FREEMAIL_DOMAINS:
            organisation = organisation_from_domain(domain)
    return organisation, mpid


def organisation_from_domain(domain: str) -> str:
    """``mail.acme-energy.co.uk`` -> ``Acme Energy``."""
    labels = domain.lower().split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        name = labels[-3]
    elif len(labels) >= 2:
        name = labels[-2]
    else:
        name = labels[0]
    return " ".join(word.capitalize() for word in re.split(r"[-_]", name) if word)


def decide(email: Email, rules: MailRules) -> TriageDecision:
    match = subject_match(email.subject, rules.tracked_subject)
    organisation, mpid = participant_of(email)
    return TriageDecision(
        subject_match=match,
        thread_subject=thread_subject(email.subject),
        reference=find_reference(email.subject),
        retired_hits=retired_hits(email, rules),
        missing_recipients=missing_recipients(email, rules),
        pqs_form=has_pqs_form(email),
        automatic=automatic_reason(email, rules.own_addresses),
        participant=organisation,
        participant_id=mpid,
        oversized_attachments=tuple(
            a.filename or "(unnamed)" for a in email.attachments if a.size > rules.max_attachment_bytes
        ),
    )
