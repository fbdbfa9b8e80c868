"""Incremental indexing: only changed documents are re-embedded, removed ones dropped, crashes leave the old index."""

from __future__ import annotations

import datetime
import json
import shutil

import numpy as np
import pytest

import knowledge.store
from bot.knowledge_base import index_guidance, open_knowledge_base
from bot.storage import connect
from knowledge.ct2_encoder import KIND
from knowledge.errors import IndexMismatchError, IndexMissingError
from knowledge.search import SearchIndex
from knowledge.store import load_vectors, read_passages, read_state
from tests.fixtures.knowledge import knowledge_settings_for, make_corpus

TODAY = datetime.date(2026, 11, 26)


class CountingEmbedder:
    """The real model, counting the passages it is asked to embed."""

    def __init__(self, embedder):
        self.inner = embedder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self.embedded = 0

    def encode(self, texts, show_progress=False):
        self.embedded += len(texts)
        return self.inner.encode(texts)

    def encode_query(self, text):
        return self.inner.encode_query(text)


@pytest.fixture
def corpus_and_settings(tmp_path):
    corpus = make_corpus(tmp_path / "guidance", notes=("06_qad-guide.md", "16_faq.md"), copies=())
    return corpus, knowledge_settings_for(tmp_path / "data", corpus)


def rows(settings):
    db = connect(settings.database_path)
    try:
        documents = {r["id"]: r["sha256"] for r in db.query("SELECT id, sha256 FROM documents")}
        chunks = {r["id"]: r["vector_id"] for r in db.query("SELECT id, vector_id FROM chunks")}
        return documents, chunks, read_state(db)
    finally:
        db.conn.close()


def test_only_changed_documents_are_re_embedded_and_removed_ones_dropped(
    corpus_and_settings, knowledge_embedder
):
    corpus, settings = corpus_and_settings
    embedder = CountingEmbedder(knowledge_embedder)
    first = index_guidance(settings, embedder=embedder)
    assert sorted(first.added) == ["06_qad-guide.md", "16_faq.md"]
    assert first.chunks_embedded == first.chunks_total > 0
    # Each passage is embedded as one or more windows the encoder reads whole.
    assert embedder.embedded == first.windows_embedded >= first.chunks_embedded
    documents, chunks, state = rows(settings)

    embedder.embedded = 0
    unchanged = index_guidance(settings, embedder=embedder)
    assert sorted(unchanged.unchanged) == ["06_qad-guide.md", "16_faq.md"]
    assert embedder.embedded == 0
    assert rows(settings)[2] == state  # nothing rewritten

    faq = corpus / "16_faq.md"
    faq.write_text(
        faq.read_text(encoding="utf-8") + "\n## Z. New question\n\nKestrel opens at 9am.\n", "utf-8"
    )
    (corpus / "06_qad-guide.md").unlink()
    changed = index_guidance(settings, embedder=embedder)
    assert (changed.updated, changed.removed, changed.unchanged) == (["16_faq.md"], ["06_qad-guide.md"], [])
    documents, chunks, new_state = rows(settings)
    assert set(documents) == {"16_faq.md"}
    assert embedder.embedded == changed.windows_embedded and len(chunks) == changed.chunks_total
    assert new_state.vectors_file != state.vectors_file
    assert not (settings.index_dir / state.vectors_file).exists()
    kb = open_knowledge_base(settings, embedder=knowledge_embedder)
    assert kb.search_index.vectors.passage_count == len(chunks)
    assert len(kb.search_index.vectors) == changed.windows_embedded  # no window of a removed passage is left
    assert kb.search("When does Kestrel open?", k=1)[0].passage.section == "Z. New question"
    assert all(h.passage.document_id == "16_faq.md" for h in kb.search("Who signs the final QAD?", k=5))


