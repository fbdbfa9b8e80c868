"""The knowledge base as a service: index the guidance, then open once and ask from any thread.

Everything it needs comes in a :class:`KnowledgeConfig` (paths, model, threshold, where to send people when the
guidance is silent, and how to open the database). ``open_knowledge_base(config)`` loads the embedding model and the
index once; its ``ask`` answers a question with quoted, cited guidance (or declines); ``add_team_answer`` and
``remove_team_answer`` let the qualification team's own answers be found and cited at once, and retracted.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import sqlite_utils

from knowledge.answer import (
    DEFAULT_THRESHOLD,
    TEAM_ANSWER_SOURCE,
    Answer,
    compose_answer,
    content_terms,
    not_covered_message,
    question_problem,
)
from knowledge.chunk import Chunk, chunk_id
from knowledge.ct2_encoder import expected_kind
from knowledge.embed import DEFAULT_MODEL, Embedder, model_path
from knowledge.errors import IndexMismatchError
from knowledge.indexer import IndexReport, ProgressCallback, build_index
from knowledge.search import Hit, SearchIndex, query_text
from knowledge.store import (
    TEAM_ANSWER_KIND,
    VECTORS_PREFIX,
    WINDOW_SLOTS,
    LexicalIndex,
    check_dimension,
    check_encoder,
    encoder_of,
    lexical_path,
    load_vectors,
    read_passages,
    read_state,
    remove_stale_files,
)

BUNDLED_GUIDANCE = Path(__file__).resolve().parent / "guidance"
SENTENCE_VECTORS_KEPT = 20_000  # sentence embeddings kept for choosing highlights (1.5 KB each)
TEAM_ANSWER_TITLE = "Answer from the qualification team"
FOLLOW_UP_WORDS = (
    6  # questions with fewer content words than this are read together with the earlier question
)


# Opens (creating if needed) the SQLite database at a path, with the knowledge tables (knowledge.schema) migrated.
DatabaseOpener = Callable[[Path], sqlite_utils.Database]


@dataclass(frozen=True)
class KnowledgeConfig:
    """What the knowledge base needs to know. Field names are the options that KnowledgeConfigError names."""

    database_path: Path
    index_dir: Path  # the FAISS vector files and lexical indexes
    open_database: DatabaseOpener
    enquiries_address: str  # where people are told to ask when the guidance is silent
    models_dir: Path | None = None  # where the saved encoders are kept (None: texts go through the model)
    embedding_model: str = DEFAULT_MODEL
    question_encoder: str = "onnx"  # or "torch"
    embedding_precision: str = "int8"  # or "float32"; int8 needs a saved encoder (question_encoder="onnx")
    embedding_threads: int | None = None  # threads embedding guidance (None: one per core); questions use one
    answer_threshold: float | None = None  # None: the calibrated DEFAULT_THRESHOLD
    max_document_mb: int = 25
    guidance_paths: tuple[Path, ...] = ()  # empty: the bundled guidance


def guidance_roots(config: KnowledgeConfig) -> list[Path]:
    return list(config.guidance_paths) or [BUNDLED_GUIDANCE]


def make_embedder(config: KnowledgeConfig) -> Embedder:
    """The configured model, with questions embedded as the ``question_encoder`` option says."""
    return Embedder(
        config.embedding_model,
        cache_dir=config.models_dir,
        question_encoder=config.question_encoder,
        precision=config.embedding_precision,
        batch_threads=config.embedding_threads,
    )


def expected_encoder(config: KnowledgeConfig) -> str:
    """Which vectors :func:`make_embedder` makes, without loading it (int8 only through a saved copy)."""
    if config.models_dir is None or config.question_encoder != "onnx":
        return "float32"
    return expected_kind(
        config.models_dir, Path(model_path(config.embedding_model)), config.embedding_precision
    )


def index_guidance(
    config: KnowledgeConfig,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    embedder: Embedder | None = None,
) -> IndexReport:
    """Index the configured guidance, or only ``paths``, into the data directory (the model loads only if needed).

    With ``paths``, documents are dropped only if their files under those paths are gone; ``rebuild`` re-reads the
    configured guidance and ``paths`` together, since every vector is made anew.
    """
    if paths and rebuild:
        roots, scope = guidance_roots(config) + list(paths), None
    elif paths:
        roots, scope = list(paths), list(paths)
    else:
        roots, scope = guidance_roots(config), None
    db = config.open_database(config.database_path)
    try:
        return build_index(
            db,
            embedder if embedder is not None else (lambda: make_embedder(config)),
            config.index_dir,
            roots,
            config.embedding_model,
            config.max_document_mb * 1024 * 1024,
            rebuild=rebuild,
            progress=progress,
            removal_scope=scope,
            encoder=encoder_of(embedder) if embedder is not None else expected_encoder(config),
        )
    finally:
        db.conn.close()


def open_knowledge_base(config: KnowledgeConfig, embedder: Embedder | None = None) -> KnowledgeBase:
    """Load the index and the model once. Raises IndexMissingError or IndexMismatchError with what to run."""
    db = config.open_database(config.database_path)
    _, vectors = load_vectors(db, config.index_dir, config.embedding_model)
    state = read_state(db)
    embedder = embedder or make_embedder(config)
    check_dimension(state, embedder)
    if embedder.name != state.model:
        raise IndexMismatchError(f"the index was built with {state.model!r}, not {embedder.name!r}")
    check_encoder(state, embedder)
    return KnowledgeBase(
        config, db, embedder, _load_search_index(db, config.index_dir, state.vectors_file, vectors)
    )


class KnowledgeBase:
    """Thread-safe: answers run concurrently; adding or removing a team answer swaps the search index at once."""

    def __init__(
        self,
        config: KnowledgeConfig,
        db: sqlite_utils.Database,
        embedder: Embedder,
        search_index: SearchIndex,
    ):
        self.config = config
        self.db = db
        self.embedder = embedder
        self._index = self._with_words(search_index)
        self._write_lock = threading.Lock()
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._vectors_file = read_state(db).vectors_file
        self.threshold = config.answer_threshold if config.answer_threshold is not None else DEFAULT_THRESHOLD

    def _sentence_vector(self, text: str) -> np.ndarray:
        """The embedding of one of the guidance's sentences, kept: the same sentences answer many questions."""
        found = self._sentence_vectors.get(text)
        if found is None:
            if len(self._sentence_vectors) >= SENTENCE_VECTORS_KEPT:
                self._sentence_vectors.clear()
            found = self._sentence_vectors[text] = self.embedder.encode([text])[0]
        return found

    def _with_words(self, index: SearchIndex) -> SearchIndex:
        """``index`` told which words are everyday English (never corrected to a guidance word)."""
        index.everyday_words = self.embedder.whole_words()
        return index

    @property
    def search_index(self) -> SearchIndex:
        return self._index

    def __len__(self) -> int:
        return len(self._index)

    def search(
        self, question: str, k: int = 5, mode: str = "hybrid", context: str | None = None
    ) -> list[Hit]:
        text = self._index.normalise_question(_retrieval_question(question, context))
        vector = self.embedder.encode_query(query_text(text)) if mode != "lexical" else None
        return self._index.search(text, vector, k=k, mode=mode)

    def ask(self, question: str, context: str | None = None, k: int = 5, mode: str = "hybrid") -> Answer:
        """Answer ``question`` from the guidance; ``context`` is an earlier question of the same conversation."""
        index = self._index
        problem = question_problem(question or "", index.vocabulary)
        if problem:
            return Answer(question or "", False, 0.0, problem, [])
        question = question.strip()
        text = index.normalise_question(_retrieval_question(question, context))
        vector = self.embedder.encode_query(query_text(text)) if mode != "lexical" else None
        hits = index.search(text, vector, k=k, mode=mode)
        if not hits:
            return Answer(question, False, 0.0, not_covered_message(self.config.enquiries_address), [])
        similarity = None
        if vector is not None:

            def similarity(texts: list[str]) -> list[float]:
                return [float(self._sentence_vector(text) @ vector) for text in texts]

        answer = compose_answer(
            index.normalise_question(question),
            hits,
            index,
            self.threshold,
            self.config.enquiries_address,
            similarity=similarity,
            # A question asking what a term is ("what does DIP stand for?") is answered from the term's entry (a
            # glossary row) even when the term is all over the guidance and the entry is not among the best passages.
            entries_of=(lambda term: index.entries_for(term, vector)) if mode == "hybrid" else None,
        )
        return replace(answer, question=question)

    # --- the qualification team's answers -------------------------------------------------------------------------

    def add_team_answer(
        self, answer_id: str, question: str, reply: str, answered_by: str, answered_on: datetime.date
    ) -> None:
        """Index a team member's reply at once; it is cited as answered by the qualification team on that date.

        The citation names the team, not the person: ``answered_by`` stays in the caller's own records.
        """
        document_id = f"{TEAM_ANSWER_KIND}:{answer_id}"
        section = question.strip()[:200]
        text = reply.strip()
        chunk = Chunk(chunk_id(document_id, section, 0), document_id, 0, section, text)
        windows = chunk.embedding_windows(TEAM_ANSWER_TITLE, self.embedder.count_tokens)[:WINDOW_SLOTS]
        vector = self.embedder.encode(windows)
        with self._write_lock:
            state, vectors = self._current_vectors()
            old = self.db.execute(
                "SELECT vector_id FROM chunks WHERE document_id = ?", [document_id]
            ).fetchall()
            vectors.remove([row[0] for row in old])
            vector_id = state.next_vector_id
            vectors.add([vector_id] * len(windows), vector, range(len(windows)))
            now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
            self._commit(
                vectors,
                state.next_vector_id + 1,
                before=lambda: self._write_team_rows(
                    document_id, question, answered_on, chunk, vector_id, now
                ),
            )

    def remove_team_answer(self, answer_id: str) -> None:
        """Retract a team answer: it is never found or cited again."""
        document_id = f"{TEAM_ANSWER_KIND}:{answer_id}"
        with self._write_lock:
            state, vectors = self._current_vectors()
            old = self.db.execute(
                "SELECT vector_id FROM chunks WHERE document_id = ?", [document_id]
            ).fetchall()
            if not old:
                return
            vectors.remove([row[0] for row in old])
            self._commit(
                vectors,
                state.next_vector_id,
                before=lambda: (
                    self.db.execute("DELETE FROM chunks WHERE document_id = ?", [document_id]),
                    self.db.execute("DELETE FROM documents WHERE id = ?", [document_id]),
                ),
            )

    def _write_team_rows(self, document_id, question, answered_on, chunk, vector_id, now) -> None:
        self.db.execute("DELETE FROM chunks WHERE document_id = ?", [document_id])
        self.db["documents"].insert(
            {
                "id": document_id,
                "path": question.strip(),
                "title": TEAM_ANSWER_TITLE,
                "version": None,
                "updated": answered_on.isoformat(),
                "source": TEAM_ANSWER_SOURCE.format(date=answered_on.isoformat()),
                "kind": TEAM_ANSWER_KIND,
                "sha256": "",
                "indexed_at": now,
            },
            replace=True,
        )
        self.db["chunks"].insert(
            {
                "id": chunk.id,
                "document_id": document_id,
                "vector_id": vector_id,
                "position": 0,
                "section": chunk.section,
                "text": chunk.text,
            },
            replace=True,
        )

    def _commit(self, vectors, next_vector_id: int, before) -> None:
        """Write the new vector file, then switch rows and state in one transaction, then swap the search index."""
        vectors_file = (
            f"{VECTORS_PREFIX}{datetime.datetime.now(datetime.UTC).strftime('%Y%m%dT%H%M%S%f')}.faiss"
        )
        vectors.save(self.config.index_dir / vectors_file)
        with self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            before()
            self.db.execute(
                "UPDATE index_state SET vectors_file = ?, next_vector_id = ?, built_at = ? WHERE id = 1",
                [
                    vectors_file,
                    next_vector_id,
                    datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                ],
            )
            passages = read_passages(self.db)
            lexical = LexicalIndex.build(passages)
            lexical.save(lexical_path(self.config.index_dir / vectors_file))
        remove_stale_files(self.config.index_dir, keep=vectors_file)
        self._vectors_file = vectors_file
        self._index = self._with_words(SearchIndex(passages, vectors, lexical))

    def _current_vectors(self):
        """The vectors to change: this process's copy, or the file on disk if `mhhs-bot index` has run since."""
        state = read_state(self.db)
        if state.vectors_file != self._vectors_file:
            _, vectors = load_vectors(self.db, self.config.index_dir, self.config.embedding_model)
            self._vectors_file = state.vectors_file
            self._index = self._with_words(
                _load_search_index(self.db, self.config.index_dir, state.vectors_file, vectors)
            )
        return state, self._index.vectors.copy()


def _retrieval_question(question: str, context: str | None) -> str:
    if context and context.strip() and len(content_terms(question)) < FOLLOW_UP_WORDS:
        return f"{context.strip()[:1000]} {question}"
    return question


def _load_search_index(db: sqlite_utils.Database, index_dir: Path, vectors_file: str, vectors) -> SearchIndex:
    """The passages from SQLite with the lexical index saved beside the vector file (never re-tokenised here)."""
    return SearchIndex.from_db(db, vectors, LexicalIndex.load(lexical_path(index_dir / vectors_file)))
