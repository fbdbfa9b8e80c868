"""Raw mail bytes -> an :class:`Email` value. No connection, no database: tested with golden ``.eml`` files.

Parsing is lenient where mail in the wild is sloppy (unknown charsets, missing Date or Message-ID, broken encoded
words) and strict only where nothing sensible can be done: bytes with no header fields at all are not a mail
(:class:`bot.core.errors.MailError`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy, quoprimime
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from bot.core.errors import MailError

EXCERPT_CHARS = 500


@dataclass(frozen=True)
class Attachment:
    filename: str  # as the sender named it, decoded ("" when unnamed)
    content_type: str
    payload: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.payload)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


@dataclass(frozen=True)
class Email:
    """One parsed mail: what triage needs, as plain values."""

    message_id: str | None  # without angle brackets
    subject: str  # decoded, whitespace folded
    sender: str  # lower-case address ("" when missing)
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]  # Delivered-To, X-Original-To, Resent-To
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    auto_submitted: str | None
    precedence: str | None
    list_id: str | None
    auto_response_suppress: str | None
    return_path: str | None  # None when absent, "" for the null sender <>
    text: str
    attachments: tuple[Attachment, ...]
    content_sha256: str  # hash of sender, recipients, subject, date and body
    defects: tuple[str, ...] = ()
    thread_index: str | None = None  # Outlook's Thread-Index (base64), as sent
    thread_topic: str | None = None  # Outlook's Thread-Topic
    autoreply_headers: tuple[str, ...] = ()  # vendor auto-reply headers present: X-Autoreply, X-Autorespond

    @property
    def dedupe_key(self) -> str:
        """Same Message-ID, or no Message-ID and same content: the same mail."""
        if self.message_id:
            return "mid:" + self.message_id
        return "sha256:" + self.content_sha256

    @property
    def all_recipients(self) -> tuple[str, ...]:
        return self.to + self.cc + self.delivered_to

    @property
    def excerpt(self) -> str:
        text = re.sub(r"\s+", " ", self.text).strip()
        return text[:EXCERPT_CHARS]


def _decode_chunk(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset in (None, "unknown-8bit", "us-ascii"):
        try:  # raw 8-bit header bytes: UTF-8 when valid, else Windows-1252
            return chunk.decode("utf-8")
        except UnicodeDecodeError:
            return chunk.decode("cp1252", errors="replace")
    try:
        return chunk.decode(charset, errors="replace")
    except LookupError:  # unknown charset name
        return chunk.decode("utf-8", errors="replace")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _decode_word(charset: str, encoding: str, data: str) -> str | None:
    """One RFC 2047 encoded word, or None when it is broken (bad base64, unknown charset...)."""
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
    try:
        if encoding in "bB":
            raw = base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
        else:
            raw = quoprimime.header_decode(data).encode("latin-1")
        return raw.decode(charset)
    except (binascii.Error, ValueError, LookupError, UnicodeError):
        return None


def _lenient_words(text: str) -> str:
    """Decode every encoded word that can be decoded; a broken one is kept as the raw text it is."""
    out: list[str] = []
    pos = 0
    after_word = False
    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        if not (after_word and not between.strip()):  # whitespace between two encoded words is not text
            out.append(between)
        decoded = _decode_word(*match.groups())
        out.append(match.group(0) if decoded is None else decoded)
        after_word = decoded is not None
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _decode_header_text(value: str | Header) -> str:
    """RFC 2047 decoding that never raises; raw 8-bit bytes and unknown charsets are decoded as well as can be,
    and a broken encoded word is kept as the raw text it is (the rest of the header is still decoded)."""
    try:
        chunks = decode_header(value)
    except Exception:  # noqa: BLE001 - HeaderParseError, binascii.Error...: decode word by word instead
        return _lenient_words(str(value))
    if any(
        charset in (None, "unknown-8bit") and isinstance(c, bytes) and max(c, default=0) > 127
        for c, charset in chunks
    ):
        return "".join(_decode_chunk(c, cs) for c, cs in chunks)
    try:
        return str(make_header(chunks))
    except (LookupError, UnicodeError, ValueError, TypeError):
        return "".join(_decode_chunk(c, cs) for c, cs in chunks)


def _undecoded(value: str | Header) -> str:
    """A header's text with encoded words left as they are (raw 8-bit bytes decoded)."""
    return _decode_header_text(value) if isinstance(value, Header) else str(value)


def _raw_header(msg: Message, name: str) -> str | None:
    values = msg.get_all(name)
    if not values:
        return None
    value = values[0]
    return _decode_header_text(value) if isinstance(value, Header) else str(value)


def _header(msg: Message, name: str) -> str | None:
    values = msg.get_all(name)
    if not values:
        return None
    return " ".join(_decode_header_text(values[0]).split())


def _addresses(msg: Message, *names: str) -> tuple[str, ...]:
    found: list[str] = []
    for name in names:
        for value in msg.get_all(name) or []:
            # Split into addresses first, decode display names after: an encoded display name can never add an
            # address (``=?utf-8?q?MHHSQualification=40elexon.co.uk?= <someone@else>`` is one address).
            for _, addr in getaddresses([_undecoded(value)]):
                addr = addr.strip().strip("<>").lower()
                if "@" in addr and addr not in found:
                    found.append(addr)
    return tuple(found)


