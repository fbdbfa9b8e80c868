"""Documents into passages (pure functions, no I/O).

A passage never straddles two sections: the chunker walks the blocks of a document, keeps the path of headings
above each block, and packs consecutive blocks of one section into passages of at most ``max_words`` words. A long
table keeps its header row at the top of each passage it is split into; a long paragraph is split between
sentences. Each passage carries the document title and its section path, used both for display and for retrieval.

Chunk ids are stable: the same document id, section path and position within the section give the same id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from knowledge.ingest import Block, Document

MAX_WORDS = 150
SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class Chunk:
    id: str
    document_id: str
    position: int  # order within the document
    section: str  # heading path below the title, joined with " > " ("" before the first heading)
    text: str

    def retrieval_text(self, title: str) -> str:
        """What is embedded and matched lexically: the title and section path, then the passage."""
        heading = title + (SECTION_SEPARATOR + self.section if self.section else "")
        return f"{heading}\n{self.text}"


def chunk_id(document_id: str, section: str, index_in_section: int) -> str:
    digest = hashlib.sha1(f"{document_id}\x1f{section}\x1f{index_in_section}".encode()).hexdigest()
    return digest[:20]


def _word_count(text: str) -> int:
    return len(text.split())


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(\"'])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage line (a table row or list item stays one sentence)."""
    if text.startswith("|"):
        return [text]
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _split_long(text: str, max_words: int) -> list[str]:
    if _word_count(text) <= max_words:
        return [text]
    pieces, current = [], []
    for sentence in split_sentences(text):
        if current and _word_count(" ".join(current + [sentence])) > max_words:
            pieces.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        pieces.append(" ".join(current))
    # A single sentence longer than the limit is cut between words.
    out = []
    for piece in pieces:
        tokens = piece.split()
        for start in range(0, len(tokens), max_words):
            out.append(" ".join(tokens[start : start + max_words]))
    return out


def sections_of(document: Document) -> list[tuple[str, list[Block]]]:
    """(section path, body blocks) in document order; the title heading itself is not part of any path."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, list[Block]]] = []
    current: list[Block] = []
    current_path = ""
    for block in document.blocks:
        if block.is_heading:
            if current:
                sections.append((current_path, current))
                current = []
            if block.level == 1 and not path and not current and not sections:
                continue  # the document's own heading: shown as its title, not as a section
            path = [(level, text) for level, text in path if level < block.level]
            path.append((block.level, block.text))
            current_path = SECTION_SEPARATOR.join(text for _, text in path)
        else:
            current.append(block)
    if current:
        sections.append((current_path, current))
    return sections


def chunk_document(document: Document, max_words: int = MAX_WORDS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section, blocks in sections_of(document):
        pieces: list[str] = []
        current: list[str] = []
        table_header: str | None = None
        previous_was_row = False
        for block in blocks:
            is_row = block.text.startswith("|")
            if is_row and not previous_was_row:
                table_header = block.text
            previous_was_row = is_row
            for part in _split_long(block.text, max_words):
                if current and _word_count("\n".join(current + [part])) > max_words:
                    pieces.append("\n".join(current))
                    current = []
                    if is_row and table_header and part != table_header:
                        current.append(table_header)
                current.append(part)
        if current:
            pieces.append("\n".join(current))
        for index, text in enumerate(pieces):
            chunks.append(
                Chunk(
                    id=chunk_id(document.id, section, index),
                    document_id=document.id,
                    position=len(chunks),
                    section=section,
                    text=text,
                )
            )
    return chunks
