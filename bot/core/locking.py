"""A lock per data directory and job, so that two processes (``serve``'s inbox watcher beside a cron
``triage --once``, or two watchers) never run the same job at once.

An advisory ``flock`` on a file in the data directory: the operating system releases it when its process ends, even
on ``kill -9``, so a lock is never left behind.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.core.errors import StorageError

POLL_SECONDS = 0.2


@contextmanager
def exclusive(path: Path, stop: threading.Event | None = None) -> Iterator[bool]:
    """Hold the lock file ``path`` for the block, waiting while another process holds it.

    Yields True once held; False when ``stop`` was set while waiting (the block should then do nothing).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StorageError(
            f"cannot create the lock file {path}: {exc.strerror}; make {path.parent} writable by this user"
        ) from exc
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waiter = stop or threading.Event()
                if waiter.wait(POLL_SECONDS):
                    yield False
                    return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
