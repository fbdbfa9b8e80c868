"""The ``mhhs-bot`` command group.

Errors raised inside (:class:`bot.errors.AssistantError`) are turned into one clear message and exit code 2 here,
at the edge, and nowhere else.
"""

from __future__ import annotations

import json
import logging
import sys

import click

from bot.config import Settings, load_settings, settings_table_markdown
from bot.errors import AssistantError
from knowledge.errors import KnowledgeError


class AssistantGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (AssistantError, KnowledgeError) as exc:
            raise click.ClickException(str(exc)) from exc


def get_settings(ctx: click.Context) -> Settings:
    """The settings for this run, loaded once (bad values stop here with the setting's name)."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "settings" not in root.obj:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        # Libraries' start-up chatter ("Loading faiss", HTTP requests) is not news to the person at the console.
        for noisy in ("faiss", "faiss.loader", "httpx", "sentence_transformers", "urllib3"):
            logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
        root.obj["settings"] = settings
    return root.obj["settings"]


@click.group(cls=AssistantGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mhhs-qualification-assistant", prog_name="mhhs-bot")
def cli() -> None:
    """MHHS Qualification Assistant: cited guidance answers, inbox triage, deadline nudges and cases.

    Settings come from environment variables or a .env file; `mhhs-bot settings` lists them.
    """


@cli.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README table of settings and defaults instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the current values as one JSON object.")
@click.pass_context
def settings_command(ctx: click.Context, markdown: bool, as_json: bool) -> None:
    """Show every setting and its current value (secrets hidden)."""
    if markdown:
        click.echo(settings_table_markdown())
        return
    items = get_settings(ctx).public_items()
    if as_json:
        click.echo(json.dumps(dict(items), indent=2))
        return
    width = max(len(name) for name, _ in items)
    for name, value in items:
        click.echo(f"{name.ljust(width)}  {value}")


# --- feature commands: each feature's module adds its commands here ----------------------------------------------
from bot.commands.deadlines import deadlines_command, nudges_command  # noqa: E402

cli.add_command(deadlines_command)
cli.add_command(nudges_command)

from bot.commands.mail import case_command, cases_command, triage_command, watch_command  # noqa: E402

cli.add_command(triage_command)
cli.add_command(watch_command)
cli.add_command(cases_command)
cli.add_command(case_command)

from bot.commands import knowledge as knowledge_commands  # noqa: E402

for _command in (
    knowledge_commands.index_command,
    knowledge_commands.ask_command,
    knowledge_commands.eval_command,
    knowledge_commands.chat_command,
    knowledge_commands.run_command,
):
    cli.add_command(_command)

from bot.commands.slack import serve_command  # noqa: E402

cli.add_command(serve_command)


def main() -> None:
    cli(prog_name="mhhs-bot")
