"""Hybrid search: BM25 and cosine fused, acronyms matching their expansions, duplicate copies collapsed."""

from __future__ import annotations

import numpy as np

from knowledge.search import SearchIndex, query_text
from knowledge.store import Passage, VectorIndex
from knowledge.terms import acronyms_in, expansion_terms, lexical_terms, words


def passage(n: int, text: str, **fields) -> Passage:
    values = {"document_id": f"doc{n}.md", "title": f"Doc {n}", "section": "S", "kind": "markdown"} | fields
    return Passage(chunk_id=f"c{n}", vector_id=n, text=text, **values)


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def index_of(passages: list[Passage], vectors: list[np.ndarray]) -> SearchIndex:
    store = VectorIndex(len(vectors[0]))
    store.add([p.vector_id for p in passages], np.vstack(vectors))
    return SearchIndex(passages, store)


def test_acronyms_and_expansions_match_each_other():
    assert acronyms_in("When is the final QAD due?") == ["QAD"]
    assert acronyms_in("the Qualification Assessment Document is signed") == ["QAD"]
    assert acronyms_in("Send the QA&P annex") == ["QA&P"]
    assert acronyms_in("we sit in a pit and dip our toes") == []  # English words are not acronyms
    assert "Data Integration Platform" in expansion_terms("DIP onboarding")
    assert set(lexical_terms("QAD")) >= set(lexical_terms("Qualification Assessment Document", expand=False))
    assert "qad" in lexical_terms("the qualification assessment documents")


def test_lexical_search_finds_a_passage_written_with_the_expansion():
    passages = [
        passage(1, "The Qualification Assessment Document is signed by a Company Director."),
        passage(2, "Service Activation takes one to two weeks."),
    ]
    index = index_of(passages, [unit(1, 0), unit(0, 1)])
    hits = index.search("Who signs the QAD?", None, k=2, mode="lexical")
    assert [h.passage.chunk_id for h in hits] == ["c1"]


def test_a_name_joined_by_underscores_is_one_word_and_its_parts_are_not_expanded_as_acronyms():
    assert words("Is the LDSO_QT mailbox monitored?") == ["Is", "the", "LDSO_QT", "mailbox", "monitored"]
    assert acronyms_in("Is the LDSO_QT mailbox monitored?") == []
    assert query_text("Is the LDSO_QT mailbox monitored?") == "Is the LDSO_QT mailbox monitored?"
    terms = lexical_terms("LDSO_QT mailbox")
    assert {"ldso_qt", "ldso", "qt", "mailbox"} <= set(terms)
    assert "qualif" not in terms and "distributor" not in terms  # not read as LDSO and QT
    assert "qualif" in lexical_terms("LDSO QT")  # written apart they are the acronyms


def test_the_mailbox_name_finds_the_passage_that_names_the_mailbox():
    passages = [
        passage(
            1, "Qualification Testing (QT) for a new LDSO runs in the DIP, and QT evidence goes into ADO."
        ),
        passage(2, "The LDSO_QT mailbox is no longer monitored."),
    ]
    index = index_of(passages, [unit(1, 0), unit(0, 1)])
    hits = index.search("Is the LDSO_QT mailbox still monitored?", None, k=2, mode="lexical")
    assert hits[0].passage.chunk_id == "c2"
    # Written apart, the words still reach the passage through the name's parts.
    hits = index.search("LDSO QT mailbox", None, k=2, mode="lexical")
    assert "c2" in [h.passage.chunk_id for h in hits] and hits[0].lexical > 0


def test_cant_is_cannot_and_typographic_apostrophes_read_as_plain_ones():
    assert lexical_terms("can't", expand=False) == ["cannot"]
    assert lexical_terms("Can\u2019t finish", expand=False) == ["cannot", "finish"]
    assert lexical_terms("the supplier\u2019s QAD doesn't", expand=False) == ["supplier", "qad"]
    passages = [
        passage(1, "Finishing QT: complete the test cases, then meet the exit criteria."),
        passage(2, "For any test you cannot finish in QT, write a work-off plan."),
    ]
    index = index_of(passages, [unit(1, 0), unit(0, 1)])
    hits = index.search("What if a test can\u2019t be finished in QT?", None, k=2, mode="lexical")
    assert hits[0].passage.chunk_id == "c2"


def test_fusion_weighs_lexical_and_dense_scores():
    passages = [
        passage(1, "Reliance proposal email subject line."),  # strong words, far in meaning
        passage(2, "Something unrelated in words."),  # no shared words, close in meaning
        passage(3, "Nothing to see here."),
    ]
    index = index_of(passages, [unit(0.2, 1, 0), unit(1, 0.05, 0), unit(0, 0, 1)])
    query = unit(1, 0, 0)
    index.lexical_weight = 0.6  # words weigh more than meaning here; the shipped weight is LEXICAL_WEIGHT
    dense = index.search("reliance proposal subject", query, k=3, mode="dense")
    lexical = index.search("reliance proposal subject", query, k=3, mode="lexical")
    hybrid = index.search("reliance proposal subject", query, k=3, mode="hybrid")
    assert dense[0].passage.chunk_id == "c2"
    assert [h.passage.chunk_id for h in lexical] == ["c1"]
    assert hybrid[0].passage.chunk_id == "c1"
    top = hybrid[0]
    assert top.score == np.float32(0.6 * 1.0 + (1 - 0.6) * top.dense)
    index.lexical_weight = 0.3  # meaning weighs more: the passage close in meaning wins
    assert index.search("reliance proposal subject", query, k=1)[0].passage.chunk_id == "c2"
    assert abs(hybrid[1].dense - float(unit(1, 0.05, 0) @ query)) < 1e-3  # half-precision vectors


def test_the_same_passage_from_two_copies_of_a_document_is_shown_once_preferring_the_newer():
    text = "Send the PQS form to both mailboxes with the exact subject line."
    old = passage(1, text, document_id="03.md", title="PQS", updated="2026-01-19", source="pack")
    new_pdf = passage(
        2, text + " Page furniture.", document_id="03.pdf", title="PQS", updated="2026-02-01", kind="pdf"
    )
    other = passage(
        3, "A different section about the PQS form.", section="Other", title="PQS", document_id="03.md"
    )
    index = index_of([old, new_pdf, other], [unit(1, 0), unit(1, 0.01), unit(0.9, 0.3)])
    hits = index.search("PQS form subject line", unit(1, 0), k=5)
    assert [h.passage.document_id for h in hits].count("03.pdf") + [h.passage.chunk_id for h in hits].count(
        "c1"
    ) == 1
    assert hits[0].passage.document_id == "03.pdf"  # the newer copy wins
    assert len(hits) == 2


def test_equal_dates_prefer_the_copy_with_richer_metadata():
    text = "The final QAD is signed by a Company Director."
    markdown = passage(
        1, text, document_id="06.md", title="QAD", updated="2026-02-02", version="1.0", source="pack"
    )
    docx = passage(2, text, document_id="06.docx", title="QAD", updated="2026-02-02", kind="docx")
    index = index_of([markdown, docx], [unit(1, 0.01), unit(1, 0)])
    hits = index.search("Who signs the final QAD?", unit(1, 0), k=5)
    assert [h.passage.document_id for h in hits] == ["06.md"]