def test_unreadable_files_are_listed_and_the_rest_indexed_keeping_earlier_passages(
    corpus_and_settings, knowledge_embedder
):
    corpus, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "data.bin").write_bytes(b"\x00\x01\x02")
    (corpus / "16_faq.md").write_bytes(b"\x00\x9f\x92\x96" * 100)  # an indexed file turned to junk
    report = index_guidance(settings, embedder=knowledge_embedder)
    failed = dict(report.failed)
    assert set(failed) == {str(corpus / n) for n in ("broken.pdf", "empty.txt", "data.bin", "16_faq.md")}
    assert "PDF" in failed[str(corpus / "broken.pdf")]
    assert "empty" in failed[str(corpus / "empty.txt")]
    assert "unsupported" in failed[str(corpus / "data.bin")]
    assert "binary" in failed[str(corpus / "16_faq.md")]
    assert report.removed == []
    assert set(rows(settings)[0]) == {"06_qad-guide.md", "16_faq.md"}


def test_a_crash_before_the_database_switches_leaves_the_previous_index_usable(
    corpus_and_settings, knowledge_embedder
):
    corpus, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    before = rows(settings)
    shutil.copyfile(corpus / "16_faq.md", corpus / "copy_of_faq.md")

    class Killed(Exception):
        pass

    def crash_after_writing_vectors(stage, done, total):
        if stage == "writing" and done == 1:
            raise Killed

    with pytest.raises(Killed):
        index_guidance(settings, progress=crash_after_writing_vectors, embedder=knowledge_embedder)
    assert rows(settings) == before
    assert len(list(settings.index_dir.glob("*.faiss"))) == 2  # the new file exists but is not in use
    kb = open_knowledge_base(settings, embedder=knowledge_embedder)
    assert kb.search_index.vectors.passage_count == len(before[1])
    assert kb.ask("Who signs off the QAD once its content is complete?").answered

    report = index_guidance(settings, embedder=knowledge_embedder)
    assert report.added == ["copy_of_faq.md"]
    assert len(list(settings.index_dir.glob("*.faiss"))) == 1


def test_missing_index_and_changed_model_give_clear_errors(tmp_path, corpus_and_settings, knowledge_embedder):
    corpus, settings = corpus_and_settings
    with pytest.raises(IndexMissingError, match="mhhs-bot index"):
        open_knowledge_base(settings, embedder=knowledge_embedder)
    index_guidance(settings, embedder=knowledge_embedder)
    other = knowledge_settings_for(settings.data_dir, corpus, embedding_model=str(tmp_path / "another-model"))
    db = connect(other.database_path)
    with pytest.raises(IndexMismatchError, match="index --rebuild"):
        load_vectors(db, other.index_dir, other.knowledge.embedding_model)
    db.conn.close()


def test_rebuild_re_embeds_everything_and_keeps_team_answers(corpus_and_settings, knowledge_embedder):
    import datetime

    corpus, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    kb = open_knowledge_base(settings, embedder=knowledge_embedder)
    kb.add_team_answer(
        "A7", "Is there parking at the DIP open day?", "No parking on site.", "U1", datetime.date(2026, 5, 1)
    )
    documents, chunks, _ = rows(settings)
    report = index_guidance(settings, rebuild=True, embedder=knowledge_embedder)
    assert report.rebuilt and report.chunks_embedded == len(chunks)
    # Every file is embedded again, yet none of them changed.
    assert not report.added and not report.updated
    assert (
        sorted(report.reembedded)
        == sorted(report.unchanged)
        == sorted(d for d in documents if "team-answer" not in d)
    )
    after_documents, after_chunks, _ = rows(settings)
    assert set(after_documents) == set(documents) and "team-answer:A7" in after_documents
    assert set(after_chunks) == set(chunks)  # stable ids
    assert not set(after_chunks.values()) & set(chunks.values())  # all new vectors
    rebuilt = open_knowledge_base(settings, embedder=knowledge_embedder)
    assert rebuilt.search("Is there parking at the DIP open day?", k=1)[0].passage.kind == "team-answer"


