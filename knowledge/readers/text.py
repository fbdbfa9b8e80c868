"""Plain text: a short first line without a full stop is the title; a first line that is only a web address is the
document's source (a page saved as text).

A page saved as text has one paragraph a line, its headings as short lines of their own and its lists as short
lines after one ending in ":"; a text wrapped at a width (an email) has paragraphs cut into lines. Both are read
into paragraphs, headings and list items (see _blocks_of). A long text with no headings of its own is cut into
sections like any other document (see knowledge.readers.text_tools.with_sections).
"""

from __future__ import annotations

import re

from knowledge.readers.document import Block
from knowledge.readers.text_tools import ITEM_LINE, clean, decode, is_contents_entry, take_meta_blocks

_URL_LINE = re.compile(r"^\s*(https?://\S+)\s*$")


def read(data: bytes) -> tuple[dict, list[Block]]:
    text = decode(data)
    meta: dict = {}
    lines = text.strip().splitlines()
    if lines and _URL_LINE.match(lines[0]):
        meta["source"] = lines[0].strip()
        text = "\n".join(lines[1:])
    blocks = _blocks_of(text)
    # A short first line without a full stop is the title.
    if blocks and len(blocks[0].text) < 120 and not blocks[0].text.endswith("."):
        first_line = text.strip().splitlines()[0].strip()
        meta["title"] = first_line
        blocks = [Block(first_line, 1)] + _blocks_of(text.strip()[len(first_line) :])
    return meta, take_meta_blocks(blocks, meta)


# In a text wrapped at a width, a line this long that does not end in punctuation was wrapped: the next line goes
# on with it. A text with lines longer than UNWRAPPED_LINE was not wrapped (a page saved as text).
WRAPPED_LINE = 60
UNWRAPPED_LINE = 110
# A line of this many words or fewer, with no end punctuation, standing alone before a paragraph, is a heading.
HEADING_WORDS = 12
_ENDS = (".", "!", "?", ":", ";", ")", '"', "”")
# A page's furniture saved with its text: lines that are only a site's navigation, sharing or cookie controls.
_FURNITURE_LINE = re.compile(
    r"\s*(?:skip to (?:main )?content|back to top|share(?: this(?: page| article)?)?|print(?: this page)?|menu|search|"
    r"home|cookies?(?: settings| policy| preferences)?|(?:accept|reject)(?: all)?(?: cookies)?|privacy(?: policy| notice)?|"
    r"terms(?: and conditions| of use)?|site ?map|contact us|log ?in|sign ?in|log ?out|subscribe|follow us|"
    r"(?:©|copyright\b).*)\s*",
    re.IGNORECASE,
)


def _blocks_of(text: str) -> list[Block]:
    """The blocks of a text: a line goes on with the one before it when that one was wrapped (long, with no end
    punctuation) or it starts in lower case or is indented; otherwise it starts a block of its own (a page saved as
    text has one paragraph a line). A list item (a line starting with a bullet or a number, "• Item", "2) Item") is
    written "- Item" or "2. Item"; short lines without end punctuation after a line ending in ":" are items too, and
    such a line standing alone before a paragraph is a heading."""
    parts: list[list[str]] = []  # [text, kind]: kind "item" or "line"
    last = ""  # the last line read, as written
    # Lines far longer than any wrapping width: the text has one paragraph a line and no line was wrapped.
    wrapped = sum(len(line) > UNWRAPPED_LINE for line in text.splitlines()) < 2
    for paragraph in re.split(r"\n\s*\n", text):
        fresh = True  # no line goes on across a blank line
        for line in paragraph.splitlines():
            if not line.strip() or is_contents_entry(line) or _FURNITURE_LINE.fullmatch(line):
                continue  # a table of contents (a PDF saved as text) or the page's navigation
            bullet = ITEM_LINE.match(line)
            if bullet:
                number = bullet.group("number")
                parts.append([f"{number + '.' if number else '-'} {line[bullet.end() :]}", "item"])
            elif not fresh and _goes_on(last, line, parts[-1][1], wrapped):
                parts[-1][0] += " " + line.strip()
            else:
                parts.append([line.strip(), "line"])
            last, fresh = line, False
    return _classified(parts)


def _goes_on(previous: str, line: str, kind: str, wrapped: bool) -> bool:
    """Whether ``line`` continues the block whose last line was ``previous`` (``wrapped``: the text's lines were
    wrapped at a width)."""
    if line[:1].isspace():
        return True  # an indented line continues its item or paragraph
    if kind == "item":
        return False
    if line.lstrip()[:1].islower():
        return True
    if not wrapped:
        return False
    return not previous.rstrip().endswith(_ENDS) and len(previous.strip()) >= WRAPPED_LINE


def _bare_line(part: list[str]) -> bool:
    """A short line with no end punctuation: a heading or a list item, by what surrounds it. One with a comma or an
    email address is a sentence without its full stop ("If you have questions, email x@y.org")."""
    text = part[0]
    return (
        part[1] == "line"
        and len(text.split()) <= HEADING_WORDS
        and not text.rstrip().endswith(_ENDS)
        and ", " not in text
        and "@" not in text
    )


def _classified(parts: list[list[str]]) -> list[Block]:
    blocks: list[Block] = []
    listing = False  # after a line ending in ":", bare lines are its items
    for i, part in enumerate(parts):
        text = clean(part[0])
        if text in ("", "-"):
            continue
        bare = _bare_line(part)
        following = parts[i + 1] if i + 1 < len(parts) else None
        if part[1] == "item":
            blocks.append(Block(text))
        elif bare and listing:
            blocks.append(Block(f"- {text}"))
            continue
        elif bare and following is not None and not _bare_line(following) and following[1] == "line":
            blocks.append(Block(text, 2))
        elif bare and following is not None and _bare_line(following):
            blocks.append(Block(f"- {text}"))  # a run of short lines is a list
            listing = True
            continue
        else:
            blocks.append(Block(text))
        listing = text.endswith(":")
    return blocks
