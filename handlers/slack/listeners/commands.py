"""The ``/mhhs`` slash command: questions answered privately, ``help``, and the registered subcommands."""

from __future__ import annotations

from slack_bolt import App

from handlers.slack.assistant import COMMAND, SlackAssistant
from handlers.slack.failures import acknowledged
from handlers.slack.subcommands import SubcommandRequest


def register(app: App, assistant: SlackAssistant) -> None:
    def retract_team_answer(request: SubcommandRequest) -> str:
        if not request.args:
            return f"Usage: `{COMMAND} retract TA-0001`"
        return assistant.retract(request.client, request.args.split()[0], request.user_id)

    assistant.subcommands.register_subcommand(
        "retract",
        retract_team_answer,
        "`retract TA-0001`: withdraw a team answer so it is no longer cited",
        team_only=True,
    )

    def answer_command(body, client, respond):
        respond(**assistant.on_command(client, body))

    app.command(COMMAND)(**acknowledged(answer_command))