def _msg_ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    ids = re.findall(r"<([^<>\s]+)>", value)
    if not ids:
        ids = [v for v in value.split() if "@" in v]
    return tuple(ids)


def _decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # unknown charset name
        return payload.decode("utf-8", errors="replace")


def _html_to_text(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser").get_text(" ")


def _mime_headers(part: Message) -> Message:
    """The part's Content-Type and Content-Disposition as text, so raw 8-bit parameters (``filename="Café.pdf"``,
    which the library keeps as a ``Header``) are read like any other."""
    clean = Message()
    for name in ("Content-Type", "Content-Disposition"):
        value = part.get(name)
        if value is not None:
            clean[name] = _undecoded(value)
    return clean


def _is_attachment(part: Message) -> bool:
    headers = _mime_headers(part)
    disposition = (headers.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    if _filename(part):
        return True
    maintype = part.get_content_maintype()
    return maintype not in ("text", "multipart", "message")


def _filename(part: Message) -> str:
    headers = _mime_headers(part)
    try:
        name = headers.get_filename() or headers.get_param("name") or ""
    except (LookupError, UnicodeError, ValueError):
        name = ""
    if isinstance(name, tuple):  # RFC 2231 value the library left undecoded
        name = name[2]
    return _decode_header_text(str(name)) if name else ""


def parse_email(raw: bytes) -> Email:
    """Parse one mail from its raw bytes. Raises MailError for bytes that are not a mail at all."""
    if not raw or not raw.strip():
        raise MailError("empty message")
    msg = message_from_bytes(raw, policy=policy.compat32)
    if not msg.keys():
        raise MailError("not a mail: no header fields")
    if not any(msg.get(h) for h in ("From", "Sender", "Return-Path", "Subject", "Message-ID", "Date", "To")):
        raise MailError("not a mail: none of From, To, Subject, Date or Message-ID")

    from_values = msg.get_all("From") or msg.get_all("Sender") or [""]
    raw_name, sender = parseaddr(" ".join(_undecoded(from_values[0]).split()))
    sender_name = " ".join(_decode_header_text(raw_name).split())
    date = None
    date_text = _raw_header(msg, "Date")
    if date_text:
        try:
            date = parsedate_to_datetime(date_text)
            if date.tzinfo is None:
                date = date.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            date = None
    message_ids = _msg_ids(_raw_header(msg, "Message-ID"))
    return_path = _raw_header(msg, "Return-Path")
    if return_path is not None:
        return_path = return_path.strip().strip("<>").strip().lower()

    texts: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if _is_attachment(part):
            payload = part.get_payload(decode=True)
            if payload is None:  # e.g. a message/rfc822 part carried as a message
                payload = part.as_bytes() if hasattr(part, "as_bytes") else b""
            attachments.append(Attachment(_filename(part), part.get_content_type(), payload))
        elif part.get_content_type() == "text/plain":
            texts.append(_decode_part(part))
        elif part.get_content_type() == "text/html":
            html.append(_decode_part(part))
    text = "\n".join(texts) if texts else "\n".join(_html_to_text(h) for h in html)

    return Email(
        message_id=message_ids[0] if message_ids else None,
        subject=_header(msg, "Subject") or "",
        sender=sender.strip().lower(),
        sender_name=sender_name.strip(),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        delivered_to=_addresses(msg, "Delivered-To", "X-Original-To", "Resent-To", "Resent-Cc"),
        date=date,
        in_reply_to=(_msg_ids(_raw_header(msg, "In-Reply-To")) or (None,))[0],
        references=_msg_ids(_raw_header(msg, "References")),
        auto_submitted=_header(msg, "Auto-Submitted"),
        precedence=_header(msg, "Precedence"),
        list_id=_header(msg, "List-Id"),
        auto_response_suppress=_header(msg, "X-Auto-Response-Suppress"),
        return_path=return_path,
        text=text,
        attachments=tuple(attachments),
        content_sha256=_content_hash(msg, raw),
        defects=tuple(type(d).__name__ for d in msg.defects),
        thread_index=(_raw_header(msg, "Thread-Index") or "").strip() or None,
        thread_topic=_header(msg, "Thread-Topic"),
        autoreply_headers=tuple(h for h in ("X-Autoreply", "X-Autorespond") if msg.get(h) is not None),
    )


def _content_hash(msg: Message, raw: bytes) -> str:
    """Hash of what makes a mail the same mail: sender, recipients, subject, date and body (not Received lines)."""
    h = hashlib.sha256()
    for name in ("From", "To", "Cc", "Subject", "Date"):
        h.update((_raw_header(msg, name) or "").encode("utf-8", "replace") + b"\0")
    sep = raw.find(b"\r\n\r\n")
    sep = raw.find(b"\n\n") if sep < 0 else sep
    h.update(raw[sep:] if sep >= 0 else b"")
    return h.hexdigest()


_UNSAFE = re.compile(r"[^\w.()+ -]")


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name safe to store: no folders, no ``..``, no control or odd characters, at most 120 characters."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"_{2,}", "_", name)
    if not name or set(name) <= {"_", "."}:
        name = fallback
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:120]
    return name
