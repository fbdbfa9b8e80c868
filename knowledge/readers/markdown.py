"""Markdown with YAML front matter for the title, version, updated date and source."""

from __future__ import annotations

import re

import yaml

from knowledge.readers.document import Block
from knowledge.readers.text_tools import clean, decode, table_row

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def _inline_markdown(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = text.replace("`", "")
    return clean(text)


def read(data: bytes) -> tuple[dict, list[Block]]:
    text = decode(data)
    meta: dict = {}
    front = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
    if front:
        loaded = yaml.safe_load(front.group(1))
        if isinstance(loaded, dict):
            meta = {str(k).lower(): v for k, v in loaded.items()}
        text = text[front.end() :]
    return meta, _markdown_blocks(text)


def _markdown_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(_inline_markdown(" ".join(paragraph))))
            paragraph.clear()

    in_code = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.strip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            blocks.append(Block(clean(line)))
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block(_inline_markdown(heading.group(2)), len(heading.group(1))))
        elif not line.strip():
            flush()
        elif line.lstrip().startswith("|"):
            flush()
            if not _TABLE_RULE.match(line):
                cells = [_inline_markdown(c) for c in line.strip().strip("|").split("|")]
                blocks.append(Block(table_row(cells)))
        elif _LIST_ITEM.match(line):
            flush()
            paragraph.append(re.sub(r"^([-*+]|\d+[.)])\s+\[[ xX]\]\s+", r"\1 ", line.strip()))
        elif line.lstrip().startswith(">"):
            paragraph.append(line.lstrip()[1:].strip())
        else:
            paragraph.append(line.strip())
    flush()
    return [b for b in blocks if b.text]
