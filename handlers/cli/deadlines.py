"""Commands: ``mhhs-bot deadlines`` (list, --json, --ics; add and remove) and ``mhhs-bot nudges``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from bot import storage
from bot.core.errors import AssistantError
from bot.core.working_days import calendar_from_settings, to_london
from bot.deadlines import (
    DeadlineBook,
    add_team_deadline,
    all_deadlines,
    parse_due,
    remove_team_deadline,
    upcoming,
)
from bot.nudges import plan_nudges
from handlers.cli.context import get_settings
from handlers.cli.tables import print_table


def _parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        return parse_due(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


@click.group("deadlines", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the deadlines as a JSON list.")
@click.option(
    "--ics", "ics_file", type=click.Path(dir_okay=False, path_type=Path), help="Write an iCalendar file."
)
@click.option("--all", "show_all", is_flag=True, help="Include deadlines that have passed.")
@click.option(
    "--now", "now_text", help="List as at this time (ISO date-time, UK time unless an offset is given)."
)
@click.pass_context
def deadlines_command(ctx, as_json, ics_file, show_all, now_text) -> None:
    """List upcoming deadlines with their due dates and working days left."""
    if ctx.invoked_subcommand:
        return
    settings = get_settings(ctx)
    now = _parse_now(now_text)
    calendar = calendar_from_settings(settings)
    db = storage.connect(settings.database_path)
    found = all_deadlines(settings, db, calendar)
    if ics_file:
        from bot.deadlines.ics import deadlines_ics

        ics_file.write_bytes(deadlines_ics(settings, db, now))
        click.echo(f"wrote {ics_file}", err=True)
        if not as_json:
            return
    shown = found if show_all else upcoming(found, now)
    if as_json:
        click.echo(json.dumps([d.as_json(calendar, now) for d in shown], indent=2, ensure_ascii=False))
        return
    if not shown:
        click.echo("No upcoming deadlines.")
        return
    print_table(
        ["Due (UK time)", "Working days left", "ID", "Deadline", "Rule"],
        [
            (
                to_london(d.due).strftime("%a %d %b %Y %H:%M %Z"),
                calendar.working_days_left(now, d.due),
                d.key,
                d.name + (" (illustrative)" if d.illustrative else ""),
                d.rule or "",
            )
            for d in shown
        ],
        note="Working days left: Monday to Friday after today up to the due day, without bank holidays and "
        "MHHS_CLOSURE_DAYS (0 on the day).",
    )


@deadlines_command.command("add")
@click.argument("key")
@click.option("--name", required=True, help="What the deadline is called.")
@click.option(
    "--due", "due_text", required=True, help="Due date or date-time, UK time: 2026-12-11 or 2026-12-11 17:00."
)
@click.option("--what", default="", help="What is due.")
@click.option("--channel", "channels", multiple=True, help="A channel ID to nudge (repeatable).")
@click.option("--user", "users", multiple=True, help="A user ID to nudge by direct message (repeatable).")
@click.option("--no-team", is_flag=True, help="Do not nudge the team channel.")
@click.option(
    "--lead-days", help="Comma-separated working days before, e.g. 5,1,0. Default: MHHS_NUDGE_LEAD_DAYS."
)
@click.option("--guidance", help="Guidance reference, e.g. 06_qad-guide.md#2-two-formal-submissions.")
@click.pass_context
def add_command(ctx, key, name, due_text, what, channels, users, no_team, lead_days, guidance) -> None:
    """Add a team deadline (stored in the database, beside the deadlines file)."""
    settings = get_settings(ctx)
    try:
        due = parse_due(due_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--due") from None
    try:
        leads = [int(p) for p in lead_days.split(",") if p.strip()] if lead_days else None
    except ValueError:
        raise click.BadParameter("expected whole numbers like 5,1,0", param_hint="--lead-days") from None
    if leads is not None and any(v < 0 or v > 60 for v in leads):
        raise click.BadParameter("working days from 0 to 60", param_hint="--lead-days")
    audience = (
        ([] if no_team else ["team"]) + [f"channel:{c}" for c in channels] + [f"user:{u}" for u in users]
    )
    if not audience:
        raise AssistantError("nobody to nudge: give --channel or --user, or leave out --no-team")
    db = storage.connect(settings.database_path)
    deadline = add_team_deadline(
        db,
        settings,
        calendar_from_settings(settings),
        key=key,
        name=name,
        due=due,
        what=what,
        audience=audience,
        lead_days=leads,
        guidance=guidance,
        created_by="command line",
    )
    click.echo(f"added {deadline.key}: {deadline.name}, due {deadline.due_london.isoformat()}")


@deadlines_command.command("remove")
@click.argument("key")
@click.pass_context
def remove_command(ctx, key) -> None:
    """Remove a team deadline (deadlines from the file are changed in the file)."""
    settings = get_settings(ctx)
    db = storage.connect(settings.database_path)
    remove_team_deadline(db, settings, calendar_from_settings(settings), key)
    click.echo(f"removed {key}")


@click.command("nudges")
@click.option("--dry-run", is_flag=True, help="Show what would be sent and why; send nothing.")
@click.option("--once", is_flag=True, help="Send the nudges (and the digest) due now, once, and exit.")
@click.option(
    "--now", "now_text", help="The moment to plan for (ISO date-time, UK time unless an offset is given)."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of {deadline, due, send_at, audience, text, late}.",
)
@click.pass_context
def nudges_command(ctx, dry_run, once, now_text, as_json) -> None:
    """Show (--dry-run) or send (--once) the deadline nudges due at a moment."""
    from handlers.scheduler import run_nudges_once
    from handlers.slack.nudge_delivery import nudge_client

    if dry_run == once:
        raise click.UsageError("give --dry-run (show) or --once (send)")
    settings = get_settings(ctx)
    now = _parse_now(now_text)
    calendar = calendar_from_settings(settings)
    db = storage.connect(settings.database_path)
    if dry_run:
        plan = plan_nudges(settings, db, now, all_deadlines(settings, db, calendar), calendar)
        if as_json:
            click.echo(json.dumps([n.as_json() for n in plan.to_send], indent=2, ensure_ascii=False))
            return
        if not plan.to_send:
            click.echo(f"Nothing to send at {to_london(now).isoformat()}.")
        for n in plan.to_send:
            late = " LATE" if n.late else ""
            click.echo(f"{n.audience}{late}: {n.deadline.key} ({n.reason})\n    {n.text}")
        for n in plan.superseded:
            click.echo(f"{n.audience} skipped: {n.deadline.key} {n.slot} ({n.reason})")
        for why in plan.held:
            click.echo(f"held: {why}")
        return
    if not settings.slack.enabled:
        raise AssistantError("sending nudges needs SLACK_BOT_TOKEN")
    report = run_nudges_once(settings, db, nudge_client(settings), now, DeadlineBook(settings, calendar))
    if as_json:
        click.echo(json.dumps([n.as_json() for n in report.sent], indent=2, ensure_ascii=False))
        return
    click.echo(
        f"sent {len(report.sent)}, failed {len(report.failed)}, skipped {len(report.skipped)},"
        f" confirmed {report.confirmed}, unconfirmed {report.unconfirmed}"
    )
