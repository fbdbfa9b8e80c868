"""``GET /healthz``: the Slack connection, the last inbox pass and the last scheduler tick.

The nudge scheduler and the inbox watcher record when they last ran (:mod:`bot.core.heartbeat`); every verified
Slack request or Socket Mode message records ``slack``. In Socket Mode the answer is 503 while the socket is down, so
a supervisor or load balancer can act on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core import heartbeat
from handlers.slack.serving import HTTPResponse, RouteRequest


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


class HealthReport:
    """What ``/healthz`` answers. ``connected`` tells whether the Socket Mode link is up (None in HTTP mode)."""

    def __init__(self, mode: str, inbox: bool, connected: Callable[[], bool] | None = None):
        self.mode = mode
        self.inbox = inbox
        self.connected = connected

    def report(self) -> dict:
        slack: dict = {"mode": self.mode, "last_request": _iso(heartbeat.last("slack"))}
        ok = True
        if self.connected is not None:
            slack["connected"] = bool(self.connected())
            ok = slack["connected"]
        return {
            "ok": ok,
            "slack": slack,
            "inbox": {"watched": self.inbox, "last_pass": _iso(heartbeat.last("inbox"))},
            "scheduler": {"last_tick": _iso(heartbeat.last("scheduler"))},
        }

    def __call__(self, _: RouteRequest) -> HTTPResponse:
        report = self.report()
        return HTTPResponse.json(report, 200 if report["ok"] else 503)
