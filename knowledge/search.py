"""Hybrid retrieval: BM25 over stemmed words fused with dense (embedding) similarity.

Passages (chunk rows joined with their documents) are read from SQLite once; FAISS returns vector ids, which are
mapped back to passages here. Both retrievers see the document title and section path with the passage text, and
both see acronyms expanded (see :mod:`knowledge.terms`), so "QAD" matches "Qualification Assessment Document".

The two scores are fused linearly: BM25 scaled by the question's best BM25 score, plus cosine similarity. Passages that are the same text in two copies of one
document (for example the Markdown and the PDF version of a note) are collapsed into one, keeping the copy with the
newer ``updated`` date, then the richer metadata.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import shutil
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import bm25s
import numpy as np
import sqlite_utils
import Stemmer

from bot.errors import IndexMismatchError
from knowledge.chunk import SECTION_SEPARATOR, retrieval_text
from knowledge.index import VectorIndex
from knowledge.terms import STOPWORDS, expansion_terms, words

# Fused score = LEXICAL_WEIGHT x (BM25 / best BM25 for the question) + (1 - LEXICAL_WEIGHT) x cosine similarity.
LEXICAL_WEIGHT = 0.6
CANDIDATES = 60
MODES = ("hybrid", "lexical", "dense")
_KIND_PREFERENCE = {"team-answer": 0, "markdown": 1, "docx": 2, "html": 3, "text": 4, "pdf": 5}


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


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score, for ordering only
    dense: float  # cosine similarity of question and passage (0 when not among the dense candidates)
    lexical: float  # BM25 score (0 when not among the lexical candidates)


def read_passages(db: sqlite_utils.Database) -> list[Passage]:
    """Every passage with its document's details, in a stable order (the lexical index's row order)."""
    rows = db.execute(
        """SELECT c.id, c.vector_id, c.document_id, d.title, c.section, c.text, d.kind, d.version, d.updated,
                  d.source
           FROM chunks c JOIN documents d ON d.id = c.document_id
           ORDER BY c.document_id, c.position"""
    ).fetchall()
    return [Passage(*row) for row in rows]


_stemmer = Stemmer.Stemmer("english")
logging.getLogger("bm25s").setLevel(logging.WARNING)


def lexical_terms(text: str, expand: bool = True) -> list[str]:
    """Stemmed, lower-cased content words of ``text`` (and, with ``expand``, of its acronyms' expansions)."""
    return list(_lexical_terms(text, expand))


@functools.lru_cache(maxsize=65536)
def _lexical_terms(text: str, expand: bool) -> tuple[str, ...]:
    if expand:
        text = f"{text} {expansion_terms(text)}"
    tokens = [_word_term(w.lower()) for w in words(text)]
    # A name's parts count too ("LDSO QT mailbox" still finds LDSO_QT), as words, never as acronyms to expand.
    tokens += [part for token in tokens if "_" in token for part in token.split("_") if part]
    tokens = [t for t in tokens if t not in STOPWORDS]
    return tuple(_stemmer.stemWords(tokens))


# "can't" is "cannot", which is kept: the negation is what the question turns on ("what if a test can't be finished").
# Other contractions lose their ending ("doesn't" -> "does", "supplier's" -> "supplier").
_CONTRACTIONS = {"can't": "cannot", "won't": "will", "shan't": "shall"}
_CONTRACTION_ENDING = re.compile(r"(?:n't|'(?:s|re|ve|ll|d|m))$")


def _word_term(word: str) -> str:
    """A lower-cased word as a lexical term, before stemming."""
    return _CONTRACTIONS.get(word) or _CONTRACTION_ENDING.sub("", word).replace("&", "")


def query_text(question: str) -> str:
    """The question as the dense retriever sees it: acronyms followed by their expansions."""
    extra = expansion_terms(question)
    return f"{question} ({extra})" if extra else question


_NORMALISE = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    return _NORMALISE.sub(" ", text.lower()).strip()


@functools.lru_cache(maxsize=65536)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(_norm(text).split())


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
                for t in _lexical_terms.__wrapped__(p.retrieval_text(), True)
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
        vector_ids = meta["vector_ids"]
        bm25 = bm25s.BM25.load(str(path), mmap=True, show_progress=False) if vector_ids else bm25s.BM25()
        return cls(bm25, vector_ids, meta["document_frequency"], set(meta["lowercase_words"]))


LEXICAL_HINT = "run `mhhs-bot index` to rebuild it"


def lexical_path(vectors_path: Path) -> Path:
    """The lexical index folder that belongs to a vector file (written and replaced together with it)."""
    return vectors_path.with_name(vectors_path.stem + LEXICAL_SUFFIX)


class SearchIndex:
    """Everything needed to answer a query. Read-only once built: safe across threads."""

    def __init__(self, passages: list[Passage], vectors: VectorIndex, lexical: LexicalIndex | None = None):
        self.passages = passages
        self.vectors = vectors
        self._by_vector_id = {p.vector_id: i for i, p in enumerate(passages)}
        if lexical is None:
            lexical = LexicalIndex.build(passages)
        elif lexical.vector_ids != [p.vector_id for p in passages]:
            raise IndexMismatchError(
                f"the lexical index does not match the passages in the database: {LEXICAL_HINT}"
            )
        self.lexical_index = lexical
        self._bm25 = lexical.bm25
        self.lowercase_words = lexical.lowercase_words
        self.document_frequency = lexical.document_frequency
        self.vocabulary = set(self.document_frequency)
        self.sorted_vocabulary = sorted(self.vocabulary)  # for prefix look-ups

    @classmethod
    def from_db(
        cls, db: sqlite_utils.Database, vectors: VectorIndex, lexical: LexicalIndex | None = None
    ) -> SearchIndex:
        """The passages in ``db``; with ``lexical`` (loaded from disk) their BM25 is not built again."""
        return cls(read_passages(db), vectors, lexical)

    def __len__(self) -> int:
        return len(self.passages)

    def idf(self, term: str) -> float:
        """How rare ``term`` is in the guidance (unknown terms count as the rarest)."""
        n = max(len(self.passages), 1)
        return float(np.log((n + 1) / (self.document_frequency.get(term, 0) + 0.5)))

    # --- the two retrievers -----------------------------------------------------------------------------------------

    def lexical(self, question: str, n: int = CANDIDATES) -> list[tuple[int, float]]:
        terms = lexical_terms(question)
        if not terms or not self.passages:
            return []
        scores = self._bm25.get_scores(terms)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def dense(self, query_vector: np.ndarray, n: int = CANDIDATES) -> list[tuple[int, float]]:
        ids, scores = self.vectors.search(query_vector, n)
        out = []
        for vector_id, score in zip(ids.tolist(), scores.tolist(), strict=True):
            position = self._by_vector_id.get(vector_id)
            if position is not None:
                out.append((position, float(score)))
        return out

    # --- fused search -------------------------------------------------------------------------------------------

    def search(
        self, question: str, query_vector: np.ndarray | None, k: int = 5, mode: str = "hybrid"
    ) -> list[Hit]:
        """The ``k`` best distinct passages for ``question`` (``query_vector``: its embedding via query_text)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        lexical = self.lexical(question) if mode != "dense" else []
        dense = self.dense(query_vector) if mode != "lexical" and query_vector is not None else []
        lexical_score = dict(lexical)
        dense_score = dict(dense)
        candidates = list(dict.fromkeys([p for p, _ in lexical] + [p for p, _ in dense]))
        if mode == "hybrid" and query_vector is not None:
            # Lexical-only candidates get their exact cosine too, for the fusion and for the confidence.
            missing = [p for p in candidates if p not in dense_score]
            dense_score.update(self._cosines(missing, query_vector))
        best_lexical = max(lexical_score.values(), default=0.0) or 1.0
        fused = {}
        for p in candidates:
            lexical_part = lexical_score.get(p, 0.0) / best_lexical
            dense_part = dense_score.get(p, 0.0)
            if mode == "hybrid":
                fused[p] = LEXICAL_WEIGHT * lexical_part + (1 - LEXICAL_WEIGHT) * dense_part
            else:
                fused[p] = lexical_part if mode == "lexical" else dense_part
        order = sorted(fused, key=lambda p: -fused[p])
        hits = [
            Hit(self.passages[p], fused[p], dense_score.get(p, 0.0), lexical_score.get(p, 0.0)) for p in order
        ]
        return self.collapse_duplicates(hits, limit=k)

    def _cosines(self, positions: list[int], query_vector: np.ndarray) -> dict[int, float]:
        index = self.vectors._index
        out = {}
        for position in positions:
            try:
                vector = index.reconstruct(int(self.passages[position].vector_id))
            except RuntimeError:
                continue
            out[position] = float(np.dot(vector, query_vector))
        return out

    def collapse_duplicates(self, hits: list[Hit], limit: int | None = None) -> list[Hit]:
        """Keep one of each passage that appears in two copies of a document, at the better rank.

        Only the first ``limit`` distinct passages are collected (with the hits after them still able to replace
        a kept passage by a preferred copy within the candidates looked at).
        """
        kept: list[Hit] = []
        by_heading: dict[tuple[str, str], list[int]] = {}
        for hit in hits:
            key = (_norm(hit.passage.title), _norm(hit.passage.section))
            twin = next(
                (i for i in by_heading.get(key, []) if _same_text(hit.passage, kept[i].passage)), None
            )
            if twin is None:
                if limit is None or len(kept) < limit:
                    by_heading.setdefault(key, []).append(len(kept))
                    kept.append(hit)
            elif _preferred(hit.passage, kept[twin].passage):
                kept[twin] = replace(kept[twin], passage=hit.passage)
        return kept


def _same_text(a: Passage, b: Passage) -> bool:
    """Two passages under the same title and section, from different documents, mostly the same words."""
    if a.document_id == b.document_id:
        return False
    wa, wb = _word_set(a.text), _word_set(b.text)
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _preferred(candidate: Passage, current: Passage) -> bool:
    """Whether ``candidate`` is the better copy: newer updated date, then richer metadata, then the source format."""

    def rank(p: Passage) -> tuple:
        richness = sum(1 for value in (p.version, p.updated, p.source) if value)
        return (p.updated or "", richness, -_KIND_PREFERENCE.get(p.kind, 9))

    return rank(candidate) > rank(current)
