"""Markdown (CommonMark with tables), with YAML front matter for the title, version, updated date and source.

The text is parsed by ``markdown-it-py``, so everything CommonMark allows reads the same: ``#`` and underlined
(setext) headings, ````` and ``~~~`` fences, nested and loose lists, block quotes. Inline markup is dropped (a link
keeps its text, emphasis and code their words). Each list item is a block that starts with its marker as written
("-", "1."), nested items included, without task-list boxes; each table row is a block "| a | b |"; each line of a
code block is a block.
"""

from __future__ import annotations

import functools
import re

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from knowledge.readers.document import Block
from knowledge.readers.text_tools import clean, decode, table_row

_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*(\n|$)", re.DOTALL)
_TASK_BOX = re.compile(r"^\[[ xX]\]\s+")


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def read(data: bytes) -> tuple[dict, list[Block]]:
    text = decode(data)
    meta: dict = {}
    front = _FRONT_MATTER.match(text)
    if front:
        loaded = yaml.safe_load(front.group(1))
        if isinstance(loaded, dict):
            meta = {str(k).lower(): v for k, v in loaded.items()}
        text = text[front.end() :]
    return meta, markdown_blocks(text)


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown text (without front matter)."""
    tokens = _parser().parse(text)
    blocks: list[Block] = []
    markers: list[str] = []  # the marker of each list item we are inside, innermost last
    item_started: list[bool] = []  # whether that item's first paragraph has been written
    row: list[str] | None = None
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            blocks.append(Block(inline_text(tokens[i + 1]), int(token.tag[1])))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            continue
        elif kind == "list_item_open":
            markers.append(_marker(token))
            item_started.append(False)
        elif kind == "list_item_close":
            markers.pop()
            item_started.pop()
        elif kind == "paragraph_open":
            content = inline_text(tokens[i + 1])
            if markers and not item_started[-1]:
                item_started[-1] = True
                content = f"{markers[-1]} {_TASK_BOX.sub('', content)}".strip()
            blocks.append(Block(content))
        elif kind in ("fence", "code_block"):
            blocks.extend(Block(clean(line)) for line in token.content.splitlines())
        elif kind == "tr_open":
            row = []
        elif kind == "inline" and row is not None:
            row.append(inline_text(token))
        elif kind == "tr_close":
            blocks.append(Block(table_row(row or [])))
            row = None
        elif kind == "html_block":
            blocks.append(Block(clean(_HTML_TAG.sub(" ", token.content))))
    return [b for b in blocks if b.text]


def _marker(item: Token) -> str:
    """The item's marker as written: "-", "*", "+", or the number and "." or ")" of an ordered item."""
    return f"{item.info}{item.markup}" if item.info else item.markup


_HTML_TAG = re.compile(r"<[^>]*>")


def inline_text(token: Token) -> str:
    """The plain text of an inline token: links as their text, images as their description, markup dropped."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(inline_text(child))
        elif child.type == "html_inline":
            parts.append(child.content)
    return clean("".join(parts))
