"""Score fusion: the lexical (BM25) and dense (cosine) scores of the candidates combined into one ordering.

BM25 scores have no fixed scale, so each is divided by the question's best BM25 score; the result is mixed linearly
with the passage's similarity to the question (:func:`passage_similarity`: its best window's cosine, partly its
windows' mean); BM25's best passage then keeps a place among the first three (:func:`keep_lexical_best`). The
lexical and dense modes (for measuring each retriever alone) use one score only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

# Fused score = LEXICAL_WEIGHT x (BM25 / best BM25 for the question) + (1 - LEXICAL_WEIGHT) x passage similarity.
# 0.3 was chosen by benchmarks/answer_cv.py in every fold (from 0.2-0.5; from 0.1-0.6 in a wider trial), together with
# WINDOW_MEAN_SHARE; 0.4 with the best window alone, 0.6 before windows.
LEXICAL_WEIGHT = 0.3
# Passage similarity = (1 - WINDOW_MEAN_SHARE) x best window's cosine + WINDOW_MEAN_SHARE x mean of its windows'
# cosines. A passage about the asked subject throughout beats a long one with one matching stretch among others on
# other things. With the int8 (CTranslate2) encoder's vectors, 0.3 was chosen in every fold and on all the questions
# (from 0-0.6; also 0.3 with the float32 vectors, 0.45 with the earlier ONNX Runtime int8 ones); a passage of one
# window is unaffected.
WINDOW_MEAN_SHARE = 0.3
MODES = ("hybrid", "lexical", "dense")
# The lexical retriever's best passage is ranked no lower than this place. Where BM25 and the model disagree, the
# fused order follows the model (cosines spread wider than BM25 scores divided by the best), and on saved public pages,
# whose wording the model reads less well, BM25 alone had found more answers in its first 3 than the fusion. The first
# two places, and so the decline (which looks at them), do not change. Measured and not kept: 2nd place (one more
# answer wrongly declined on a written-apart set), and BM25's second best no lower than 4th or 5th as well (one answer
# fewer at @5 on the own set, one more on a page set); see docs/benchmarks.md.
LEXICAL_PLACE = 3


def passage_similarity(window_cosines: Sequence[float], mean_share: float = WINDOW_MEAN_SHARE) -> float:
    """A passage's similarity to the question from its windows' cosines (0 when it has none)."""
    if not len(window_cosines):
        return 0.0
    best = float(max(window_cosines))
    return (1 - mean_share) * best + mean_share * float(sum(window_cosines)) / len(window_cosines)


def keep_lexical_best(order: list[int], best: int | None, place: int = LEXICAL_PLACE) -> list[int]:
    """``order`` (passage positions, fused order) with ``best`` (the lexical retriever's best passage) moved up to
    ``place`` (counted from 1) when it is ranked lower."""
    if best is None or best not in order[place:]:
        return order
    order = [p for p in order if p != best]
    order.insert(place - 1, best)
    return order


def fuse(
    candidates: Iterable[int],
    lexical: Mapping[int, float],
    dense: Mapping[int, float],
    mode: str = "hybrid",
    lexical_weight: float = LEXICAL_WEIGHT,
) -> dict[int, float]:
    """The fused score of each candidate (a passage position), from its BM25 and cosine scores (0 when absent)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    best_lexical = max(lexical.values(), default=0.0) or 1.0
    fused = {}
    for p in candidates:
        lexical_part = lexical.get(p, 0.0) / best_lexical
        dense_part = dense.get(p, 0.0)
        if mode == "hybrid":
            fused[p] = lexical_weight * lexical_part + (1 - lexical_weight) * dense_part
        else:
            fused[p] = lexical_part if mode == "lexical" else dense_part
    return fused
