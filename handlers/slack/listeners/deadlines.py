"""Deadlines in Slack: ``/mhhs deadlines`` (list; the team adds and removes) and the Done / Snooze buttons on nudges.

The nudges themselves are sent by the scheduler that ``mhhs-bot serve`` runs beside the app
(:func:`handlers.scheduler.run_nudge_scheduler`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils
from slack_bolt import App

from bot import storage
from bot.core.errors import AssistantError
from bot.core.settings import Settings
from bot.core.working_days import calendar_from_settings
from bot.deadlines import (
    DeadlineSources,
    add_team_deadline,
    all_deadlines,
    parse_due,
    remove_team_deadline,
    upcoming,
)
from bot.nudges import Clock, utc_now
from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import acknowledged
from handlers.slack.listeners.nudge_buttons import NudgeButtons
from handlers.slack.nudge_blocks import (
    ACTION_DONE,
    ACTION_SNOOZE_DAY,
    ACTION_SNOOZE_WEEK,
    deadlines_list_message,
)
from handlers.slack.render import escape, section
from handlers.slack.subcommands import SubcommandRequest

CHOICES = {ACTION_DONE: "done", ACTION_SNOOZE_DAY: "working_day", ACTION_SNOOZE_WEEK: "week"}

DEADLINES_USAGE = (
    "`/mhhs deadlines` lists the next deadlines. The team can also use "
    "`/mhhs deadlines add ID YYYY-MM-DD [HH:MM] Name of the deadline` (nudges the team channel) and "
    "`/mhhs deadlines remove ID`."
)


def deadlines_reply(
    settings: Settings, db: sqlite_utils.Database, now: datetime, limit: int = 10
) -> tuple[str, list[dict[str, Any]]]:
    """``/mhhs deadlines``: the next programme and team deadlines (case deadlines are for the team only)."""
    calendar = calendar_from_settings(settings)
    sources = DeadlineSources(cases=False)
    items = upcoming(all_deadlines(settings, db, calendar, sources), now, include_cases=False)[:limit]
    return deadlines_list_message(
        [(d, calendar.working_days_left(now, d.due)) for d in items],
        guidance_base_url=settings.deadlines.guidance_base_url,
    )


def deadlines_subcommand(
    settings: Settings, db: sqlite_utils.Database, now: datetime, args: str, user: str, is_team_member: bool
) -> tuple[str, list[dict[str, Any]]]:
    """``/mhhs deadlines [add ID DATE [TIME] NAME | remove ID]``: list, or (team only) add and remove."""
    words = args.split()
    if not words:
        return deadlines_reply(settings, db, now)
    verb = words[0].lower()
    if verb not in ("add", "remove"):
        return DEADLINES_USAGE, [section(DEADLINES_USAGE)]
    if not is_team_member:
        text = "Only the qualification team can add or remove deadlines."
        return text, [section(text)]
    calendar = calendar_from_settings(settings)
    try:
        if verb == "remove" and len(words) == 2:
            remove_team_deadline(db, settings, calendar, words[1])
            text = f"Removed deadline `{words[1]}`."
        elif verb == "add" and len(words) >= 4:
            key, day, rest = words[1], words[2], words[3:]
            if rest and len(rest[0]) in (4, 5) and ":" in rest[0]:
                day, rest = f"{day} {rest[0]}", rest[1:]
            if not rest:
                raise AssistantError("a name is needed after the date")
            deadline = add_team_deadline(
                db,
                settings,
                calendar,
                key=key,
                name=" ".join(rest),
                due=parse_due(day),
                audience=("team",),
                created_by=user,
                now=now,
            )
            text = f"Added deadline `{deadline.key}`: {deadline.name}, due {deadline.due_london.strftime('%a %d %b %Y %H:%M')}."
        else:
            text = DEADLINES_USAGE
    except (AssistantError, ValueError) as exc:
        text = f"Not done: {exc}"
    text = escape(text)
    return text, [section(text)]


def register(app: App, assistant: SlackAssistant, clock: Clock = utc_now) -> None:
    settings = assistant.settings
    buttons = NudgeButtons(settings, clock)

    def list_deadlines(request: SubcommandRequest) -> dict[str, Any]:
        db = storage.connect(settings.database_path)
        try:
            text, blocks = deadlines_subcommand(
                settings,
                db,
                clock(),
                request.args,
                request.user_id,
                assistant.team.is_team_member(request.user_id),
            )
        finally:
            db.conn.close()
        return {"text": text, "blocks": blocks}

    assistant.subcommands.register_subcommand(
        "deadlines",
        list_deadlines,
        "`deadlines`: the next qualification deadlines with working days left; the team can "
        "`deadlines add ID DATE [TIME] NAME` and `deadlines remove ID`",
    )

    for action_id, choice in CHOICES.items():

        def nudge_button(body: dict[str, Any], client: Any, respond: Any, choice: str = choice) -> None:
            buttons.apply(body, client, choice)

        nudge_button.__name__ = f"nudge_{choice}"
        app.action(action_id)(**acknowledged(nudge_button))
