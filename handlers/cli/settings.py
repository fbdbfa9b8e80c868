"""``mhhs-bot settings``: every setting and its current value."""

from __future__ import annotations

import json

import click

from bot.core.settings import settings_table_markdown
from handlers.cli.context import get_settings


@click.command("settings")
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
