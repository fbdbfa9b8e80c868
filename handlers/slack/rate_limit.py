"""Per-person question rate limit: at most N questions in any 60-second window.

Kept in memory: a restart forgets it, which errs on the side of answering.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    wait_seconds: float = 0.0
    tell_user: bool = False  # the first refusal in a window is explained; later ones are dropped quietly


class QuestionRateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._asked: dict[str, deque[float]] = defaultdict(deque)
        self._told_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, user_id: str) -> RateDecision:
        """Count a question from ``user_id`` if it is within the limit."""
        now = self.clock()
        with self._lock:
            asked = self._asked[user_id]
            while asked and now - asked[0] >= WINDOW_SECONDS:
                asked.popleft()
            if len(asked) < self.per_minute:
                asked.append(now)
                return RateDecision(True)
            wait = WINDOW_SECONDS - (now - asked[0])
            tell = self._told_until.get(user_id, 0.0) <= now
            if tell:
                self._told_until[user_id] = now + wait
            return RateDecision(False, wait_seconds=wait, tell_user=tell)
