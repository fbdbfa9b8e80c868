"""Guidance files in, documents out.

Every supported format (Markdown with front matter, plain text, HTML, PDF, DOCX) has its reader module here, and
each reads into the same shape: a :class:`Document` with its title, version, updated date and source, and an
ordered list of :class:`Block` values (headings with their level, paragraphs, list items, table rows). The chunker
works on blocks only, so the same guidance gives the same passages whichever format it arrives in.

A file that cannot be read raises :class:`knowledge.errors.DocumentError` with the file name and the reason.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

from knowledge.errors import DocumentError
from knowledge.readers.document import Block, Document
from knowledge.readers.text_tools import clean, with_sections

__all__ = ["SUPPORTED_SUFFIXES", "Block", "Document", "guidance_files", "read_document", "sha256_of"]

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
    # The format's module is imported on first use: reading Markdown never loads the PDF or DOCX libraries.
    reader = importlib.import_module(f"knowledge.readers.{kind}")
    try:
        meta, blocks = reader.read(data)
    except DocumentError as exc:
        raise DocumentError(str(path), exc.reason) from None
    except Exception as exc:  # a parser's own error type: report it as the file's problem
        raise DocumentError(str(path), f"cannot read as {kind}: {exc.__class__.__name__}: {exc}") from None
    # A long document with no headings below its title (a saved page, a PDF without larger bold type) is cut into
    # sections named by their first words, so that passages can be read whole and a citation says where.
    blocks = with_sections(_without_empty_contents_heading([b for b in blocks if b.text]))
    body = [b for b in blocks if not b.is_heading]
    if not body:
        raise DocumentError(str(path), "no text found")
    title = meta.get("title") or next((b.text for b in blocks if b.level == 1), None) or path.stem
    return Document(
        id=doc_id,
        path=str(path),
        title=clean(str(title)),
        kind=kind,
        sha256=sha256_of(data),
        blocks=blocks,
        version=_optional(meta.get("version")),
        updated=_optional(meta.get("updated")),
        source=_optional(meta.get("source")),
    )


_CONTENTS_TITLES = {"contents", "table of contents", "on this page", "in this document", "in this section"}


def _without_empty_contents_heading(blocks: list[Block]) -> list[Block]:
    """``blocks`` without a "Contents" heading left with nothing under it (its entries were left out)."""
    kept = []
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        empty = following is None or (following.is_heading and following.level <= block.level)
        if block.is_heading and empty and block.text.strip(" :").lower() in _CONTENTS_TITLES:
            continue
        kept.append(block)
    return kept


def _optional(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
