"""Hybrid retrieval (the read path): BM25 over stemmed words fused with dense (embedding) similarity.

Passages (chunk rows joined with their documents) are read from SQLite once; FAISS returns vector ids, which are
mapped back to passages here. Both retrievers see the document title and section path with the passage text, and
both see acronyms expanded (see :mod:`knowledge.terms`), so "QAD" matches "Qualification Assessment Document".

The two scores are fused by :func:`knowledge.fusion.fuse`; on the dense side each candidate counts by its best window
and, in part, by the mean of its windows (:func:`knowledge.fusion.passage_similarity`). Passages that are the same text in two copies of one
document (for example the Markdown and the PDF version of a note) are collapsed into one, keeping the copy with the
newer ``updated`` date, then the richer metadata.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, replace

import numpy as np
import sqlite_utils

from knowledge.checks import entry_names
from knowledge.errors import IndexMismatchError
from knowledge.fusion import (
    LEXICAL_WEIGHT,
    MODES,
    WINDOW_MEAN_SHARE,
    fuse,
    keep_lexical_best,
    passage_similarity,
)
from knowledge.store import LEXICAL_HINT, LexicalIndex, Passage, VectorIndex, read_passages
from knowledge.terms import expand_shorthand, expansion_terms, lexical_terms

CANDIDATES = 60
MIN_CORRECTED_LENGTH = 4  # shorter words are never corrected ("pit" is not a typo of "pip")
_WORD = re.compile(r"[A-Za-z]+")
_KIND_PREFERENCE = {"team-answer": 0, "markdown": 1, "docx": 2, "html": 3, "text": 4, "pdf": 5}


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score, for ordering only
    dense: float  # cosine similarity of question and passage (0 when not among the dense candidates)
    lexical: float  # BM25 score (0 when not among the lexical candidates)


def query_text(question: str) -> str:
    """The question as the dense retriever sees it: acronyms followed by their expansions."""
    extra = expansion_terms(question)
    return f"{question} ({extra})" if extra else question


_NORMALISE = re.compile(r"[^a-z0-9]+")


def _stem(word: str) -> str:
    terms = lexical_terms(word, expand=False)
    return terms[0] if terms else word


@functools.lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    return _NORMALISE.sub(" ", text.lower()).strip()


@functools.lru_cache(maxsize=65536)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(_norm(text).split())


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
        self.lexical_weight = LEXICAL_WEIGHT  # of the fusion; benchmarks/answer_cv.py varies it
        self.window_mean_share = WINDOW_MEAN_SHARE  # likewise
        self._bm25 = lexical.bm25
        self.lowercase_words = lexical.lowercase_words
        self.document_frequency = lexical.document_frequency
        self.vocabulary = set(self.document_frequency)
        self.sorted_vocabulary = sorted(self.vocabulary)  # for prefix look-ups and corrections
        self._corrections: dict[str, str | None] = {}
        self.known_words = sorted(w.lower() for w in self.lowercase_words if w.isalpha() and len(w) >= 3)
        # Words of everyday English (the embedding model's whole-word vocabulary): a word the guidance never uses is
        # only taken for a misspelling when it is not one of these ("rate" is not "date", "fuel" is not "full").
        self.everyday_words = frozenset()
        # Term -> the passages with an entry for it (see entries_for), made on first use.
        self._entries: dict[str, list[int]] | None = None
        self._entries_lock = threading.Lock()

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

    def correct(self, term: str) -> str | None:
        """The guidance's own term that ``term`` (a stemmed word it never uses) is a misspelling of, or None.

        One edit away for words of up to seven letters, two for longer ones; ties go to the more frequent term.
        """
        if (
            term in self.document_frequency
            or len(term) < MIN_CORRECTED_LENGTH
            or any(c.isdigit() for c in term)
            or term in self.everyday_words
        ):
            return None
        if term not in self._corrections:
            from rapidfuzz.distance import Levenshtein
            from rapidfuzz.process import extract

            limit = 1 if len(term) <= 7 else 2
            found = extract(
                term, self.sorted_vocabulary, scorer=Levenshtein.distance, score_cutoff=limit, limit=8
            )
            best = min(
                (m for m in found if len(m[0]) >= MIN_CORRECTED_LENGTH),
                key=lambda m: (m[1], -self.document_frequency.get(m[0], 0)),
                default=None,
            )
            if len(self._corrections) > 65536:
                self._corrections.clear()
            self._corrections[term] = best[0] if best else None
        return self._corrections[term]

    def normalise_question(self, question: str) -> str:
        """The question as searched: everyday shorthand written out, misspelt words replaced by the guidance's.

        A word (four letters or more, not in capitals) whose stem the guidance never uses is replaced by the
        guidance word closest to it: one edit away (a transposition counts as one) for words of up to seven
        letters, two for longer ones ("qualfication" -> "qualification", "reprots" -> "reports"); of equally near
        words, the one in more passages ("finl" -> "final", not "fill").
        """
        text = expand_shorthand(question)
        return _WORD.sub(lambda m: self._corrected_word(m.group(0)), text)

    def _corrected_word(self, word: str) -> str:
        lower = word.lower()
        if len(word) < MIN_CORRECTED_LENGTH or word.isupper() or not word.isalpha():
            return word
        key = "w:" + lower
        if key not in self._corrections:
            stem = lexical_terms(lower, expand=False)
            fixed = None
            if (
                stem
                and stem[0] not in self.document_frequency
                and lower not in self.lowercase_words
                and lower not in self.everyday_words
            ):
                from rapidfuzz.distance import OSA
                from rapidfuzz.process import extract

                limit = 1 if len(lower) <= 7 else 2
                found = extract(lower, self.known_words, scorer=OSA.distance, score_cutoff=limit, limit=10)
                # The nearest; among equally near words, the one the guidance uses in more passages.
                best = min(
                    found,
                    key=lambda m: (m[1], -self.document_frequency.get(_stem(m[0]), 0), m[0]),
                    default=None,
                )
                fixed = best[0] if best else None
                if best and best[1] > 1 and self.everyday_words:
                    # An everyday English word nearer than the guidance's is the word meant ("somthing" is
                    # "something", not "nothing").
                    nearer = extract(
                        lower, self._everyday_in_order, scorer=OSA.distance, score_cutoff=best[1] - 1, limit=1
                    )
                    if nearer:
                        fixed = nearer[0][0]
            if len(self._corrections) > 65536:
                self._corrections.clear()
            self._corrections[key] = fixed
        return self._corrections[key] or word

    @property
    def everyday_words(self) -> frozenset[str]:
        return self._everyday

    @everyday_words.setter
    def everyday_words(self, words: frozenset[str]) -> None:
        self._everyday = frozenset(words)
        # In order, so that of equally near everyday words the same one is chosen in every process.
        self._everyday_in_order = tuple(sorted(self._everyday))
        self._corrections.clear()  # corrections made without these words may be wrong now

    def corrected_terms(self, terms: list[str]) -> list[str]:
        """``terms`` with each misspelling of a guidance term replaced by that term."""
        return [self.correct(t) or t for t in terms]

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

    def entries_for(self, term: str, query_vector: np.ndarray | None) -> list[Hit]:
        """The passages with an entry for ``term`` (a table row or line naming it first, see
        knowledge.checks.entry_names), nearest to ``query_vector`` first; their scores are their similarity."""
        if self._entries is None:
            with self._entries_lock:
                if self._entries is None:
                    entries: dict[str, list[int]] = {}
                    for position, passage in enumerate(self.passages):
                        for name in entry_names(passage.text):
                            entries.setdefault(name, []).append(position)
                    self._entries = entries
        positions = self._entries.get(term.lower(), [])
        if not positions or query_vector is None:
            return []
        windows = self.vectors.window_similarities(
            [self.passages[p].vector_id for p in positions], query_vector
        )
        hits = [
            Hit(
                self.passages[p],
                passage_similarity(cosines, self.window_mean_share),
                float(np.max(cosines)),
                0.0,
            )
            for p, cosines in zip(positions, windows, strict=True)
            if len(cosines)
        ]
        return sorted(hits, key=lambda hit: -hit.score)

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
        similarity = dense_score
        if mode == "hybrid" and query_vector is not None:
            # Every candidate's windows are scored: lexical-only candidates get their exact best-window cosine too
            # (for the fusion and for the confidence), and each passage's similarity weighs in its windows' mean.
            windows = self.vectors.window_similarities(
                [self.passages[p].vector_id for p in candidates], query_vector
            )
            for p, cosines in zip(candidates, windows, strict=True):
                if p not in dense_score and len(cosines):
                    dense_score[p] = float(np.max(cosines))
            similarity = {
                p: passage_similarity(cosines, self.window_mean_share)
                for p, cosines in zip(candidates, windows, strict=True)
                if len(cosines)
            }
        fused = fuse(candidates, lexical_score, similarity, mode, self.lexical_weight)
        order = sorted(fused, key=lambda p: -fused[p])
        if mode == "hybrid":
            order = keep_lexical_best(order, lexical[0][0] if lexical else None)
        hits = [
            Hit(self.passages[p], fused[p], dense_score.get(p, 0.0), lexical_score.get(p, 0.0)) for p in order
        ]
        return self.collapse_duplicates(hits, limit=k)

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
