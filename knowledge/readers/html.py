"""HTML pages: the main content without the page furniture (navigation, cookie banners, headers and footers, a table
of contents).

Headings, paragraphs, list items and table rows become blocks; ``doc-version``, ``doc-updated`` and ``doc-source``
meta tags, or a "Version ... · Last updated ..." line at the top, give the document's details.
"""

from __future__ import annotations

import re

from knowledge.readers.document import Block
from knowledge.readers.text_tools import clean, decode, table_row, take_meta_blocks

_PAGE_FURNITURE_TAGS = [
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "svg",
    "iframe",
    "template",
]
_FURNITURE_HINTS = (
    "cookie",
    "breadcrumb",
    "skip-link",
    "site-header",
    "site-footer",
    "menu",
    "sidebar",
    "banner",
)
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_TEXT_TAGS = {"p", "li", "dt", "dd", "pre", "blockquote", "figcaption", "caption"}
_HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}


def read(data: bytes) -> tuple[dict, list[Block]]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(decode(data), "html.parser")
    meta: dict = {}
    for name, key in (("doc-version", "version"), ("doc-updated", "updated"), ("doc-source", "source")):
        tag = soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            meta[key] = tag["content"]
    for tag in soup.find_all(_PAGE_FURNITURE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        attrs = tag.attrs or {}
        classes = " ".join(attrs.get("class", [])) + " " + str(attrs.get("id", ""))
        if attrs.get("role") in _FURNITURE_ROLES or any(h in classes.lower() for h in _FURNITURE_HINTS):
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for listing in root.find_all(["ul", "ol"]):
        if not listing.decomposed and _is_contents_list(listing):
            listing.decompose()
    blocks: list[Block] = []

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                text = clean(str(child))
                if (
                    text
                    and child.parent is node
                    and node.name not in ("table", "tr", "thead", "tbody", "ul", "ol")
                ):
                    blocks.append(Block(text))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HEADING_TAGS:
                blocks.append(Block(clean(child.get_text(" ")), _HEADING_TAGS[name]))
            elif name == "table":
                for row in child.find_all("tr"):
                    cells = [clean(c.get_text(" ")) for c in row.find_all(["th", "td"])]
                    if any(cells):
                        blocks.append(Block(table_row(cells)))
            elif name in ("ul", "ol"):
                for number, item in enumerate(child.find_all("li", recursive=False), start=1):
                    marker = f"{number}." if name == "ol" else "-"
                    blocks.append(Block(f"{marker} {clean(item.get_text(' '))}"))
            elif name in _TEXT_TAGS:
                blocks.append(Block(clean(child.get_text(" "))))
            else:
                walk(child)

    walk(root)
    blocks = [Block(_tidy_html_text(b.text), b.level) for b in blocks]
    if "title" not in meta:
        h1 = next((b.text for b in blocks if b.level == 1), None)
        if h1:
            meta["title"] = h1
        elif soup.title and soup.title.string:
            meta["title"] = soup.title.string.split("|")[0]
    return meta, take_meta_blocks(blocks, meta)


def _is_contents_list(listing) -> bool:
    """Whether a list is a table of contents: links to places on the page ("#scope") and no other text."""
    links = listing.find_all("a")
    if len(links) < 3 or not all(str(a.get("href", "")).startswith("#") for a in links):
        return False
    return clean(listing.get_text(" ")) == clean(" ".join(a.get_text(" ") for a in links))


def _tidy_html_text(text: str) -> str:
    # get_text(" ") puts a space before punctuation that followed an inline tag: "<b>Status.</b> x" is fine,
    # "<b>x</b>, y" becomes "x , y".
    return re.sub(r"\s+([,.;:!?)])", r"\1", re.sub(r"([(])\s+", r"\1", text))