def test_a_running_knowledge_base_adds_team_answers_on_top_of_a_newer_index(
    corpus_and_settings, knowledge_embedder
):
    import datetime

    corpus, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    running = open_knowledge_base(settings, embedder=knowledge_embedder)
    (corpus / "kestrel.md").write_text(
        "# Kestrel hours\n\nKestrel support opens at 9am on working days.\n", "utf-8"
    )
    index_guidance(settings, embedder=knowledge_embedder)  # as `mhhs-bot index` run beside the assistant
    running.add_team_answer(
        "B2",
        "Is Kestrel open at weekends?",
        "No, Kestrel is closed at weekends.",
        "U9",
        datetime.date(2026, 6, 1),
    )
    documents, chunks, state = rows(settings)
    assert {"kestrel.md", "team-answer:B2"} <= set(documents)
    assert running.search_index.vectors.passage_count == len(chunks) == len(running.search_index)
    assert running.search("When does Kestrel support open?", k=1)[0].passage.document_id == "kestrel.md"
    assert running.search("Is Kestrel open at weekends?", k=1)[0].passage.document_id == "team-answer:B2"


def test_indexing_one_extra_folder_leaves_the_rest_of_the_index_alone(
    tmp_path, corpus_and_settings, knowledge_embedder
):
    corpus, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "note.md").write_text("# Extra\n\nThe extra note about Kestrel hours.\n", "utf-8")
    report = index_guidance(settings, paths=[extra], embedder=knowledge_embedder)
    assert (report.added, report.removed) == (["note.md"], [])
    assert set(rows(settings)[0]) == {"06_qad-guide.md", "16_faq.md", "note.md"}
    (extra / "note.md").unlink()
    assert index_guidance(settings, paths=[extra], embedder=knowledge_embedder).removed == ["note.md"]
    assert set(rows(settings)[0]) == {"06_qad-guide.md", "16_faq.md"}


def _lexical_folders(settings):
    return sorted(p.name for p in settings.index_dir.glob("*.lexical"))


def test_the_lexical_index_is_saved_with_the_vectors_and_read_back_without_re_tokenising(
    corpus_and_settings, knowledge_embedder
):
    _, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    state = rows(settings)[2]
    assert _lexical_folders(settings) == [state.vectors_file.removesuffix(".faiss") + ".lexical"]

    kb = open_knowledge_base(settings, embedder=knowledge_embedder)
    loaded = kb.search_index
    assert isinstance(loaded.lexical_index.bm25.scores["data"], np.memmap)  # read from disk, not built
    db = connect(settings.database_path)
    fresh = SearchIndex(read_passages(db), loaded.vectors)  # BM25 built anew from the same rows
    db.conn.close()
    assert loaded.document_frequency == fresh.document_frequency
    assert loaded.lowercase_words == fresh.lowercase_words
    for question in (
        "Who signs off the QAD?",
        "What happens at the Qualification Assessment Document stage?",
    ):
        saved, built = loaded.lexical(question), fresh.lexical(question)
        assert [p for p, _ in saved] == [p for p, _ in built]
        assert [s for _, s in saved] == pytest.approx([s for _, s in built])

    kb.add_team_answer("t1", "Where do I send the QAD?", "Send it to the qualification mailbox.", "A", TODAY)
    after = read_state(kb.db)
    assert _lexical_folders(settings) == [after.vectors_file.removesuffix(".faiss") + ".lexical"]
    restarted = open_knowledge_base(settings, embedder=knowledge_embedder)
    assert restarted.search("Where do I send the QAD?", k=1)[0].passage.kind == "team-answer"


def test_a_crash_while_writing_the_lexical_index_leaves_the_previous_index_usable(
    corpus_and_settings, knowledge_embedder, monkeypatch
):
    corpus, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    before = rows(settings)
    folders = _lexical_folders(settings)
    shutil.copyfile(corpus / "16_faq.md", corpus / "copy_of_faq.md")
    # The BM25 arrays are written, then writing the passage list fails (as a full disk or a kill would).
    monkeypatch.setattr(knowledge.store, "_LEXICAL_META", "no-such-folder/passages.json")
    with pytest.raises(OSError):
        index_guidance(settings, embedder=knowledge_embedder)
    monkeypatch.undo()
    assert rows(settings) == before
    assert _lexical_folders(settings) == folders
    kb = open_knowledge_base(settings, embedder=knowledge_embedder)
    assert kb.ask("Who signs off the QAD once its content is complete?").answered

    assert index_guidance(settings, embedder=knowledge_embedder).added == ["copy_of_faq.md"]
    assert len(_lexical_folders(settings)) == 1
    assert open_knowledge_base(settings, embedder=knowledge_embedder).ask("Who signs off the QAD?").answered


