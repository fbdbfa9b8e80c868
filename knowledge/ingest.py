"""Guidance files in, documents out.

Every supported format (Markdown with front matter, plain text, HTML, PDF, DOCX) is read into the same shape: a
:class:`Document` with its title, version, updated date and source, and an ordered list of :class:`Block` values
(headings with their level, paragraphs, list items, table rows). The chunker works on blocks only, so the same
guidance gives the same passages whichever format it arrives in.

A file that cannot be read raises :class:`bot.errors.DocumentError` with the file name and the reason.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.errors import DocumentError

SUPPORTED_SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}


@dataclass(frozen=True)
class Block:
    """One unit of a document: a heading (``level`` 1-6) or body text (``level`` 0)."""

    text: str
    level: int = 0

    @property
    def is_heading(self) -> bool:
        return self.level > 0


@dataclass
class Document:
    id: str
    path: str
    title: str
    kind: str
    sha256: str
    blocks: list[Block] = field(default_factory=list)
    version: str | None = None
    updated: str | None = None
    source: str | None = None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def guidance_files(root: Path) -> list[Path]:
    """Every file under ``root`` (or ``root`` itself), sorted; hidden files and folders are left out."""
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def read_document(path: Path, doc_id: str, max_bytes: int, data: bytes | None = None) -> Document:
    """Read one guidance file. Raises DocumentError (unsupported type, too big, empty, unreadable)."""
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(str(path), f"unsupported file type {path.suffix or '(none)'!r}")
    size = path.stat().st_size if data is None else len(data)
    if size > max_bytes:
        raise DocumentError(
            str(path),
            f"larger than the limit ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB, MHHS_MAX_DOCUMENT_MB)",
        )
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise DocumentError(str(path), "the file is empty")
    reader = {
        "markdown": _read_markdown,
        "text": _read_text,
        "html": _read_html,
        "pdf": _read_pdf,
        "docx": _read_docx,
    }
    try:
        meta, blocks = reader[kind](data)
    except DocumentError as exc:
        raise DocumentError(str(path), exc.reason) from None
    except Exception as exc:  # a parser's own error type: report it as the file's problem
        raise DocumentError(str(path), f"cannot read as {kind}: {exc.__class__.__name__}: {exc}") from None
    blocks = [b for b in blocks if b.text]
    body = [b for b in blocks if not b.is_heading]
    if not body:
        raise DocumentError(str(path), "no text found")
    title = meta.get("title") or next((b.text for b in blocks if b.level == 1), None) or path.stem
    return Document(
        id=doc_id,
        path=str(path),
        title=_clean(str(title)),
        kind=kind,
        sha256=sha256_of(data),
        blocks=blocks,
        version=_optional(meta.get("version")),
        updated=_optional(meta.get("updated")),
        source=_optional(meta.get("source")),
    )


def _optional(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# --- text helpers -----------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def _decode(data: bytes) -> str:
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


# "Version 1.0 | Updated 2026-01-19 | source" (DOCX, PDF) or "Version 1.0 · Last updated 2026-01-19 · source" (HTML)
_META_LINE = re.compile(
    r"^\s*Version\s+(?P<version>[^\s|·]+)\s*[|·]\s*(?:Last\s+)?updated\s+(?P<updated>\d{4}-\d{2}-\d{2})"
    r"(?:\s*[|·]\s*(?P<source>.+))?$",
    re.IGNORECASE,
)


def _meta_from_line(text: str) -> dict[str, str] | None:
    match = _META_LINE.match(_clean(text))
    if not match:
        return None
    return {k: v.strip() for k, v in match.groupdict().items() if v}


def _take_meta_blocks(blocks: list[Block], meta: dict) -> list[Block]:
    """Move a leading "Version ... | Updated ... | source" line into ``meta``."""
    kept = []
    for i, block in enumerate(blocks):
        found = _meta_from_line(block.text) if i < 4 and not block.is_heading else None
        if found:
            for key, value in found.items():
                meta.setdefault(key, value)
        else:
            kept.append(block)
    return kept


# --- Markdown and plain text -------------------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def _inline_markdown(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = text.replace("`", "")
    return _clean(text)


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _read_markdown(data: bytes) -> tuple[dict, list[Block]]:
    text = _decode(data)
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
            blocks.append(Block(_clean(line)))
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
                blocks.append(Block(_table_row(cells)))
        elif _LIST_ITEM.match(line):
            flush()
            paragraph.append(re.sub(r"^([-*+]|\d+[.)])\s+\[[ xX]\]\s+", r"\1 ", line.strip()))
        elif line.lstrip().startswith(">"):
            paragraph.append(line.lstrip()[1:].strip())
        else:
            paragraph.append(line.strip())
    flush()
    return [b for b in blocks if b.text]


def _read_text(data: bytes) -> tuple[dict, list[Block]]:
    text = _decode(data)
    meta: dict = {}
    paragraphs = [_clean(p) for p in re.split(r"\n\s*\n", text)]
    blocks = [Block(p) for p in paragraphs if p]
    # A short first line without a full stop is the title.
    if blocks and len(blocks[0].text) < 120 and not blocks[0].text.endswith("."):
        first_line = text.strip().splitlines()[0].strip()
        meta["title"] = first_line
        rest = text.strip()[len(first_line) :]
        blocks = [Block(first_line, 1)] + [Block(_clean(p)) for p in re.split(r"\n\s*\n", rest) if _clean(p)]
    return meta, _take_meta_blocks(blocks, meta)


# --- HTML ----------------------------------------------------------------------------------------------------------

_PAGE_FURNITURE_TAGS = [
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "svg",
    "iframe",
    "template",
]
_FURNITURE_HINTS = (
    "cookie",
    "breadcrumb",
    "skip-link",
    "site-header",
    "site-footer",
    "menu",
    "sidebar",
    "banner",
)
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_TEXT_TAGS = {"p", "li", "dt", "dd", "pre", "blockquote", "figcaption", "caption"}
_HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}


def _read_html(data: bytes) -> tuple[dict, list[Block]]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(_decode(data), "html.parser")
    meta: dict = {}
    for name, key in (("doc-version", "version"), ("doc-updated", "updated"), ("doc-source", "source")):
        tag = soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            meta[key] = tag["content"]
    for tag in soup.find_all(_PAGE_FURNITURE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        attrs = tag.attrs or {}
        classes = " ".join(attrs.get("class", [])) + " " + str(attrs.get("id", ""))
        if attrs.get("role") in _FURNITURE_ROLES or any(h in classes.lower() for h in _FURNITURE_HINTS):
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    blocks: list[Block] = []

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                text = _clean(str(child))
                if (
                    text
                    and child.parent is node
                    and node.name not in ("table", "tr", "thead", "tbody", "ul", "ol")
                ):
                    blocks.append(Block(text))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HEADING_TAGS:
                blocks.append(Block(_clean(child.get_text(" ")), _HEADING_TAGS[name]))
            elif name == "table":
                for row in child.find_all("tr"):
                    cells = [_clean(c.get_text(" ")) for c in row.find_all(["th", "td"])]
                    if any(cells):
                        blocks.append(Block(_table_row(cells)))
            elif name in ("ul", "ol"):
                for number, item in enumerate(child.find_all("li", recursive=False), start=1):
                    marker = f"{number}." if name == "ol" else "-"
                    blocks.append(Block(f"{marker} {_clean(item.get_text(' '))}"))
            elif name in _TEXT_TAGS:
                blocks.append(Block(_clean(child.get_text(" "))))
            else:
                walk(child)

    walk(root)
    blocks = [Block(_tidy_html_text(b.text), b.level) for b in blocks]
    if "title" not in meta:
        h1 = next((b.text for b in blocks if b.level == 1), None)
        if h1:
            meta["title"] = h1
        elif soup.title and soup.title.string:
            meta["title"] = soup.title.string.split("|")[0]
    return meta, _take_meta_blocks(blocks, meta)


def _tidy_html_text(text: str) -> str:
    # get_text(" ") puts a space before punctuation that followed an inline tag: "<b>Status.</b> x" is fine,
    # "<b>x</b>, y" becomes "x , y".
    return re.sub(r"\s+([,.;:!?)])", r"\1", re.sub(r"([(])\s+", r"\1", text))


# --- DOCX ----------------------------------------------------------------------------------------------------------


def _read_docx(data: bytes) -> tuple[dict, list[Block]]:
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
            text = _clean(paragraph.text)
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
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
                    value = _clean(cell.text)
                    if not cells or cells[-1] != value or len(row.cells) == 1:
                        cells.append(value)
                if any(cells):
                    blocks.append(Block(_table_row(cells)))
    blocks = _number_docx_lists(blocks)
    return meta, _take_meta_blocks(blocks, meta)


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


# --- PDF -----------------------------------------------------------------------------------------------------------

_BULLETS = {"\x7f", "•", "▪", "●", "◦", "-", "–"}


@dataclass
class _PdfLine:
    text: str
    size: float
    bold: bool
    page: int


def _read_pdf(data: bytes) -> tuple[dict, list[Block]]:
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
    text = _clean("".join(t for t, _, _ in current))
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
            blocks.append(Block(_clean(" ".join(paragraph))))
            paragraph.clear()

    bullet = False
    for ln in lines:
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
        found = _meta_from_line(ln.text) if not blocks else None
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
