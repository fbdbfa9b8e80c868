"""Plain text: paragraphs separated by blank lines; a short first line without a full stop is the title.

A first line that is only a web address is the document's source (a page saved as text). A long text with no
headings of its own (a saved web page, an email) is split into sections on paragraph and sentence boundaries, each
of about ``SECTION_WORDS`` words and named by its first words, so that its passages are small enough to be read
whole and a citation can say where in the document the answer is.
"""

from __future__ import annotations

import re

from knowledge.readers.document import Block
from knowledge.readers.text_tools import clean, decode, is_contents_entry, take_meta_blocks

SECTION_WORDS = 180
_URL_LINE = re.compile(r"^\s*(https?://\S+)\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
_SECTION_NAME_WORDS = 8
_ITEM_LINE = re.compile(r"^\s*(?:[•·▪◦‣*\-–]|(?P<number>\d{1,2})[.)])\s+")


def read(data: bytes) -> tuple[dict, list[Block]]:
    text = decode(data)
    meta: dict = {}
    lines = text.strip().splitlines()
    if lines and _URL_LINE.match(lines[0]):
        meta["source"] = lines[0].strip()
        text = "\n".join(lines[1:])
    blocks = _blocks_of(text)
    # A short first line without a full stop is the title.
    if blocks and len(blocks[0].text) < 120 and not blocks[0].text.endswith("."):
        first_line = text.strip().splitlines()[0].strip()
        meta["title"] = first_line
        blocks = [Block(first_line, 1)] + _blocks_of(text.strip()[len(first_line) :])
    blocks = take_meta_blocks(blocks, meta)
    return meta, with_sections(blocks)


def _blocks_of(text: str) -> list[Block]:
    """Paragraphs (separated by blank lines) on one line each; a list item (a line starting with a bullet or a
    number, "• Item", "2) Item") is a block of its own, written "- Item" or "2. Item", with the indented lines after
    it."""
    blocks: list[Block] = []
    for paragraph in re.split(r"\n\s*\n", text):
        parts: list[str] = []  # the paragraph's runs of text and its list items, in order
        in_item = False
        for line in paragraph.splitlines():
            if is_contents_entry(line):
                continue  # a table of contents (a PDF saved as text)
            bullet = _ITEM_LINE.match(line)
            if bullet:
                number = bullet.group("number")
                parts.append(f"{number + '.' if number else '-'} {line[bullet.end() :]}")
                in_item = True
            elif parts and (line[:1].isspace() or not in_item):
                parts[-1] += " " + line
            else:
                parts.append(line)
                in_item = False
        blocks += [Block(cleaned) for part in parts if (cleaned := clean(part)) not in ("", "-")]
    return blocks


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
    words = _ITEM_LINE.sub("", paragraphs[0]).split()
    name = " ".join(words[:_SECTION_NAME_WORDS]) + ("…" if len(words) > _SECTION_NAME_WORDS else "")
    return [Block(name, 2)] + [Block(p) for p in paragraphs]
