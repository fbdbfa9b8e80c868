"""Passages embedded as windows the encoder reads whole: sizes, overlap, best-window scoring, the old layout."""

from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge_base import index_guidance, open_knowledge_base
from bot.storage import connect
from knowledge.chunk import WINDOW_TOKENS, embedding_windows
from knowledge.errors import IndexMismatchError
from knowledge.store import WINDOW_SLOTS, VectorIndex, read_state
from tests.fixtures.knowledge import knowledge_settings_for, make_corpus

LONG = " ".join(
    f"Step {n}: the participant completes Qualification Testing task number {n} and records its evidence in ADO."
    for n in range(1, 61)
)


def test_a_long_passage_becomes_overlapping_windows_within_the_encoders_limit(knowledge_embedder):
    count = knowledge_embedder.count_tokens
    windows = embedding_windows("QT guide", "4. Execution > 4.2 Steps", LONG, count)
    assert len(windows) >= 4
    for window in windows:
        assert window.startswith("4. Execution > 4.2 Steps\n")  # the section path heads every window
        assert count(window) + 2 <= WINDOW_TOKENS  # with the start and end markers
    # Every sentence is in some window, and consecutive windows share their edge sentences.
    for n in (1, 30, 60):
        assert any(f"task number {n} " in w for w in windows)
    for before, after in zip(windows, windows[1:], strict=False):
        first_of_next = after.split("\n", 1)[1].split(": ", 1)[0]  # "Step N"
        assert first_of_next in before


def test_a_short_passage_is_one_window_and_a_giant_sentence_is_cut_between_words():
    assert embedding_windows("T", "S", "One short sentence.") == ["S\nOne short sentence."]
    giant = " ".join(["word"] * 1000)  # no sentence boundary at all
    windows = embedding_windows("T", "", giant)
    assert len(windows) > 3 and sum(w.count("word") for w in windows) >= 1000


def test_a_passage_scores_by_its_best_window_and_removal_drops_every_window():
    store = VectorIndex(3)
    store.add([7, 7, 7, 9], np.eye(3, dtype=np.float32)[[0, 1, 2, 0]] * [[1], [1], [1], [0.5]], [0, 1, 2, 0])
    assert len(store) == 4 and store.passage_count == 2
    ids, scores = store.search(np.array([0.0, 1.0, 0.0], dtype=np.float32), 5)
    assert ids.tolist()[0] == 7 and scores[0] == pytest.approx(1.0)  # window 1 of passage 7
    assert len(store.passage_vectors(7)) == 3
    store.remove([7])
    assert len(store) == 1 and store.passage_vectors(7).shape == (0, 3)
    with pytest.raises(ValueError, match="at most"):
        store.add([1], np.ones((1, 3), dtype=np.float32), [WINDOW_SLOTS])


def test_an_index_of_the_earlier_one_vector_layout_asks_for_mhhs_bot_index(tmp_path, knowledge_embedder):
    corpus = make_corpus(tmp_path / "guidance", notes=("06_qad-guide.md",), copies=())
    settings = knowledge_settings_for(tmp_path / "data", corpus)
    index_guidance(settings, embedder=knowledge_embedder)
    db = connect(settings.database_path)
    state = read_state(db)
    old_name = "vectors-20261101T000000-abcdef12.faiss"  # as an earlier version named its files
    (settings.index_dir / state.vectors_file).rename(settings.index_dir / old_name)
    db.execute("UPDATE index_state SET vectors_file = ? WHERE id = 1", [old_name])
    db.conn.close()
    with pytest.raises(IndexMismatchError, match="run `mhhs-bot index`"):
        open_knowledge_base(settings, embedder=knowledge_embedder)
    report = index_guidance(settings, embedder=knowledge_embedder)  # unchanged files, but every passage anew
    assert report.rebuilt and report.chunks_embedded == report.chunks_total > 0
    kb = open_knowledge_base(settings, embedder=knowledge_embedder)
    assert kb.ask("Who signs off the QAD once its content is complete?").answered
