"""Plain text: paragraphs separated by blank lines; a short first line without a full stop is the title.

A first line that is only a web address is the document's source (a page saved as text). A long text with no
headings of its own is cut into sections like any other document (see knowledge.readers.text_tools.with_sections).
"""

from __future__ import annotations

import re

from knowledge.readers.document import Block
from knowledge.readers.text_tools import ITEM_LINE, clean, decode, is_contents_entry, take_meta_blocks

_URL_LINE = re.compile(r"^\s*(https?://\S+)\s*$")


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
    return meta, take_meta_blocks(blocks, meta)


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
            bullet = ITEM_LINE.match(line)
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
