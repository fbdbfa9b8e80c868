"""Working a case from the command line: ``reply`` (a mail to the participant) and ``merge`` (a duplicate case)."""

from __future__ import annotations

import getpass
import json

import click

from bot import storage
from handlers.cli.context import get_settings


def cli_actor() -> str:
    """Who a change from the command line is recorded as: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@click.command("reply")
@click.argument("ref", required=False)
@click.option(
    "--template", "template", metavar="NAME", help="Reply with this template (see --list-templates)."
)
@click.option("--text", "text", metavar="TEXT", help="Reply with this text instead of a template.")
@click.option("--reason", metavar="TEXT", help="The reason a template asks for (clarification, rejected).")
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="ADDR",
    help="Send to this address (repeatable). Default: the case's sender.",
)
@click.option(
    "--cc",
    "cc",
    multiple=True,
    metavar="ADDR",
    help="Copy this address (repeatable) instead of both required mailboxes.",
)
@click.option("--no-cc", is_flag=True, help="Copy nobody (by default both required mailboxes are copied).")
@click.option("--dry-run", is_flag=True, help="Show the mail that would be sent; send and record nothing.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"ref", "to", "cc", "subject", "in_reply_to", "message_id", "sent"}.',
)
@click.option("--list-templates", is_flag=True, help="List the reply templates and the fields they may use.")
@click.pass_context
def reply_command(
    ctx: click.Context,
    ref: str,
    template: str | None,
    text: str | None,
    reason: str | None,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    no_cc: bool,
    dry_run: bool,
    as_json: bool,
    list_templates: bool,
) -> None:
    """Reply to the participant of case REF by mail, from the team's shared address (SMTP_FROM).

    The mail goes to the case's sender, copying both required mailboxes, with the subject "[REF] <original
    subject>", threaded under the participant's last mail; it is stored on the case and shown in its history.
    A template's Status line moves the case once the reply is sent (e.g. missing_pqs_form: clarification
    requested). --list-templates lists the templates (REF not needed).
    """
    settings = get_settings(ctx)
    from bot.mail import case_replies

    if list_templates:
        for t in case_replies.load_templates(settings).values():
            moves = f"  (then: {t.status})" if t.status else ""
            click.echo(f"{t.name:<20} {t.title}{moves}   {t.path}")
        click.echo("fields: " + ", ".join("${" + f + "}" for f in case_replies.FIELDS))
        return
    if not ref:
        raise click.UsageError("which case? mhhs-bot reply PR-0007 --template NAME")
    if bool(template) == bool(text):
        raise click.UsageError("give --template NAME or --text TEXT (one of them)")
    if no_cc and cc:
        raise click.UsageError("--no-cc and --cc together: say one")
    from handlers.mail.case_replies import send_case_reply

    db = storage.connect(settings.database_path)
    try:
        outcome = send_case_reply(
            settings,
            db,
            ref,
            actor=cli_actor(),
            text=text,
            template=template,
            reason=reason,
            to=list(to) or None,
            cc=[] if no_cc else (list(cc) or None),
            dry_run=dry_run,
        )
    finally:
        db.conn.close()
    reply = outcome.reply
    if as_json:
        click.echo(json.dumps(reply.as_json(outcome.sent), indent=2))
        return
    if dry_run:
        click.echo("dry run: nothing sent\n")
        click.echo(reply.message.as_string())
        return
    moved = f"; {reply.ref} is now {outcome.status.replace('_', ' ')}" if outcome.status else ""
    click.echo(
        f"sent {reply.subject} to {', '.join(reply.to)}"
        + (f" (cc {', '.join(reply.cc)})" if reply.cc else "")
        + f", Message-ID <{reply.message_id}>{moved}"
    )


@click.command("merge")
@click.argument("source", metavar="REF")
@click.option("--into", "target", required=True, metavar="REF", help="The case that stays (e.g. PR-0007).")
@click.option("--json", "as_json", is_flag=True, help="Print what moved as JSON.")
@click.pass_context
def merge_command(ctx: click.Context, source: str, target: str, as_json: bool) -> None:
    """Merge duplicate case REF into another: its mails, attachments, notes and history move; REF stays as a
    pointer ("merged into ...") and later mail naming it goes to the other case. Audited on both cases."""
    settings = get_settings(ctx)
    from bot.mail.merging import merge

    db = storage.connect(settings.database_path)
    try:
        result = merge(db, settings, source, target, cli_actor())
    finally:
        db.conn.close()
    if as_json:
        click.echo(json.dumps(result.__dict__, indent=2))
    else:
        click.echo(result.line())
