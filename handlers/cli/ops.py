"""Commands for running the assistant: ``gaps`` (what the guidance is missing), ``check`` (every connection and file
before serving) and ``backup`` (a consistent copy of the database while it is in use)."""

from __future__ import annotations

import json
from datetime import date

import click

from bot import storage
from bot.answers.records import SlackRecords
from handlers.cli.context import get_settings
from handlers.cli.tables import print_table


@click.command("gaps")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only questions asked on or after DATE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of groups.")
@click.pass_context
def gaps_command(ctx: click.Context, since, as_json: bool) -> None:
    """What the guidance is missing: declined questions and 👎 answers, grouped by similar question.

    Each group has its count, examples, the nearest passage (with its 👍/👎 votes), and how many were declined
    or voted down. Questions a team answer covers are left out. JSON: a list of
    {"group", "count", "examples", "nearest", "declined", "downvotes"}.
    """
    from bot.knowledge_base import make_embedder

    settings = get_settings(ctx)
    db = storage.connect(settings.database_path)
    try:
        since_day: date | None = since.date() if since else None
        groups = SlackRecords(db).knowledge_gaps(make_embedder(settings).encode, since_day)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps([g.as_json() for g in groups], indent=2, ensure_ascii=False))
        return
    if not groups:
        click.echo(
            "No knowledge gaps: no declined questions or 👎 answers" + (" since then." if since else ".")
        )
        return
    print_table(
        ["#", "Question (group)", "Count", "Declined", "👎", "Other wordings", "Nearest passage (👍/👎)"],
        [
            (
                n,
                g.group,
                g.count,
                g.declined,
                g.downvotes,
                " | ".join(g.examples[1:]),
                f"{g.nearest['title']} › {g.nearest['section']} ({g.nearest['up']}/{g.nearest['down']})"
                if g.nearest
                else "",
            )
            for n, g in enumerate(groups, 1)
        ],
        note="Answer a group from App Home (Answer as team); later askers then get the team's answer, cited.",
    )
