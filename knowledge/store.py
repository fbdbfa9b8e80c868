"""The knowledge base on disk: the formats the indexer writes and search reads.

- SQLite: the ``documents`` and ``chunks`` rows (schema in :mod:`knowledge.schema`), read back as :class:`Passage`
  values, and the ``index_state`` row: model name, dimension, which FAISS file is current.
- The FAISS vector file (:class:`VectorIndex`): integer ids (``vector_id``) only, half-precision unit vectors.
- The lexical index (:class:`LexicalIndex`): a folder beside the vector file with the BM25 matrix and the term
  statistics answers use, written and replaced together with the vector file.

Every file is written under a temporary name, flushed and renamed, *before* one SQLite transaction switches the
rows and the state to it, so a crash at any point leaves the previous rows and files together and usable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import bm25s
import faiss
import numpy as np
import sqlite_utils

from knowledge.chunk import SECTION_SEPARATOR, retrieval_text
from knowledge.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from knowledge.terms import lexical_terms_uncached, words

TEAM_ANSWER_KIND = "team-answer"  # documents.kind of the qualification team's own answers
REINDEX_HINT = "run `mhhs-bot index` to build it"
CORRUPT_HINT = "run `mhhs-bot index --rebuild` (plain `mhhs-bot index` also rebuilds a damaged vector file)"
REBUILD_HINT = "run `mhhs-bot index --rebuild` to re-embed the guidance with the configured model"


class EmbedderLike(Protocol):
    name: str
    dimension: int

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray: ...


# --- passages (SQLite) --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    vector_id: int
    document_id: str
    title: str
    section: str
    text: str
    kind: str
    version: str | None = None
    updated: str | None = None
    source: str | None = None

    @property
    def heading(self) -> str:
        return self.title + (SECTION_SEPARATOR + self.section if self.section else "")

    def retrieval_text(self) -> str:
        return retrieval_text(self.title, self.section, self.text)


def read_passages(db: sqlite_utils.Database) -> list[Passage]:
    """Every passage with its document's details, in a stable order (the lexical index's row order)."""
    rows = db.execute(
        """SELECT c.id, c.vector_id, c.document_id, d.title, c.section, c.text, d.kind, d.version, d.updated,
                  d.source
           FROM chunks c JOIN documents d ON d.id = c.document_id
           ORDER BY c.document_id, c.position"""
    ).fetchall()
    return [Passage(*row) for row in rows]


# --- vectors (FAISS) and the index state -------------------------------------------------------------


# One thread per search: a question scans the vectors once, and on a shared machine a second OpenMP thread mostly
# waits (measured at 100k passages: 15-24 ms with two threads, 9-11 ms with one on half-precision vectors).
faiss.omp_set_num_threads(1)


# A passage is embedded as one or more windows (see knowledge.chunk.embedding_windows); window w of the passage with
# vector id v is stored under the FAISS id v * WINDOW_SLOTS + w.
WINDOW_SLOTS = 64
# Vector files of this layout are named so; files of the earlier one-vector-per-passage layout ("vectors-...") are
# not read: the index is built again.
VECTORS_PREFIX = "windows-"
OLD_LAYOUT_HINT = "the index was built by an earlier version (one vector per passage): run `mhhs-bot index`"


class VectorIndex:
    """Inner-product FAISS index over unit vectors: each passage (an integer ``vector_id``) has one or more windows.

    Search returns passages, each scored by its best window. Vectors are stored in half precision (exhaustive
    search, half the memory and scan time of float32; the top results are the same for sentence embeddings).
    """

    def __init__(self, dimension: int, index: faiss.Index | None = None):
        self.dimension = dimension
        if index is None:
            codes = faiss.IndexScalarQuantizer(
                dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
            index = faiss.IndexIDMap2(codes)
        self._index = index
        # Passage id -> its number of windows, read from the index on first need.
        self._window_counts: dict[int, int] | None = None

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: Iterable[int], vectors: np.ndarray, windows: Iterable[int] | None = None) -> None:
        """Add a row of ``vectors`` per passage id in ``ids`` (``windows``: each row's window number, else 0)."""
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids):
            slots = np.asarray(list(windows), dtype=np.int64) if windows is not None else np.zeros_like(ids)
            if len(slots) and (slots.min() < 0 or slots.max() >= WINDOW_SLOTS):
                raise ValueError(f"a passage has at most {WINDOW_SLOTS} windows")
            faiss_ids = ids * WINDOW_SLOTS + slots
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), faiss_ids)
            self._window_counts = None

    def remove(self, ids: Iterable[int]) -> None:
        """Remove every window of the passages ``ids``."""
        ids = np.asarray(list(ids), dtype=np.int64)
        if len(ids):
            self._index.remove_ids((ids[:, None] * WINDOW_SLOTS + np.arange(WINDOW_SLOTS)).ravel())
            self._window_counts = None

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores) of the ``k`` nearest passages, best first; a passage scores by its best window."""
        if len(self) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self._index.search(vector.reshape(1, -1).astype(np.float32), min(4 * k, len(self)))
        keep = ids[0] >= 0
        passage_ids, scores = ids[0][keep] // WINDOW_SLOTS, scores[0][keep]
        _, first = np.unique(
            passage_ids, return_index=True
        )  # windows come best first: keep each passage's first
        order = np.sort(first)[:k]
        return passage_ids[order], scores[order]

    @property
    def passage_count(self) -> int:
        """How many passages have vectors (``len`` counts their windows)."""
        ids = faiss.vector_to_array(self._index.id_map) if len(self) else np.zeros(0, dtype=np.int64)
        return len(np.unique(ids // WINDOW_SLOTS))

    def passage_vectors(self, vector_id: int) -> np.ndarray:
        """The window vectors of one passage (none when it has no vector)."""
        rows = []
        for window in range(WINDOW_SLOTS):
            try:
                rows.append(self._index.reconstruct(int(vector_id) * WINDOW_SLOTS + window))
            except RuntimeError:
                break
        return np.vstack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)

    def window_similarities(self, vector_ids: list[int], vector: np.ndarray) -> list[np.ndarray]:
        """The inner product of ``vector`` with every window of each passage in ``vector_ids`` (one array each,
        empty for a passage without vectors), read in one batch."""
        if self._window_counts is None:
            ids = faiss.vector_to_array(self._index.id_map) if len(self) else np.zeros(0, dtype=np.int64)
            passages, counts = np.unique(ids // WINDOW_SLOTS, return_counts=True)
            self._window_counts = dict(zip(passages.tolist(), counts.tolist(), strict=True))
        counts = [self._window_counts.get(int(v), 0) for v in vector_ids]
        keys = [int(v) * WINDOW_SLOTS + w for v, n in zip(vector_ids, counts, strict=True) for w in range(n)]
        if not keys:
            return [np.zeros(0, dtype=np.float32) for _ in vector_ids]
        rows = self._index.reconstruct_batch(np.asarray(keys, dtype=np.int64))
        scores = rows @ np.asarray(vector, dtype=np.float32).ravel()
        return np.split(scores, np.cumsum(counts)[:-1])

    def copy(self) -> VectorIndex:
        return VectorIndex(self.dimension, faiss.clone_index(self._index))

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file, flushed to disk, then renamed over ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            faiss.write_index(self._index, str(temporary))
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Raises IndexCorruptError (naming the file) when the file cannot be read as a FAISS index."""
        try:
            index = faiss.read_index(str(path))
        except (RuntimeError, OSError) as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise IndexCorruptError(
                f"the vector file {path} cannot be read ({reason[:200]}): {CORRUPT_HINT}"
            ) from exc
        return cls(index.d, index)


