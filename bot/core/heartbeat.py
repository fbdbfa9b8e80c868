"""When each long-running part of the assistant last did its work, kept in memory for ``/healthz``.

The nudge scheduler calls ``beat("scheduler")`` after each tick and the inbox watcher ``beat("inbox")`` after each
pass; the health route reads :func:`last`. One process serves one data directory, so memory is the right place.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

_lock = threading.Lock()
_beats: dict[str, datetime] = {}


def beat(name: str, at: datetime | None = None) -> None:
    with _lock:
        _beats[name] = at or datetime.now(UTC)


def last(name: str) -> datetime | None:
    with _lock:
        return _beats.get(name)


def forget() -> None:
    """Clear every record (a new service starting in the same process)."""
    with _lock:
        _beats.clear()
