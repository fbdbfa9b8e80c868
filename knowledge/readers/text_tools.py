"""Helpers the readers share: whitespace, decoding text files, table rows and the "Version ... | Updated ..." line."""

from __future__ import annotations

import re

from knowledge.errors import DocumentError
from knowledge.readers.document import Block

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """``text`` on one line: runs of white space (non-breaking spaces too) as one space, trimmed."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def decode(data: bytes) -> str:
    """The bytes of a text file as text (UTF-8, else Windows-1252). Raises DocumentError for binary data.

    The error's path is left empty: ``read_document`` fills in the file's name.
    """
    if b"\x00" in data[:4096]:
        raise DocumentError("", "binary data, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    printable = sum(1 for ch in text[:4096] if ch.isprintable() or ch in "\n\r\t")
    if printable < 0.95 * min(len(text), 4096):
        raise DocumentError("", "binary data, not text")
    return text


# A table of contents' entry: a title, a leader of dots and a page number ("4.2 Test plan ........ 12"). Its words
# are every section's title, so it matched questions about anything while answering none.
_CONTENTS_ENTRY = re.compile(r"^\S.{0,200}?(?:(?:\s?[.·_]){4,}|\s?…{2,})\s*\d{1,4}$")


def is_contents_entry(text: str) -> bool:
    """Whether ``text`` is a line of a table of contents ("2 Scope ........ 4")."""
    return bool(_CONTENTS_ENTRY.match(clean(text)))


def table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# "Version 1.0 | Updated 2026-01-19 | source" (DOCX, PDF) or "Version 1.0 · Last updated 2026-01-19 · source" (HTML)
_META_LINE = re.compile(
    r"^\s*Version\s+(?P<version>[^\s|·]+)\s*[|·]\s*(?:Last\s+)?updated\s+(?P<updated>\d{4}-\d{2}-\d{2})"
    r"(?:\s*[|·]\s*(?P<source>.+))?$",
    re.IGNORECASE,
)


def meta_from_line(text: str) -> dict[str, str] | None:
    match = _META_LINE.match(clean(text))
    if not match:
        return None
    return {k: v.strip() for k, v in match.groupdict().items() if v}


def take_meta_blocks(blocks: list[Block], meta: dict) -> list[Block]:
    """Move a leading "Version ... | Updated ... | source" line into ``meta``."""
    kept = []
    for i, block in enumerate(blocks):
        found = meta_from_line(block.text) if i < 4 and not block.is_heading else None
        if found:
            for key, value in found.items():
                meta.setdefault(key, value)
        else:
            kept.append(block)
    return kept
