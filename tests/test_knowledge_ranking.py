"""Ranking: a passage's similarity counts its best window and, in part, the mean of all its windows; BM25's best
passage stays among the first three."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.fusion import LEXICAL_PLACE, WINDOW_MEAN_SHARE, keep_lexical_best, passage_similarity
from knowledge.search import SearchIndex
from knowledge.store import Passage, VectorIndex


def passage(n: int, text: str) -> Passage:
    return Passage(f"c{n}", n, f"doc{n}.md", f"Doc {n}", "S", text, "markdown")


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_passage_similarity_is_the_best_window_blended_with_the_windows_mean():
    assert passage_similarity([0.8]) == pytest.approx(0.8)  # one window: its cosine, whatever the share
    assert passage_similarity([0.9, 0.3], mean_share=0.0) == pytest.approx(0.9)
    assert passage_similarity([0.9, 0.3], mean_share=0.5) == pytest.approx(0.5 * 0.9 + 0.5 * 0.6)
    assert passage_similarity([]) == 0.0
    assert 0 < WINDOW_MEAN_SHARE < 1


def test_window_similarities_reads_every_window_of_each_passage_and_follows_additions_and_removals():
    store = VectorIndex(3)
    store.add(
        [1, 1, 1, 2], np.vstack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 1, 0), unit(0, 0, 1)]), [0, 1, 2, 0]
    )
    query = unit(1, 0, 0)
    first, second, absent = store.window_similarities([1, 2, 5], query)
    assert first == pytest.approx([1.0, 0.0, 0.7071], abs=1e-3)  # half-precision vectors
    assert second == pytest.approx([0.0], abs=1e-3)
    assert len(absent) == 0
    store.add([5], unit(1, 0, 0).reshape(1, -1))
    store.remove([1])
    first, absent_now = store.window_similarities([5, 1], query)
    assert first == pytest.approx([1.0], abs=1e-3) and len(absent_now) == 0
    assert [len(s) for s in store.window_similarities([], query)] == []


def test_a_passage_about_the_subject_throughout_beats_a_long_one_with_one_matching_stretch():
    focused = passage(1, "Where QT is carried out.")
    sprawling = passage(2, "A long note that touches QT once among many other subjects.")
    store = VectorIndex(3)
    store.add([1], unit(0.85, 0.53, 0).reshape(1, -1))
    # The long passage: one window closer to the question than the focused passage, three far from it.
    store.add(
        [2] * 4, np.vstack([unit(1, 0.2, 0), unit(0, 0, 1), unit(0, 1, 1), unit(0.1, 0, 1)]), [0, 1, 2, 3]
    )
    index = SearchIndex([focused, sprawling], store)
    query = unit(1, 0, 0)
    index.window_mean_share = 0.0  # the best window alone: the long passage's one stretch wins
    assert index.search("unrelated words", query, k=2)[0].passage.chunk_id == "c2"
    index.window_mean_share = WINDOW_MEAN_SHARE
    hits = index.search("unrelated words", query, k=2)
    assert [h.passage.chunk_id for h in hits] == ["c1", "c2"]
    # The confidence still reads the best window's cosine.
    assert hits[1].dense == pytest.approx(float(unit(1, 0.2, 0) @ query), abs=1e-3)
    # Measuring the dense retriever alone keeps the best-window score.
    assert index.search("unrelated words", query, k=2, mode="dense")[0].passage.chunk_id == "c2"


def test_keep_lexical_best_moves_it_up_to_its_place_and_leaves_the_rest_in_order():
    assert keep_lexical_best([10, 11, 12, 13, 14], 14, place=3) == [10, 11, 14, 12, 13]
    assert keep_lexical_best([10, 11, 12, 13], 11, place=3) == [10, 11, 12, 13]  # already higher: unchanged
    assert keep_lexical_best([10, 11, 12, 13], 12, place=3) == [10, 11, 12, 13]  # at its place: unchanged
    assert keep_lexical_best([10, 11], None) == [10, 11]
    assert LEXICAL_PLACE == 3


def test_the_best_passage_by_words_stays_in_the_first_three_when_the_model_ranks_it_lower():
    """Four passages the model finds nearer the question, one that holds its words: that one is shown third."""
    passages = [passage(n, f"Other note {n} about testing in general.") for n in range(1, 5)]
    passages.append(passage(5, "Send the Placing Reliance Proposal Form to the Code Bodies."))
    store = VectorIndex(2)
    for n, closeness in zip(range(1, 6), (0.95, 0.9, 0.85, 0.8, 0.1), strict=True):
        store.add([n], unit(closeness, 1 - closeness).reshape(1, -1))
    index = SearchIndex(passages, store)
    query = unit(1, 0)
    question = "which placing reliance proposal form goes to the code bodies"
    assert index.lexical(question)[0][0] == 4  # the fifth passage holds the question's words
    hits = index.search(question, query, k=5)
    assert [h.passage.chunk_id for h in hits] == ["c1", "c2", "c5", "c3", "c4"]
    assert hits[2].score < hits[3].score  # placed, not rescored
    lexical_hits = index.search(question, query, k=5, mode="lexical")
    assert lexical_hits[0].passage.chunk_id == "c5"
    dense_hits = index.search(question, query, k=5, mode="dense")
    assert [h.passage.chunk_id for h in dense_hits][-1] == "c5"  # each retriever alone is left as it ranks