@dataclass(frozen=True)
class IndexState:
    model: str
    dimension: int
    vectors_file: str
    next_vector_id: int
    built_at: str
    encoder: str = "float32"  # which vectors: the model's own (float32) or its quantised copy's (int8)


def read_state(db: sqlite_utils.Database) -> IndexState | None:
    row = db.execute(
        "SELECT model, dimension, vectors_file, next_vector_id, built_at, encoder FROM index_state WHERE id = 1"
    ).fetchone()
    return IndexState(*row) if row else None


def load_vectors(
    db: sqlite_utils.Database, index_dir: Path, model: str | None = None
) -> tuple[IndexState, VectorIndex]:
    """The current state and FAISS index. Raises IndexMissingError, or IndexMismatchError for another model."""
    state = read_state(db)
    if state is None:
        raise IndexMissingError(
            f"the guidance has not been indexed yet in {index_dir.parent}: {REINDEX_HINT}"
        )
    if model is not None and model != state.model:
        raise IndexMismatchError(
            f"the index was built with the embedding model {state.model!r} but MHHS_EMBEDDING_MODEL is {model!r}: "
            f"{REBUILD_HINT}"
        )
    if not state.vectors_file.startswith(VECTORS_PREFIX):
        raise IndexMismatchError(OLD_LAYOUT_HINT)
    path = index_dir / state.vectors_file
    if not path.is_file():
        raise IndexMissingError(f"the vector file {path} is missing: {REBUILD_HINT}")
    vectors = VectorIndex.load(path)
    if vectors.dimension != state.dimension:
        raise IndexMismatchError(
            f"the vector file has dimension {vectors.dimension}, the index expects {state.dimension}: {REBUILD_HINT}"
        )
    return state, vectors


