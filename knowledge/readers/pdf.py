"""PDF files: lines with their font size and weight, headings recognised by size, running headers and footers and the
table of contents left out.

Scanned PDFs (images without text) and encrypted ones are refused with the reason.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

from knowledge.errors import DocumentError
from knowledge.readers.document import Block
from knowledge.readers.text_tools import clean, is_contents_entry, meta_from_line

_BULLETS = {"\x7f", "•", "▪", "●", "◦", "-", "–"}


@dataclass
class _PdfLine:
    text: str
    size: float
    bold: bool
    page: int


def read(data: bytes) -> tuple[dict, list[Block]]:
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on broken files are reported as reasons

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
    except Exception as exc:
        raise DocumentError("", f"not a readable PDF ({exc.__class__.__name__}: {exc})") from None
    if reader.is_encrypted:
        raise DocumentError("", "the PDF is encrypted")
    meta: dict = {}
    info = reader.metadata or {}
    if info.get("/Title"):
        meta["title"] = str(info["/Title"])
    lines: list[_PdfLine] = []
    for number, page in enumerate(pages):
        current: list[tuple[str, float, bool]] = []

        def visit(text, cm, tm, font, size, current=current, number=number):
            if not text:
                return
            scale = abs(tm[0]) if tm and tm[0] else 1.0
            base = str(font.get("/BaseFont", "")) if font else ""
            current.append((text, size * scale, "Bold" in base or "Black" in base))
            if text.endswith("\n"):
                _flush_pdf_line(current, lines, number)

        page.extract_text(visitor_text=visit)
        _flush_pdf_line(current, lines, number)
    if not lines:
        raise DocumentError("", "no text found in the PDF (scanned images are not supported)")
    return meta, _pdf_blocks(lines, len(pages), meta)


def _flush_pdf_line(current: list, lines: list[_PdfLine], page: int) -> None:
    text = clean("".join(t for t, _, _ in current))
    if text:
        weighted = [(len(t.strip()), s, b) for t, s, b in current if t.strip()]
        size = max(s for _, s, _ in weighted)
        bold = all(b for _, _, b in weighted)
        lines.append(_PdfLine(text, round(size, 1), bold, page))
    current.clear()


def _pdf_blocks(lines: list[_PdfLine], page_count: int, meta: dict) -> list[Block]:
    # Running headers and footers: the first or last two lines of a page, repeated on other pages (page numbers
    # aside). Lines inside the page are content even when they repeat (a mailbox named in two tables).
    if page_count > 1:
        edges: dict[str, set[int]] = {}
        for page in range(page_count):
            on_page = [ln for ln in lines if ln.page == page]
            for ln in on_page[:2] + on_page[-2:]:
                edges.setdefault(re.sub(r"\d+", "#", ln.text), set()).add(page)
        furniture = {key for key, pages in edges.items() if len(pages) > 1}
        kept = []
        for page in range(page_count):
            on_page = [ln for ln in lines if ln.page == page]
            edge_ids = {id(ln) for ln in on_page[:2] + on_page[-2:]}
            kept.extend(
                ln for ln in on_page if not (id(ln) in edge_ids and re.sub(r"\d+", "#", ln.text) in furniture)
            )
        lines = kept
    sizes = Counter()
    for ln in lines:
        sizes[ln.size] += len(ln.text)
    body_size = sizes.most_common(1)[0][0]
    heading_sizes = sorted({ln.size for ln in lines if ln.bold and ln.size > body_size + 0.9}, reverse=True)
    levels = {size: i + 1 for i, size in enumerate(heading_sizes)}
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(clean(" ".join(paragraph))))
            paragraph.clear()

    bullet = False
    for ln in lines:
        if is_contents_entry(ln.text):
            continue  # the table of contents: every section's title, none of its text
        if ln.size in levels and ln.bold:
            flush()
            blocks.append(Block(ln.text, levels[ln.size]))
            continue
        if ln.text in _BULLETS:
            flush()
            bullet = True
            continue
        if bullet:
            paragraph.append("-")
            bullet = False
        found = meta_from_line(ln.text) if not blocks else None
        if found:
            meta.update({k: v for k, v in found.items() if k not in meta})
            continue
        paragraph.append(ln.text)
    flush()
    # Lines before the first heading that are not the metadata line are the source note, when short.
    if blocks and not blocks[0].is_heading and "source" not in meta and len(blocks[0].text) < 200:
        first_heading = next((i for i, b in enumerate(blocks) if b.is_heading), None)
        if first_heading == 1:
            meta["source"] = blocks[0].text
            blocks = blocks[1:]
    return blocks
