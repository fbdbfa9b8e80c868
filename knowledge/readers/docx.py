"""Word documents: paragraphs by style (Title, Heading n, list styles), tables row by row; the table of contents is
left out."""

from __future__ import annotations

import io
import re

from knowledge.readers.document import Block
from knowledge.readers.text_tools import clean, is_contents_entry, table_row, take_meta_blocks


def read(data: bytes) -> tuple[dict, list[Block]]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    meta: dict = {}
    props = document.core_properties
    if props.title:
        meta["title"] = props.title
    blocks: list[Block] = []
    body = document.element.body
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document)
            text = clean(paragraph.text)
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if style.lower().startswith("toc") or is_contents_entry(text):
                continue  # Word's table of contents ("TOC 1" ... "TOC 9" styles)
            level = _docx_heading_level(style)
            if level:
                blocks.append(Block(text, level))
            elif "list" in style.lower():
                marker = "1." if "number" in style.lower() else "-"
                blocks.append(Block(f"{marker} {text}"))
            else:
                blocks.append(Block(text))
        elif tag == "tbl":
            table = Table(element, document)
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    value = clean(cell.text)
                    if not cells or cells[-1] != value or len(row.cells) == 1:
                        cells.append(value)
                if any(cells):
                    blocks.append(Block(table_row(cells)))
    blocks = _number_docx_lists(blocks)
    return meta, take_meta_blocks(blocks, meta)


def _docx_heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return min(int(match.group(1)) + 1, 6) if match else 0


def _number_docx_lists(blocks: list[Block]) -> list[Block]:
    out, number = [], 0
    for block in blocks:
        if block.text.startswith("1. ") and not block.is_heading:
            number += 1
            out.append(Block(f"{number}. {block.text[3:]}"))
        else:
            number = 0 if not block.text.startswith("1. ") else number
            out.append(block)
    return out