def encoder_of(embedder: EmbedderLike) -> str:
    """Which vectors ``embedder`` makes (see knowledge.embed.Embedder.encoder); float32 when it does not say."""
    return getattr(embedder, "encoder", "float32")


def check_encoder(state: IndexState, embedder: EmbedderLike) -> None:
    """Vectors of the model's quantised copy are close to its own but not the same: never search one with the other."""
    if encoder_of(embedder) != state.encoder:
        raise IndexMismatchError(
            f"the index holds {state.encoder} vectors but questions are embedded as {encoder_of(embedder)} "
            f"(MHHS_EMBEDDING_PRECISION): run `mhhs-bot index` to re-embed the guidance"
        )


def check_dimension(state: IndexState, embedder: EmbedderLike) -> None:
    if embedder.dimension != state.dimension:
        raise IndexMismatchError(
            f"the index holds {state.dimension}-dimensional vectors but the model {embedder.name!r} makes "
            f"{embedder.dimension}-dimensional ones: {REBUILD_HINT}"
        )


# --- the lexical index (BM25) -----------------------------------------------------------------------------------


LEXICAL_FORMAT = 2  # 2: "_" joins a name into one word, "can't" is "cannot"
LEXICAL_SUFFIX = ".lexical"
_LEXICAL_META = "passages.json"


