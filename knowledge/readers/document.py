"""What every reader returns: a document as an ordered list of blocks (headings and body text)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
