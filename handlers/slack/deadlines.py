"""Deadlines in Slack: ``/mhhs deadlines`` and the Done / Snooze buttons on nudges.

The nudges themselves are sent by the scheduler that ``mhhs-bot serve`` runs beside the app
(:func:`handlers.nudges.run_nudge_scheduler`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot import storage
from handlers.nudge_messages import ACTION_DONE, ACTION_SNOOZE_DAY, ACTION_SNOOZE_WEEK
from handlers.nudges import Clock, deadlines_subcommand, utc_now
from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import acknowledged
from handlers.slack.nudge_actions import NudgeButtons
from handlers.slack.subcommands import SubcommandRequest

CHOICES = {ACTION_DONE: "done", ACTION_SNOOZE_DAY: "working_day", ACTION_SNOOZE_WEEK: "week"}


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