class LexicalIndex:
    """BM25 over the passages' stemmed terms, with the term statistics the answers use.

    Built once when the guidance is indexed and saved beside the vector file (``save``); a running assistant loads
    it with the BM25 matrix memory-mapped (``load``), so starting up never re-tokenises the corpus.
    """

    def __init__(
        self, bm25, vector_ids: list[int], document_frequency: dict[str, int], lowercase_words: set[str]
    ):
        self.bm25 = bm25
        self.vector_ids = vector_ids  # the passage each BM25 row belongs to, in row order
        self.document_frequency = document_frequency
        self.lowercase_words = (
            lowercase_words  # a capitalised word the guidance never writes in lower case is a name
        )

    @classmethod
    def build(cls, passages: list[Passage]) -> LexicalIndex:
        bm25 = bm25s.BM25()
        # Terms become shared integer ids as they are read, so a large corpus is never held as strings.
        term_ids: dict[str, int] = {"_": 0}
        frequency: dict[int, int] = {}
        corpus: list[list[int]] = []
        lowercase_words: set[str] = set()
        for p in passages:
            ids = [
                term_ids.setdefault(t, len(term_ids))
                for t in lexical_terms_uncached(p.retrieval_text(), True)
            ]
            corpus.append(ids or [0])
            for i in set(ids):
                frequency[i] = frequency.get(i, 0) + 1
            lowercase_words.update(w for w in words(p.text) if w.islower())
        if corpus:
            bm25.index((corpus, term_ids), show_progress=False)
        del corpus
        document_frequency = {t: frequency[i] for t, i in term_ids.items() if i in frequency}
        return cls(bm25, [p.vector_id for p in passages], document_frequency, lowercase_words)

    def save(self, path: Path) -> None:
        """Write the index as the folder ``path`` atomically: a temporary folder, flushed, then renamed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            temporary.mkdir()
            if self.vector_ids:
                self.bm25.save(str(temporary), show_progress=False)
            meta = {
                "format": LEXICAL_FORMAT,
                "vector_ids": self.vector_ids,
                "document_frequency": self.document_frequency,
                "lowercase_words": sorted(self.lowercase_words),
            }
            (temporary / _LEXICAL_META).write_text(json.dumps(meta), encoding="utf-8")
            for file in temporary.iterdir():
                with open(file, "rb") as handle:
                    os.fsync(handle.fileno())
            if path.exists():
                shutil.rmtree(path)
            os.replace(temporary, path)
        finally:
            if temporary.exists():
                shutil.rmtree(temporary, ignore_errors=True)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        """Raises IndexMismatchError when the folder is missing or from another format."""
        meta_file = path / _LEXICAL_META
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexMismatchError(
                f"the index in {path.parent} has no readable lexical index ({path.name}); it was written by an "
                f"older version or interrupted: {LEXICAL_HINT}"
            ) from exc
        if meta.get("format") != LEXICAL_FORMAT:
            raise IndexMismatchError(
                f"the lexical index {path.name} is in format {meta.get('format')!r}, this version reads "
                f"{LEXICAL_FORMAT}: {LEXICAL_HINT}"
            )
        try:
            vector_ids = meta["vector_ids"]
            bm25 = bm25s.BM25.load(str(path), mmap=True, show_progress=False) if vector_ids else bm25s.BM25()
            return cls(bm25, vector_ids, meta["document_frequency"], set(meta["lowercase_words"]))
        except Exception as exc:  # noqa: BLE001 - any damage to the files: named, and rebuilt by `mhhs-bot index`
            raise IndexCorruptError(
                f"the lexical index {path} cannot be read ({type(exc).__name__}: {str(exc)[:200]}): {LEXICAL_HINT}"
            ) from exc


LEXICAL_HINT = "run `mhhs-bot index` to rebuild it"


def lexical_path(vectors_path: Path) -> Path:
    """The lexical index folder that belongs to a vector file (written and replaced together with it)."""
    return vectors_path.with_name(vectors_path.stem + LEXICAL_SUFFIX)


# --- the files of one index generation -------------------------------------------------------------------------


def write_lexical_index(db: sqlite_utils.Database, index_dir: Path, vectors_file: str) -> None:
    """Build the BM25 index of every passage in ``db`` (as this connection sees them) and save it beside the
    vector file ``vectors_file``."""
    LexicalIndex.build(read_passages(db)).save(lexical_path(index_dir / vectors_file))


def ensure_lexical_index(db: sqlite_utils.Database, index_dir: Path, vectors_file: str) -> None:
    """Write the lexical index of an index built by an older version, or one whose folder was lost."""
    try:
        LexicalIndex.load(lexical_path(index_dir / vectors_file))
    except IndexMismatchError:
        write_lexical_index(db, index_dir, vectors_file)


def remove_stale_files(index_dir: Path, keep: str) -> None:
    """Delete vector files and lexical indexes other than the current ones (older generations, leftovers of an
    interrupted run)."""
    keep_lexical = lexical_path(index_dir / keep).name
    for path in index_dir.glob("*.faiss"):
        if path.name != keep:
            path.unlink(missing_ok=True)
    for path in index_dir.glob("*" + LEXICAL_SUFFIX):
        if path.name != keep_lexical:
            shutil.rmtree(path, ignore_errors=True)
    # Temporary files of an interrupted run; a recent one may belong to an index being written right now.
    for path in index_dir.glob(".*.tmp"):
        try:
            if time.time() - path.stat().st_mtime > 600:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
