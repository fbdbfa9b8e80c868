"""The ``mhhs-bot`` command line. Registration only: each feature's commands live in a module of their own
(:mod:`handlers.cli.knowledge`, :mod:`handlers.cli.mail`, :mod:`handlers.cli.casework`, :mod:`handlers.cli.deadlines`,
:mod:`handlers.cli.serve`, :mod:`handlers.cli.settings`); a new command is written there and added below."""

from __future__ import annotations

import click

from handlers.cli import casework, check, deadlines, knowledge, mail, ops, serve, settings
from handlers.cli.context import AssistantGroup


@click.group(cls=AssistantGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mhhs-qualification-assistant", prog_name="mhhs-bot")
def cli() -> None:
    """MHHS Qualification Assistant: cited guidance answers, inbox triage, deadline nudges and cases.

    Settings come from environment variables or a .env file; `mhhs-bot settings` lists them.
    """


for _command in (
    settings.settings_command,
    deadlines.deadlines_command,
    deadlines.nudges_command,
    mail.triage_command,
    mail.watch_command,
    mail.cases_command,
    mail.case_command,
    casework.reply_command,
    casework.merge_command,
    knowledge.index_command,
    knowledge.ask_command,
    knowledge.eval_command,
    knowledge.chat_command,
    knowledge.run_command,
    serve.serve_command,
    ops.gaps_command,
    ops.backup_command,
    check.check_command,
):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="mhhs-bot")
