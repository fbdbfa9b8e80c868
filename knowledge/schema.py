"""The knowledge base's tables in the assistant's SQLite database, as migrations.

The application's database module applies these with its own (one ``_migrations`` table for every feature). A
migration never changes after it has shipped; a later change is a new migration at the end of the list.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


def knowledge_0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE documents (
            id TEXT PRIMARY KEY,          -- path relative to its guidance folder, or team-answer:ID
            path TEXT NOT NULL,           -- where it was read from (team answers: the question)
            title TEXT NOT NULL,
            version TEXT,
            updated TEXT,                 -- ISO date
            source TEXT,
            kind TEXT NOT NULL,           -- markdown, text, html, pdf, docx, team-answer
            sha256 TEXT NOT NULL,
            indexed_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE chunks (
            id TEXT PRIMARY KEY,          -- stable: derived from document id, section path and position
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            vector_id INTEGER NOT NULL UNIQUE,  -- the id FAISS holds for this passage's vector
            position INTEGER NOT NULL,
            section TEXT NOT NULL,
            text TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX chunks_document ON chunks(document_id)")
    db.execute(
        """CREATE TABLE index_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            model TEXT NOT NULL,          -- embedding model the vectors were made with
            dimension INTEGER NOT NULL,
            vectors_file TEXT NOT NULL,   -- FAISS file name in the index folder, written before this row
            next_vector_id INTEGER NOT NULL,
            built_at TEXT NOT NULL
        )"""
    )


def knowledge_0002(db: sqlite_utils.Database) -> None:
    # Which vectors the model made: float32 (its own) or int8 (its quantised ONNX copy). Earlier indexes are float32.
    db.execute("ALTER TABLE index_state ADD COLUMN encoder TEXT NOT NULL DEFAULT 'float32'")


KNOWLEDGE_MIGRATIONS: list[Migration] = [
    ("knowledge-0001-documents-and-chunks", knowledge_0001),
    ("knowledge-0002-index-encoder", knowledge_0002),
]
