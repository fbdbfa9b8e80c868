"""Slack callbacks for the buttons on a deadline nudge: Done, Snooze 1 working day, Snooze 1 week.

``register(app)`` attaches them to a bolt ``App``; action ids are documented in :mod:`handlers.slack.nudge_blocks`.
Each callback acks first, records the choice in the database, then updates the nudge in place (the buttons give way
to a line saying who did what).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import storage
from bot.core.settings import Settings, load_settings
from bot.core.working_days import calendar_from_settings
from bot.nudges import Clock, format_due, mark_done, snooze, utc_now
from handlers.slack.nudge_blocks import ACTION_DONE, ACTION_SNOOZE_DAY, ACTION_SNOOZE_WEEK, resolved_message

log = logging.getLogger(__name__)


class NudgeButtons:
    """The three button callbacks, bound to the settings and a clock."""

    def __init__(self, settings: Settings, clock: Clock = utc_now):
        self.settings = settings
        self.clock = clock

    def done(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self.apply(body, client, "done")

    def snooze_working_day(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self.apply(body, client, "working_day")

    def snooze_week(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self.apply(body, client, "week")

    def apply(self, body: dict[str, Any], client: WebClient, choice: str) -> None:
        """Record ``choice`` (done, working_day or week) for the clicked nudge and update it in place."""
        action = (body.get("actions") or [{}])[0]
        try:
            value = json.loads(action.get("value") or "")
            key, due, audience = value["k"], value["due"], value["a"]
        except (ValueError, KeyError, TypeError):
            log.warning("nudge button with an unreadable value: %r", action.get("value"))
            return
        user = (body.get("user") or {}).get("id", "")
        now = self.clock()
        db = storage.connect(self.settings.database_path)
        try:
            if choice == "done":
                mark_done(db, key, due, audience, user, now)
                note = f"✅ Marked done by <@{user}>: no more reminders for this deadline here."
            else:
                calendar = calendar_from_settings(self.settings)
                until = snooze(db, self.settings, calendar, key, due, audience, user, now, choice)
                note = f"💤 Snoozed by <@{user}> until {format_due(until)}."
        finally:
            db.conn.close()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        message = body.get("message") or {}
        if channel and message.get("ts"):
            text, blocks = resolved_message(message.get("blocks") or [], note)
            client.chat_update(channel=channel, ts=message["ts"], text=text, blocks=blocks)


def register(app: App, settings: Settings | None = None, clock: Clock = utc_now) -> NudgeButtons:
    """Attach the nudge button callbacks to ``app``."""
    buttons = NudgeButtons(settings or load_settings(), clock)
    app.action(ACTION_DONE)(buttons.done)
    app.action(ACTION_SNOOZE_DAY)(buttons.snooze_working_day)
    app.action(ACTION_SNOOZE_WEEK)(buttons.snooze_week)
    return buttons
