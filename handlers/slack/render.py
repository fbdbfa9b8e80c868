"""The one place Slack text and blocks are made safe: escaping and Slack's limits.

Every message the assistant posts is built from these helpers. Text that came from a person, a mail, a document or
a file (a question, a subject, a deadline's name) goes through :func:`escape` or :func:`fit` before it is placed in
``mrkdwn``, so it can never mention ``@channel`` or disguise a link; every block helper cuts its text to Slack's limit,
so a long subject or passage never makes Slack refuse the message (https://api.slack.com/reference/block-kit/blocks).

Nothing here talks to Slack or the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.core.text import printable

# Slack's limits
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELD = 2000
MAX_SECTION_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_OPTION_TEXT = 75
MAX_FALLBACK_TEXT = 3000
MAX_BLOCK_ID = 255

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SAFE_URL = re.compile(r"^https?://[^\s<>|\"]+$")
_LIST_MARK = re.compile(r"^(\s*(?:[-*•]|\d+[.)])\s+)(.*)$")


# --- text ------------------------------------------------------------------------------------------------------


def escape(text: str | None) -> str:
    """Escape the three characters Slack treats as control characters in message text (and drop control
    characters such as ESC, BEL and NUL: :func:`bot.core.text.printable`)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in printable(text))


def truncate(text: str, limit: int) -> str:
    """``text`` (already safe) cut to at most ``limit`` characters; an ellipsis marks the cut."""
    text = printable(text)
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def fit(text: str | None, limit: int) -> str:
    """``text`` escaped and cut so the escaped result is at most ``limit`` characters.

    A cut text ends with an ellipsis; an escape sequence is never split.
    """
    pieces = [_ESCAPES.get(ch, ch) for ch in printable(text)]
    if sum(len(p) for p in pieces) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    used = 0
    for piece in pieces:
        if used + len(piece) > limit - 1:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept).rstrip() + "…"


def fit_tail(text: str, limit: int) -> str:
    """The end of ``text``, escaped, at most ``limit`` characters, starting with an ellipsis when cut."""
    pieces = [_ESCAPES.get(ch, ch) for ch in printable(text)]
    if sum(len(p) for p in pieces) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    used = 0
    for piece in reversed(pieces):
        if used + len(piece) > limit - 1:
            break
        kept.append(piece)
        used += len(piece)
    return "…" + "".join(reversed(kept)).lstrip()


def fallback_text(text: str) -> str:
    """A message's notification ``text`` (already escaped where it holds outside text), within Slack's limit."""
    return truncate(text, MAX_FALLBACK_TEXT)


def one_line(text: str) -> str:
    return " ".join(text.split())


def quote(mrkdwn: str) -> str:
    """Quote every line of already-escaped mrkdwn text."""
    return "\n".join("> " + line if line.strip() else ">" for line in mrkdwn.splitlines() or [""])


def bold_lines(escaped: str) -> str:
    """Bold every line of escaped text, keeping a leading list mark outside the bold."""
    lines = []
    for line in escaped.splitlines():
        match = _LIST_MARK.match(line)
        mark, body = (match.group(1), match.group(2)) if match else ("", line)
        lines.append(f"{mark}*{body.strip()}*" if body.strip() else line)
    return "\n".join(lines)


def link(url: Any, label_mrkdwn: str) -> str:
    """``label`` as a link to ``url`` when it is a plain web address; else the label alone."""
    if isinstance(url, str) and SAFE_URL.match(url.strip()):
        return f"<{url.strip()}|{label_mrkdwn.replace('|', '¦')}>"
    return label_mrkdwn


# --- blocks ----------------------------------------------------------------------------------------------------


def section(
    mrkdwn: str,
    *,
    block_id: str | None = None,
    accessory: dict | None = None,
    fields: Sequence[str] = (),
    verbatim: bool = True,
) -> dict[str, Any]:
    """A section of mrkdwn text (already escaped); verbatim, so Slack turns no bare URL or name into a link."""
    block: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(mrkdwn, MAX_SECTION_TEXT), "verbatim": verbatim},
    }
    if fields:
        block["fields"] = [
            {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_FIELD)}
            for text in fields[:MAX_SECTION_FIELDS]
        ]
    if block_id:
        block["block_id"] = block_id[:MAX_BLOCK_ID]
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> dict[str, Any]:
    """A header block; ``text`` is plain text (Slack shows it as written, no escaping needed)."""
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT)}}


def context(*mrkdwn: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT), "verbatim": True}
            for text in mrkdwn[:MAX_CONTEXT_ELEMENTS]
        ],
    }
    if block_id:
        block["block_id"] = block_id[:MAX_BLOCK_ID]
    return block


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button; ``text`` is plain text, cut to Slack's 75 characters, ``value`` to 2,000."""
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict[str, Any]:
    """One option of a select menu (plain text, cut to Slack's limit)."""
    return {"text": {"type": "plain_text", "text": truncate(text, MAX_OPTION_TEXT)}, "value": value[:150]}


def actions(*elements: dict, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)[:MAX_ACTION_ELEMENTS]}
    if block_id:
        block["block_id"] = block_id[:MAX_BLOCK_ID]
    return block


def limited(blocks: Sequence[dict], keep_last: bool = True) -> list[dict]:
    """At most Slack's 50 blocks; with ``keep_last``, the last block (the buttons) is always kept."""
    blocks = list(blocks)
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    if keep_last:
        return blocks[: MAX_BLOCKS - 1] + [blocks[-1]]
    return blocks[:MAX_BLOCKS]


def message(text: str, blocks: Sequence[dict]) -> dict[str, Any]:
    """A ``chat.postMessage``/``chat.update`` payload within Slack's limits, links and media not unfurled."""
    return {
        "text": fallback_text(text),
        "blocks": limited(blocks),
        "unfurl_links": False,
        "unfurl_media": False,
    }
