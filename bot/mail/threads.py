"""Outlook's conversation header, Thread-Index: the first 22 bytes name the conversation, each reply adds 5.

Outlook (and Exchange) often send a reply without In-Reply-To or References but always keep Thread-Index, so a
mail whose conversation matches one already on a case belongs to that case. The team's own replies carry a
Thread-Index too (a child of the participant's, or a new conversation), so an Outlook answer to them threads back.
"""

from __future__ import annotations

import base64
import binascii
import os
import time

_ROOT_BYTES = 22
_FILETIME_EPOCH_OFFSET = 116444736000000000  # 100 ns intervals from 1601-01-01 to 1970-01-01


def _decode(thread_index: str | None) -> bytes | None:
    if not thread_index:
        return None
    text = "".join(thread_index.split())
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) >= _ROOT_BYTES else None


def thread_key(thread_index: str | None) -> str | None:
    """The conversation a Thread-Index belongs to (hex of its first 22 bytes), or None when it is not one."""
    raw = _decode(thread_index)
    return raw[:_ROOT_BYTES].hex() if raw else None


def new_thread_index() -> str:
    """A Thread-Index that starts a conversation: 6 bytes of the time, then a random 16-byte id."""
    filetime = int(time.time() * 10_000_000) + _FILETIME_EPOCH_OFFSET
    return base64.b64encode(filetime.to_bytes(8, "big")[:6] + os.urandom(16)).decode("ascii")


def child_thread_index(parent_key: str | None) -> str:
    """A Thread-Index continuing the conversation ``parent_key`` (from :func:`thread_key`), or a new one."""
    if not parent_key:
        return new_thread_index()
    try:
        root = bytes.fromhex(parent_key)
    except ValueError:
        return new_thread_index()
    return base64.b64encode(root + os.urandom(5)).decode("ascii")