def test_an_index_without_its_lexical_index_asks_for_mhhs_bot_index_which_restores_it(
    corpus_and_settings, knowledge_embedder
):
    _, settings = corpus_and_settings
    index_guidance(settings, embedder=knowledge_embedder)
    (folder,) = settings.index_dir.glob("*.lexical")
    shutil.rmtree(folder)  # as an index written before the lexical index was saved
    with pytest.raises(IndexMismatchError, match="older version.*mhhs-bot index"):
        open_knowledge_base(settings, embedder=knowledge_embedder)

    embedder = CountingEmbedder(knowledge_embedder)
    report = index_guidance(settings, embedder=embedder)
    assert embedder.embedded == 0 and report.chunks_embedded == 0
    assert open_knowledge_base(settings, embedder=knowledge_embedder).ask("Who signs off the QAD?").answered

    meta = folder / "passages.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "format": 0}))
    with pytest.raises(IndexMismatchError, match="format 0.*mhhs-bot index"):
        open_knowledge_base(settings, embedder=knowledge_embedder)


def test_an_index_of_one_precision_is_never_searched_with_the_other(tmp_path, corpus_and_settings):
    corpus, settings = corpus_and_settings  # the default: int8
    float32 = settings.replace(embedding_precision="float32")
    index_guidance(float32)
    _, chunks, state = rows(float32)
    assert state.encoder == "float32"
    with pytest.raises(IndexMismatchError, match="mhhs-bot index"):
        open_knowledge_base(settings)
    # Adding a folder with the other precision would mix the two kinds of vector: refused, nothing written.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "note.md").write_text("# Note\n\nQT runs in the DIP pre-production environment.\n", "utf-8")
    with pytest.raises(IndexMismatchError, match="MHHS_EMBEDDING_PRECISION"):
        index_guidance(settings, paths=[extra])
    assert rows(settings)[2] == state
    # A plain `mhhs-bot index` re-embeds every passage with the configured precision.
    report = index_guidance(settings)
    _, rechunks, new_state = rows(settings)
    assert report.rebuilt and report.chunks_embedded == report.chunks_total == len(chunks)
    assert new_state.encoder == KIND and set(rechunks.values()).isdisjoint(chunks.values())
    kb = open_knowledge_base(settings)
    assert kb.embedder.encoder == KIND
    assert "06_qad-guide.md" in {h.passage.document_id for h in kb.search("Who signs the final QAD?", k=3)}
    with pytest.raises(IndexMismatchError, match="float32"):
        open_knowledge_base(float32)


def test_an_index_of_the_earlier_int8_encoder_is_re_embedded_by_a_plain_index(corpus_and_settings):
    _, settings = corpus_and_settings
    index_guidance(settings)
    _, chunks, _ = rows(settings)
    db = connect(settings.database_path)
    with db.conn:  # as an earlier version left it: int8 vectors from ONNX Runtime's quantised graph
        db.execute("UPDATE index_state SET encoder = 'int8' WHERE id = 1")
    db.conn.close()
    with pytest.raises(IndexMismatchError, match=f"holds int8 vectors but questions are embedded as {KIND}"):
        open_knowledge_base(settings)
    report = index_guidance(settings)
    _, rechunks, state = rows(settings)
    assert report.rebuilt and report.chunks_embedded == report.chunks_total == len(chunks)
    assert state.encoder == KIND and set(rechunks.values()).isdisjoint(chunks.values())
    assert open_knowledge_base(settings).embedder.encoder == KIND
