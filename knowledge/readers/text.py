"""Plain text: paragraphs separated by blank lines; a short first line without a full stop is the title."""

from __future__ import annotations

import re

from knowledge.readers.document import Block
from knowledge.readers.text_tools import clean, decode, take_meta_blocks


def read(data: bytes) -> tuple[dict, list[Block]]:
    text = decode(data)
    meta: dict = {}
    paragraphs = [clean(p) for p in re.split(r"\n\s*\n", text)]
    blocks = [Block(p) for p in paragraphs if p]
    # A short first line without a full stop is the title.
    if blocks and len(blocks[0].text) < 120 and not blocks[0].text.endswith("."):
        first_line = text.strip().splitlines()[0].strip()
        meta["title"] = first_line
        rest = text.strip()[len(first_line) :]
        blocks = [Block(first_line, 1)] + [Block(clean(p)) for p in re.split(r"\n\s*\n", rest) if clean(p)]
    return meta, take_meta_blocks(blocks, meta)
