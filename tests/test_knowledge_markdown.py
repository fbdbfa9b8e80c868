"""The Markdown reader: what CommonMark allows reads as the same blocks as its plainer spelling."""

from __future__ import annotations

from pathlib import Path

from knowledge.chunk import sections_of
from knowledge.readers import read_document


def read(tmp_path: Path, text: str):
    path = tmp_path / "note.md"
    path.write_text(text, encoding="utf-8")
    return read_document(path, path.name, 1024 * 1024)


def blocks(document) -> list[tuple[int, str]]:
    return [(b.level, b.text) for b in document.blocks]


def test_underlined_setext_headings_are_headings(tmp_path):
    document = read(
        tmp_path,
        "Service Activation\n==================\n\nIntro text.\n\nTiming\n------\n\nOne to two **weeks**.\n",
    )
    assert document.title == "Service Activation"
    assert blocks(document) == [
        (1, "Service Activation"),
        (0, "Intro text."),
        (2, "Timing"),
        (0, "One to two weeks."),
    ]
    assert [s for s, _ in sections_of(document)] == ["", "Timing"]


def test_tilde_fences_keep_their_lines_and_hide_markdown_inside(tmp_path):
    document = read(
        tmp_path,
        "# Mailboxes\n\n~~~text\n# not a heading\n- not an item\n   LDSO_QT@example.org\n~~~\n\n"
        "```\n| not | a table |\n```\n\nAfter the fence.\n",
    )
    assert blocks(document) == [
        (1, "Mailboxes"),
        (0, "# not a heading"),
        (0, "- not an item"),
        (0, "LDSO_QT@example.org"),
        (0, "| not | a table |"),
        (0, "After the fence."),
    ]


def test_a_fence_left_open_runs_to_the_end(tmp_path):
    document = read(tmp_path, "# Title\n\nText.\n\n~~~\nline one\n\n## still code\n")
    assert blocks(document) == [(1, "Title"), (0, "Text."), (0, "line one"), (0, "## still code")]


def test_nested_lists_give_one_block_per_item_with_its_own_marker(tmp_path):
    document = read(
        tmp_path,
        "# Steps\n\n"
        "1. Submit the PQS\n"
        "   - to [Elexon](https://elexon.co.uk)\n"
        "   - and the *REC* mailbox,\n"
        "     on one email\n"
        "2. Wait for approval\n\n"
        "   Approval takes a week.\n\n"
        "3) Book the slot\n"
        "    * [x] checked item\n",
    )
    assert blocks(document) == [
        (1, "Steps"),
        (0, "1. Submit the PQS"),
        (0, "- to Elexon"),
        (0, "- and the REC mailbox, on one email"),
        (0, "2. Wait for approval"),
        (0, "Approval takes a week."),
        (0, "3) Book the slot"),
        (0, "* checked item"),
    ]


def test_a_list_item_under_a_paragraph_and_a_thematic_break_are_not_text(tmp_path):
    document = read(tmp_path, "# Title\n\nFirst paragraph.\n\n---\n\n+ plus item\n+ second\n")
    assert blocks(document) == [(1, "Title"), (0, "First paragraph."), (0, "+ plus item"), (0, "+ second")]
