"""Reading guidance files: every format into the same blocks, and clear reasons for files that cannot be read."""

from __future__ import annotations

import os
import re
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from knowledge.chunk import chunk_document, sections_of
from knowledge.errors import DocumentError
from knowledge.readers import read_document
from knowledge.readers.text_tools import SECTION_WORDS, is_contents_entry
from knowledge.service import BUNDLED_GUIDANCE
from tests.fixtures.documents import simple_pdf

MB = 1024 * 1024


def read(path: Path, max_bytes: int = 25 * MB):
    return read_document(path, path.name, max_bytes)


def test_markdown_front_matter_headings_tables_and_lists(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        "---\ntitle: Service Activation\nversion: 2.1\nupdated: 2026-03-01\nsource: https://example.org/sa\n---\n\n"
        "# Service Activation\n\n## 1. Timing\n\nPlan **one to two weeks** per participant,\nafter approval.\n\n"
        "- [ ] Ask [Elexon](https://elexon.co.uk) first\n- Keep evidence\n\n"
        "| Step | Who |\n| --- | --- |\n| Activate | Elexon |\n\n### 1.1 Detail\n\nText.\n",
        encoding="utf-8",
    )
    document = read(path)
    assert (document.title, document.version, document.updated) == ("Service Activation", "2.1", "2026-03-01")
    assert document.source == "https://example.org/sa"
    assert document.kind == "markdown"
    assert [(b.level, b.text) for b in document.blocks] == [
        (1, "Service Activation"),
        (2, "1. Timing"),
        (0, "Plan one to two weeks per participant, after approval."),
        (0, "- Ask Elexon first"),
        (0, "- Keep evidence"),
        (0, "| Step | Who |"),
        (0, "| Activate | Elexon |"),
        (3, "1.1 Detail"),
        (0, "Text."),
    ]
    assert [s for s, _ in sections_of(document)] == ["1. Timing", "1. Timing > 1.1 Detail"]


