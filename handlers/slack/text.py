"""Turning Slack message text into plain text (pure).

Slack writes mentions, channel links and links in angle brackets (``<@U123>``, ``<#C123|general>``,
``<!channel>``, ``<https://example.org|label>``). Questions and team replies are stored and shown as plain text, so
none of that markup survives to be echoed back as a live mention or a disguised link.
"""

from __future__ import annotations

import re

MAX_QUESTION_CHARS = 1000
MAX_REPLY_CHARS = 3000

_MARKUP = re.compile(r"<([^<>]*)>")


def _plain(token: str, bot_user_id: str | None) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return "" if bot_user_id and target[1:] == bot_user_id else "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        name = target[1:].split("^")[0]
        return "@" + (label or name).lstrip("@")
    if label:
        return f"{label} ({target})" if label != target and not target.startswith("mailto:") else label
    return target.removeprefix("mailto:")


def plain_text(text: str, bot_user_id: str | None = None, limit: int = MAX_QUESTION_CHARS) -> str:
    """Slack message text as plain text: markup resolved, mentions of the bot removed, HTML entities undone,
    whitespace collapsed, at most ``limit`` characters."""
    text = _MARKUP.sub(lambda m: _plain(m.group(1), bot_user_id), text or "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = " ".join(text.split())
    return text[:limit].rstrip()


def plain_reply(text: str, limit: int = MAX_REPLY_CHARS) -> str:
    """A team reply as plain text, keeping its line breaks."""
    text = _MARKUP.sub(lambda m: _plain(m.group(1), None), text or "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return "\n".join(lines)[:limit].rstrip()


def mentions(text: str, user_id: str | None) -> bool:
    """Whether ``text`` mentions ``user_id``."""
    return bool(user_id) and re.search(rf"<@{re.escape(user_id)}(\|[^>]*)?>", text or "") is not None
