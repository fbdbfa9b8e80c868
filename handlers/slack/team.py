"""Who is on the qualification team: the members of the team channel plus the configured team users.

:meth:`TeamDirectory.is_team_member` is the one check every team-only action uses (retracting team answers,
relaying team replies, working cases). The channel's member list is fetched with ``conversations.members`` and
remembered for ``SLACK_TEAM_CACHE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


class TeamDirectory:
    def __init__(
        self,
        client: WebClient,
        team_channel: str | None,
        team_users: Iterable[str] = (),
        cache_seconds: float = 60,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.client = client
        self.team_channel = team_channel
        self.team_users = frozenset(team_users)
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._members: frozenset[str] = frozenset()
        self._fetched_at: float | None = None

    def is_team_member(self, user_id: str | None) -> bool:
        """True when ``user_id`` is in the team channel or in ``SLACK_TEAM_USERS``."""
        if not user_id:
            return False
        return user_id in self.team_users or user_id in self.channel_members()

    def channel_members(self) -> frozenset[str]:
        """Members of the team channel (empty without one), fetched at most once per cache period."""
        if not self.team_channel:
            return frozenset()
        with self._lock:
            now = self.clock()
            if self._fetched_at is not None and now - self._fetched_at < self.cache_seconds:
                return self._members
            try:
                self._members = frozenset(self._fetch())
            except SlackApiError as exc:
                # Keep the last known list; the next check after the cache period tries again.
                logger.warning(
                    "could not list the members of team channel %s: %s",
                    self.team_channel,
                    exc.response.get("error"),
                )
            self._fetched_at = now
            return self._members

    def forget(self) -> None:
        """Drop the cached member list (the next check fetches it again)."""
        with self._lock:
            self._fetched_at = None

    def _fetch(self) -> list[str]:
        members: list[str] = []
        cursor = None
        while True:
            response = self.client.conversations_members(channel=self.team_channel, cursor=cursor, limit=200)
            members.extend(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members