def test_plain_text_uses_first_short_line_as_title(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(
        "Retired mailboxes\n\nThe LDSO_QT mailbox is no longer monitored.\n\nUse the main one.", "utf-8"
    )
    document = read(path)
    assert document.title == "Retired mailboxes"
    assert document.kind == "text"
    assert [b.text for b in document.blocks if not b.is_heading] == [
        "The LDSO_QT mailbox is no longer monitored.",
        "Use the main one.",
    ]


def test_plain_text_list_items_stay_items(tmp_path):
    """A saved page's bullets and numbered lines are list items, not one run-on paragraph."""
    path = tmp_path / "milestones.txt"
    path.write_text(
        "Milestones\n\nThe milestones are:\n  \u2022 M10: central systems ready\n  \u2022 M11: migration\n"
        "    of UMS begins\n2) M13: LSS switched on\nAll dates are indicative.\n\nSee the register:\n- M14\n"
        "not yet dated.",
        "utf-8",
    )
    assert [b.text for b in read(path).blocks if not b.is_heading] == [
        "The milestones are:",
        "- M10: central systems ready",
        "- M11: migration of UMS begins",  # an indented line continues its item
        "2. M13: LSS switched on",
        "All dates are indicative.",
        "See the register:",
        "- M14",
        "not yet dated.",  # a line after an item continues it only when indented
    ]


def test_a_page_saved_as_text_keeps_its_headings_paragraphs_and_lists(tmp_path):
    """One paragraph a line, as a web page saved as text comes: a short line standing before a paragraph is a
    heading, short lines after a line ending in ":" are its items, and lines are not run together. The site's
    navigation, sharing and cookie lines are left out."""
    long = "the Programme issued the report to every participant in the cohort for review and comment"
    path = tmp_path / "exit-reports.txt"
    path.write_text(
        "https://example.org/sit/exit-reports\n\nSIT Exit Reports\nSkip to main content\nHome\nMenu\n"
        f"As SIT draws to a close, {long}.\n"
        "SIT Operational Exit Report\n"
        f"On Tuesday 5 August 2025 {long}.\n"
        "You can view the documents below:\n"
        "Operational Exit Report v1.0\n"
        "Test & Defect Extract\n"
        "If you have any questions, email the Testing team at testing@example.org\n"
        "SIT Functional Exit Report\n"
        f"On Monday 11 August 2025 {long}.\n"
        "Share this page\nBack to top\nCookie settings\n© 2025 Example Programme. All rights reserved.\n",
        encoding="utf-8",
    )
    document = read(path)
    assert document.source == "https://example.org/sit/exit-reports" and document.title == "SIT Exit Reports"
    assert [(b.level, b.text[:32]) for b in document.blocks] == [
        (1, "SIT Exit Reports"),
        (0, "As SIT draws to a close, the Pro"),
        (2, "SIT Operational Exit Report"),
        (0, "On Tuesday 5 August 2025 the Pro"),
        (0, "You can view the documents below"),
        (0, "- Operational Exit Report v1.0"),
        (0, "- Test & Defect Extract"),
        (0, "If you have any questions, email"),
        (2, "SIT Functional Exit Report"),
        (0, "On Monday 11 August 2025 the Pro"),
    ]
    assert [c.section for c in chunk_document(document)] == [
        "",
        "SIT Operational Exit Report",
        "SIT Functional Exit Report",
    ]


def test_a_text_wrapped_at_a_width_is_read_as_paragraphs(tmp_path):
    path = tmp_path / "email.txt"
    path.write_text(
        "Reliance note\n\n"
        "Participants placing reliance on a third party should send the\n"
        "Placing Reliance Proposal Form to both Code Bodies by email, with the\n"
        "PQS form attached.\n"
        "Both mailboxes must be copied.\n",
        encoding="utf-8",
    )
    assert [b.text for b in read(path).blocks if not b.is_heading] == [
        "Participants placing reliance on a third party should send the Placing Reliance Proposal Form to both Code "
        "Bodies by email, with the PQS form attached.",
        "Both mailboxes must be copied.",
    ]


HTML_PAGE = """<!DOCTYPE html><html><head><title>QAD help | Test site</title>
<meta name="doc-version" content="3.2"><meta name="doc-updated" content="2026-02-02">
<script>var tracking = "do not index me";</script><style>body {color: red}</style></head>
<body><div id="cookie-banner"><p>We use cookies.</p></div>
<header class="site-header"><a href="/">Home</a> Site search</header>
<nav><ul><li><a href="/a">Menu item one</a></li></ul></nav>
<div class="breadcrumb">Home &rsaquo; Notes</div>
<main><h1>QAD help</h1><h2>Sign-off</h2><p>A <strong>Company Director</strong> signs the final QAD.</p>
<ol><li>Check answers</li><li>Sign</li></ol>
<table><tr><th>Version</th><th>Date</th></tr><tr><td>3.01</td><td>18 September 2024</td></tr></table></main>
<aside>Related links</aside><footer>Copyright and privacy notice</footer></body></html>"""


def test_html_keeps_the_article_and_strips_navigation_header_footer_and_scripts(tmp_path):
    path = tmp_path / "qad.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    document = read(path)
    assert (document.title, document.version, document.updated, document.kind) == (
        "QAD help",
        "3.2",
        "2026-02-02",
        "html",
    )
    texts = [b.text for b in document.blocks]
    assert texts == [
        "QAD help",
        "Sign-off",
        "A Company Director signs the final QAD.",
        "1. Check answers",
        "2. Sign",
        "| Version | Date |",
        "| 3.01 | 18 September 2024 |",
    ]
    everything = " ".join(texts)
    for furniture in (
        "cookies",
        "Menu item",
        "Site search",
        "Notes",
        "Related links",
        "Copyright",
        "tracking",
    ):
        assert furniture not in everything


def test_docx_headings_lists_and_tables(tmp_path):
    path = tmp_path / "guide.docx"
    word = docx.Document()
    word.core_properties.title = "DIP onboarding"
    word.add_paragraph("DIP onboarding", style="Title")
    word.add_paragraph("Version 1.2 | Updated 2026-04-01 | https://example.org/dip")
    word.add_heading("1. Before you start", level=1)
    word.add_paragraph("Return the pro-forma.")
    word.add_paragraph("Install Microsoft Authenticator", style="List Bullet")
    word.add_heading("1.1 Roles", level=2)
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Role", "Who"
    table.cell(1, 0).text, table.cell(1, 1).text = "Primary User Admin", "Verifies company details"
    word.save(path)
    document = read(path)
    assert (document.title, document.version, document.updated, document.source) == (
        "DIP onboarding",
        "1.2",
        "2026-04-01",
        "https://example.org/dip",
    )
    assert [(b.level, b.text) for b in document.blocks] == [
        (1, "DIP onboarding"),
        (2, "1. Before you start"),
        (0, "Return the pro-forma."),
        (0, "- Install Microsoft Authenticator"),
        (3, "1.1 Roles"),
        (0, "| Role | Who |"),
        (0, "| Primary User Admin | Verifies company details |"),
    ]


def test_a_table_of_contents_is_left_out_of_every_format(tmp_path):
    """A contents page names every section, so it matched questions about anything while answering none."""
    entries = [
        "1 Scope ........................ 2",
        "2 Test windows . . . . . . . . . . 2",
        "3 Exit criteria …… 3",
    ]
    body = [
        ("1 Scope", "This guide covers Qualification Testing for new Suppliers."),
        ("2 Test windows", "Each test window lasts two weeks."),
        ("3 Exit criteria", "The Code Bodies assure the exit criteria."),
    ]
    expected = [(2, "1 Scope"), (0, body[0][1]), (2, "2 Test windows"), (0, body[1][1])]
    expected += [(2, "3 Exit criteria"), (0, body[2][1])]

    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(
        simple_pdf(
            [
                [("Testing guide", 20, True), ("Contents", 14, True)]
                + [(e.replace("…", "..."), 11, False) for e in entries],
                [
                    (body[0][0], 14, True),
                    (body[0][1], 11, False),
                    (body[1][0], 14, True),
                    (body[1][1], 11, False),
                ],
                [(body[2][0], 14, True), (body[2][1], 11, False)],
            ]
        )
    )
    word_file = tmp_path / "guide.docx"
    word = docx.Document()
    word.add_paragraph("Testing guide", style="Title")
    word.add_heading("Contents", level=1)
    toc = word.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    for entry in entries:
        word.add_paragraph(entry.split(" ", 2)[0] + " " + entry.split(" ")[1] + "\t2", style=toc)
    for heading, text in body:
        word.add_heading(heading, level=1)
        word.add_paragraph(text)
    word.save(word_file)
    page = tmp_path / "guide.html"
    links = "".join(f'<li><a href="#s{i}">{h}</a></li>' for i, (h, _) in enumerate(body))
    sections = "".join(f'<h2 id="s{i}">{h}</h2><p>{t}</p>' for i, (h, t) in enumerate(body))
    page.write_text(
        f"<html><body><main><h1>Testing guide</h1><h2>On this page</h2><ul>{links}</ul>{sections}</main></body></html>",
        encoding="utf-8",
    )
    text = tmp_path / "guide.txt"
    text.write_text(
        "Testing guide\n\n" + "\n".join(entries) + "\n\n" + "\n\n".join(t for _, t in body), encoding="utf-8"
    )

    for path in (pdf, word_file, page):
        blocks = [(b.level, b.text) for b in read(path).blocks]
        assert blocks[1:] == expected, path.name
    assert [b.text for b in read(text).blocks] == ["Testing guide"] + [t for _, t in body]
    # A line ending in a number is not an entry without its leader of dots, nor a sentence with an ellipsis.
    assert not is_contents_entry("The QAD v3.0 was approved on 29 August 2024")
    assert not is_contents_entry("Submit it 5 working days before the deadline... at least 2")


@pytest.mark.parametrize(
    "copy, original",
    [
        ("formats/03_placing-reliance-and-pqs.html", "03_placing-reliance-and-pqs.md"),
        ("formats/13_key-dates-and-deadlines.html", "13_key-dates-and-deadlines.md"),
        ("formats/06_qad-guide.docx", "06_qad-guide.md"),
    ],
)
def test_html_and_docx_copies_give_the_same_passages_as_the_markdown(copy, original):
    a = read(BUNDLED_GUIDANCE / copy)
    b = read(BUNDLED_GUIDANCE / original)
    assert (a.title, a.version, a.updated, a.source) == (b.title, b.version, b.updated, b.source)
    assert [(c.section, c.text) for c in chunk_document(a)] == [
        (c.section, c.text) for c in chunk_document(b)
    ]


def test_pdf_gives_title_metadata_and_the_same_sections_without_page_furniture():
    pdf = read(BUNDLED_GUIDANCE / "formats/02_new-entrant-ldso-route.pdf")
    markdown = read(BUNDLED_GUIDANCE / "02_new-entrant-ldso-route.md")
    assert pdf.kind == "pdf"
    assert (pdf.title, pdf.version, pdf.updated) == (markdown.title, markdown.version, markdown.updated)
    assert [s for s, _ in sections_of(pdf)] == [s for s, _ in sections_of(markdown)]
    text = " ".join(b.text for b in pdf.blocks)
    assert "Testing Assurance team at CGI" in text
    assert "Page 1" not in text and "Not an official Code Body publication" not in text
    # PDF tables come out as running text, but each passage holds the same words as the Markdown passage of its
    # section, so search shows the two as one passage.
    pdf_chunks, markdown_chunks = chunk_document(pdf), chunk_document(markdown)
    assert [c.section for c in pdf_chunks] == [c.section for c in markdown_chunks]
    for p, m in zip(pdf_chunks, markdown_chunks, strict=True):
        assert set(re.findall(r"\w+", p.text.lower())) == set(re.findall(r"\w+", m.text.lower()))


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "PDF"),
        ("empty.md", b"", "empty"),
        ("blank.txt", b"   \n\n  ", "empty"),
        ("junk.txt", os.urandom(64) + b"\x00\x00" + os.urandom(4000), "binary"),
        ("junk.docx", b"PK\x03\x04 not really a zip file" * 10, "cannot read as docx"),
        ("sheet.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
        ("noext", b"hello", "unsupported file type '(none)'"),
        ("headings-only.md", b"# Title\n\n## Section\n", "no text"),
    ],
)
def test_unreadable_files_raise_a_document_error_with_the_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read(path)
    assert reason in caught.value.reason
    assert caught.value.path == str(path)


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("Words about qualification. " * 50_000, encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        read(path, max_bytes=1 * MB)
    assert "MHHS_MAX_DOCUMENT_MB" in caught.value.reason


def _section_sizes(blocks) -> list[int]:
    sizes, current = [], 0
    for block in blocks[1:]:
        if block.is_heading:
            sizes.append(current)
            current = 0
        else:
            current += len(block.text.split())
    return sizes + [current]


def test_a_long_text_without_headings_is_split_into_named_sections_and_a_first_address_line_is_its_source(
    tmp_path,
):
    sentence = "Participants agree their migration volumes with the Programme in each planning cycle. "
    body = "\n\n".join(sentence * 12 for _ in range(6))  # six paragraphs of about 150 words
    path = tmp_path / "notes.txt"
    path.write_text(f"https://example.org/notes\nPlanning notes\n\n{body}", encoding="utf-8")
    document = read(path)
    assert document.source == "https://example.org/notes" and document.title == "Planning notes"
    blocks = document.blocks
    headings = [b for b in blocks if b.is_heading]
    assert headings[0].text == "Planning notes" and headings[0].level == 1
    assert len(headings) > 3 and all(h.level == 2 for h in headings[1:])
    assert headings[1].text.startswith("Participants agree their migration volumes")
    assert all(0 < words <= SECTION_WORDS for words in _section_sizes(blocks)[1:])
    # a short text, or one with headings of its own, keeps its own shape
    short = tmp_path / "short.txt"
    short.write_text("Short note\n\nOne paragraph only.", encoding="utf-8")
    assert [b.level for b in read(short).blocks] == [1, 0]


def test_a_long_pdf_without_larger_bold_headings_is_cut_into_named_sections_too(tmp_path):
    sentences = [
        "The Code Bodies review each Qualification Assessment Document within ten working days.",
        "Participants submit the Test Completion Report before the QT exit meeting.",
        "Reliance proposals go to both Code Bodies by email with the PQS form attached.",
    ]
    # Every line differs in its words (lines repeated at the top or bottom of pages are running headers).
    names = [
        f"{a} {b}" for a in ("North", "South", "East", "West", "Central") for b in ("alpha", "beta", "gamma")
    ]
    lines = [
        (f"{sentences[i % 3]} Seen by the {names[i % 15]} team in round {'ABCD'[i // 15]}.", 11, False)
        for i in range(60)
    ]
    path = tmp_path / "notes.pdf"
    path.write_bytes(simple_pdf([lines[start : start + 20] for start in range(0, 60, 20)]))
    blocks = read(path).blocks
    headings = [b for b in blocks if b.is_heading]
    assert len(headings) >= 4 and headings[0].text.startswith("The Code Bodies review each")
    assert all(0 < words <= SECTION_WORDS for words in _section_sizes(blocks))
    assert [c.section for c in chunk_document(read(path))][0].startswith("The Code Bodies review each")
