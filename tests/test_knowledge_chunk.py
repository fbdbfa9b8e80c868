"""Chunking: passages stay inside one section, tables keep their header, ids are stable."""

from __future__ import annotations

from knowledge.chunk import chunk_document, chunk_id, sections_of
from knowledge.readers import Block, Document


def document(blocks: list[Block], doc_id: str = "note.md") -> Document:
    return Document(id=doc_id, path=doc_id, title="Note", kind="markdown", sha256="x", blocks=blocks)


def sentence(n: int) -> str:
    return f"Sentence number {n} says something about qualification testing and its evidence."


def test_a_passage_never_straddles_two_sections():
    blocks = [Block("Note", 1), Block("A", 2), Block("Alpha text."), Block("B", 2), Block("Beta text.")]
    blocks += [Block("B.1", 3), Block("Gamma text."), Block("C", 2), Block("Delta text.")]
    chunks = chunk_document(document(blocks))
    assert [(c.section, c.text) for c in chunks] == [
        ("A", "Alpha text."),
        ("B", "Beta text."),
        ("B > B.1", "Gamma text."),
        ("C", "Delta text."),
    ]
    assert [c.position for c in chunks] == [0, 1, 2, 3]


def test_text_before_the_first_heading_has_an_empty_section_and_the_title_heading_is_not_a_section():
    chunks = chunk_document(document([Block("Intro text."), Block("Note", 1), Block("Body.")]))
    assert [(c.section, c.text) for c in chunks] == [("", "Intro text."), ("Note", "Body.")]
    assert sections_of(document([Block("Note", 1), Block("Body.")])) == [("", [Block("Body.")])]


def test_long_sections_split_between_sentences_within_the_word_limit():
    paragraph = " ".join(sentence(n) for n in range(60))
    chunks = chunk_document(document([Block("S", 2), Block(paragraph)]), max_words=100)
    assert len(chunks) > 1
    assert all(len(c.text.split()) <= 100 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    assert " ".join(c.text for c in chunks) == paragraph
    assert {c.section for c in chunks} == {"S"}


def test_a_table_stays_whole_when_it_fits_and_repeats_its_header_when_split():
    rows = [Block("| Step | Who |")] + [Block(f"| Step {n} of the plan | Team {n} |") for n in range(30)]
    small = chunk_document(document([Block("S", 2), Block("Intro " * 40)] + rows[:4]), max_words=60)
    assert [c.text.count("|") > 0 for c in small] == [False, True]  # the table moved whole to its own passage
    split = chunk_document(document([Block("S", 2)] + rows), max_words=60)
    assert len(split) > 1
    assert all(c.text.startswith("| Step | Who |") for c in split)
    body_rows = [line for c in split for line in c.text.split("\n") if line != "| Step | Who |"]
    assert body_rows == [b.text for b in rows[1:]]


def test_chunk_ids_are_stable_and_depend_on_document_section_and_position():
    blocks = [Block("A", 2), Block("Alpha."), Block("B", 2), Block("Beta.")]
    first = [c.id for c in chunk_document(document(blocks))]
    again = [c.id for c in chunk_document(document(blocks))]
    edited = [c.id for c in chunk_document(document(blocks[:3] + [Block("Beta, reworded.")]))]
    other = [c.id for c in chunk_document(document(blocks, doc_id="other.md"))]
    assert first == again == edited
    assert len(set(first)) == 2
    assert not set(first) & set(other)
    assert first[0] == chunk_id("note.md", "A", 0)


def test_tables_are_read_as_statements_for_retrieval_but_shown_as_written():
    from knowledge.chunk import linearise_tables, retrieval_text

    table = "Intro.\n| Item | Detail |\n| Duration | One to two weeks |\n| Owner | - |"
    assert (
        linearise_tables(table)
        == "Intro.\nItem Detail:\nItem: Duration; Detail: One to two weeks.\nItem: Owner."
    )
    assert (
        retrieval_text("Service Activation", "6. Timing", "Text.") == "Service Activation > 6. Timing\nText."
    )
