"""How a nudge and a deadline's time read, in plain text (Slack's Block Kit is built from these in handlers/).

The plain text of a nudge is what the sent-log records and ``mhhs-bot nudges --dry-run`` shows.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.working_days import to_london
from bot.deadlines import Deadline


def format_due(moment: datetime) -> str:
    """``Tue 31 Mar 2026, 17:00 BST`` (Europe/London)."""
    local = to_london(moment)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y, %H:%M')} {local.tzname()}"


def format_day(moment: datetime) -> str:
    local = to_london(moment)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')}, {local.strftime('%H:%M')}"


def days_left_phrase(days: int, due_today: bool = True) -> str:
    if days < 0:
        return f"overdue by {-days} working day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today" if due_today else "no working days left"
    return f"{days} working day{'s' if days != 1 else ''} left"


def nudge_lead(late: bool, snooze_reminder: bool = False) -> str:
    """The nudge's opening words: a reminder or a snooze's reminder, and whether it was sent late."""
    lead = "Reminder (snoozed)" if snooze_reminder else "Deadline reminder"
    if late:
        lead += " - sent late: the assistant was offline at the planned time"
    return lead


def nudge_text(
    deadline: Deadline,
    *,
    working_days_left: int,
    late: bool,
    snooze_reminder: bool = False,
    due_today: bool = False,
) -> str:
    """The nudge as one line of plain text: what is due, when, working days left, the guidance reference."""
    when = format_due(deadline.due)
    left = days_left_phrase(working_days_left, due_today)
    text = f"{nudge_lead(late, snooze_reminder)}: {deadline.name} is due {when} ({left})."
    if deadline.what:
        text += f" What is due: {deadline.what}."
    if deadline.guidance:
        text += f" Guidance: {deadline.guidance}"
    return text
