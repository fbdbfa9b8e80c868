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


# A list item's mark in text: a bullet or a number ("• Item", "2) Item").
ITEM_LINE = re.compile(r"^\s*(?:[•·▪◦‣*\-–]|(?P<number>\d{1,2})[.)])\s+")
SECTION_WORDS = 180  # words in a section made for a long document without headings
_SECTION_NAME_WORDS = 8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def with_sections(blocks: list[Block], size: int = SECTION_WORDS) -> list[Block]:
    """``blocks`` with section headings added when a long text has none below its title."""
    body = [b for b in blocks if not b.is_heading]
    if any(b.is_heading and b.level > 1 for b in blocks) or sum(len(b.text.split()) for b in body) <= size:
        return blocks
    pieces: list[str] = []  # paragraphs, long ones cut between sentences
    for block in body:
        if len(block.text.split()) <= size:
            pieces.append(block.text)
            continue
        current: list[str] = []
        for sentence in _SENTENCE_END.split(block.text):
            if current and len(" ".join(current + [sentence]).split()) > size:
                pieces.append(" ".join(current))
                current = []
            current.append(sentence)
        if current:
            pieces.append(" ".join(current))
    out = [b for b in blocks if b.is_heading]  # the title
    section: list[str] = []
    for piece in pieces:
        if section and len(" ".join(section + [piece]).split()) > size:
            out += _section(section, len(out))
            section = []
        section.append(piece)
    if section:
        out += _section(section, len(out))
    return out


def _section(paragraphs: list[str], number: int) -> list[Block]:
    words = ITEM_LINE.sub("", paragraphs[0]).split()
    name = " ".join(words[:_SECTION_NAME_WORDS]) + ("…" if len(words) > _SECTION_NAME_WORDS else "")
    return [Block(name, 2)] + [Block(p) for p in paragraphs]
