"""Commands for running the assistant: ``gaps`` (what the guidance is missing) and ``backup`` (a consistent copy of
the database while it is in use). ``check`` is in :mod:`handlers.cli.check`."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

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


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, file: Path) -> None:
    """Copy the database to FILE with SQLite's online backup API: consistent, and safe while serve runs.

    Restore by stopping the assistant and copying FILE over MHHS_DATA_DIR/assistant.db (see README, Operations).
    The index's vector files beside the database are rebuilt by `mhhs-bot index` if lost.
    """
    settings = get_settings(ctx)
    if not settings.database_path.exists():
        raise click.ClickException(f"no database at {settings.database_path} (setting MHHS_DATA_DIR)")
    if file.resolve() == settings.database_path.resolve():
        raise click.ClickException("FILE is the live database itself; choose another path")
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(settings.database_path, timeout=30)
    target = sqlite3.connect(partial)
    try:
        source.backup(target, pages=256)  # copies in steps; writers carry on between them
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        problem = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if problem != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"the copy failed its integrity check: {problem}")
    partial.replace(file)
    click.echo(f"backed up {settings.database_path} to {file} ({file.stat().st_size:,} bytes)")
