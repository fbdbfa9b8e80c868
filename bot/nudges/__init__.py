"""Nudges before deadlines: which are due (plan), the sent-log that makes each go exactly once, Done and Snooze,
and the team's morning digest.

This package decides and records; it never talks to Slack. The scheduler and the Slack messages are in handlers/
(:mod:`handlers.scheduler`, :mod:`handlers.slack.nudge_delivery`, :mod:`handlers.slack.nudge_blocks`).
"""

from bot.core.clock import Clock, stamp, utc_now
from bot.nudges.digest import DigestContent, digest_content, digest_day
from bot.nudges.model import NudgePlan, PlannedNudge, Slot
from bot.nudges.plan import in_sending_window, nudge_slots, plan_nudges, resolve_audience, window_start
from bot.nudges.sent_log import MAX_ATTEMPTS, RECONCILE_AFTER, read_mark
from bot.nudges.state import SNOOZE_SPANS, mark_done, snooze
from bot.nudges.wording import days_left_phrase, format_day, format_due, nudge_text

__all__ = [
    "MAX_ATTEMPTS",
    "RECONCILE_AFTER",
    "SNOOZE_SPANS",
    "Clock",
    "DigestContent",
    "NudgePlan",
    "PlannedNudge",
    "Slot",
    "days_left_phrase",
    "digest_content",
    "digest_day",
    "format_day",
    "format_due",
    "in_sending_window",
    "mark_done",
    "nudge_slots",
    "nudge_text",
    "plan_nudges",
    "read_mark",
    "resolve_audience",
    "snooze",
    "stamp",
    "utc_now",
    "window_start",
]
