"""Inbox triage and case commands: ``triage``, ``watch``, ``cases``, ``case``."""

from __future__ import annotations

import errno
import json
import signal
import sqlite3
import threading

import click

from bot import cases, storage
from bot.core.errors import CaseError, MailError, StorageError
from bot.core.text import printable
from bot.mail import outbox
from handlers.cli.context import get_settings
from handlers.cli.tables import print_table

EXIT_MAIL_FAILED = 3  # the pass ran, but some mail failed or was quarantined


def _storage_fault(exc: BaseException) -> bool:
    """A full disk, a read-only or unwritable data directory (not the IMAP link)."""
    if isinstance(exc, sqlite3.OperationalError):
        return True
    return getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def _require_imap(settings) -> None:
    if not settings.imap.enabled:
        raise MailError("IMAP_HOST is not set: no inbox to triage (see README, Inbox triage)")


@click.command("triage")
@click.option("--once", is_flag=True, help="Do one pass over the inbox and exit (without it: keep watching).")
@click.option("--backfill", is_flag=True, help="Take the whole folder, not only mail since MAIL_SINCE.")
@click.pass_context
def triage_command(ctx: click.Context, once: bool, backfill: bool) -> None:
    """Triage the shared inbox: Placing Reliance proposals become cases, retired-mailbox mail is flagged.

    Prints one summary line. Exit code 0: every mail handled; 3: some mail failed or was quarantined.
    """
    settings = get_settings(ctx)
    _require_imap(settings)
    if not once:
        ctx.invoke(watch_command)
        return
    from handlers.mail.imap import CONNECTION_ERRORS, Mailbox
    from handlers.mail.inbox import InboxTriage

    db = storage.connect(settings.database_path)
    triage = InboxTriage(settings, db)
    try:
        with Mailbox.open(settings) as mailbox:
            summary = triage.run_pass(mailbox, backfill=backfill)
    except (OSError, sqlite3.OperationalError) as exc:
        if not _storage_fault(exc):
            raise MailError(
                f"the IMAP connection failed during the pass ({exc}); run it again: nothing is lost"
            ) from exc
        raise StorageError(
            f"the data directory {settings.data_dir} cannot be written during the pass ({exc}); free space or "
            "fix its permissions and run the pass again: mail not yet saved stays in the inbox"
        ) from exc
    except CONNECTION_ERRORS as exc:
        raise MailError(
            f"the IMAP connection failed during the pass ({exc}); run it again: nothing is lost"
        ) from exc
    click.echo(summary.line())
    if summary.failed or summary.quarantined:
        ctx.exit(EXIT_MAIL_FAILED)


@click.command("watch")
@click.pass_context
def watch_command(ctx: click.Context) -> None:
    """Keep triaging the inbox as mail arrives (IDLE, or polling every MAIL_POLL_SECONDS) until stopped."""
    settings = get_settings(ctx)
    _require_imap(settings)
    from handlers.mail.watcher import run_inbox_watcher

    stop = threading.Event()

    def _stop(signum, frame) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"watching {settings.imap.folder} on {settings.imap.host} (Ctrl-C stops)")
    run_inbox_watcher(settings, stop, on_pass=lambda s: s.fetched and click.echo(s.line()))


def _say(text: str) -> None:
    """Print text that holds a mail's words: control characters (ESC, BEL, NUL...) never reach the terminal."""
    click.echo(printable(text))


def _undelivered_lines(db) -> None:
    rows = outbox.undelivered(db)
    if not rows:
        return
    _say(f"not delivered ({len(rows)}): `mhhs-bot cases --resend ID` sends one again")
    for r in rows:
        state = "held" if r["held"] else f"failed after {r['tries']} tries"
        _say(f"  {r['id']:>4}  {r['kind']}  {r['case_ref'] or '(no case)'}  {state}: {r['reason']}")


def _case_line(case: cases.PlacingRelianceCase) -> str:
    who = case.participant or case.sender
    if case.participant_id:
        who += f" ({case.participant_id})"
    flags = ", ".join(cases.FLAG_LABELS.get(f, f) for f in case.all_flags)
    return (
        f"{case.ref}  {case.status:<23}  {case.received_at[:16].replace('T', ' ')}  {who}"
        + (f"  [{flags}]" if flags else "")
        + (f"  owner {case.owner}" if case.owner else "")
    )


@click.command("cases")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one list).")
@click.option(
    "--status",
    metavar="S",
    help="open, mine (with --user), flagged, all, or a status (new, under review, clarification requested, "
    "accepted, rejected, withdrawn, merged): the same words as Slack's /mhhs cases.",
)
@click.option("--user", metavar="SLACK_ID", help="Whose cases --status mine lists (a Slack user id).")
@click.option(
    "--quarantined", is_flag=True, help="List quarantined mail (failed MAIL_MAX_TRIES times) instead."
)
@click.option(
    "--reprocess",
    "reprocess_id",
    type=int,
    metavar="ID",
    help="Move quarantined mail ID back to the inbox and triage it again.",
)
@click.option(
    "--resend",
    "resend_id",
    type=int,
    metavar="ID",
    help="Send the undelivered post or reply ID (listed under 'not delivered') again on the next pass.",
)
@click.pass_context
def cases_command(
    ctx: click.Context,
    as_json: bool,
    status: str | None,
    user: str | None,
    quarantined: bool,
    reprocess_id: int | None,
    resend_id: int | None,
) -> None:
    """List Placing Reliance cases, newest first (or quarantined mail), and posts or replies not delivered."""
    settings = get_settings(ctx)
    db = storage.connect(settings.database_path)
    if resend_id is not None:
        if not outbox.release(db, resend_id):
            raise MailError(f"no undelivered post or reply {resend_id} (see `mhhs-bot cases`)")
        click.echo(f"post or reply {resend_id} will be sent on the next triage pass")
        return
    if reprocess_id is not None:
        _require_imap(settings)
        from handlers.mail.imap import Mailbox
        from handlers.mail.inbox import InboxTriage

        triage = InboxTriage(settings, db)
        with Mailbox.open(settings) as mailbox:
            triage.release_quarantined(mailbox, reprocess_id)
            summary = triage.run_pass(mailbox)
        click.echo(f"released mail {reprocess_id} from quarantine; {summary.line()}")
        if summary.failed or summary.quarantined:
            ctx.exit(EXIT_MAIL_FAILED)
        return
    if quarantined:
        from bot.mail.failures import failures

        rows = failures(db)
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        if not rows:
            click.echo("no quarantined mail")
        for r in rows:
            _say(
                f"{r['id']:>4}  {r['last_failed_at'][:16].replace('T', ' ')}  tries {r['tries']}  "
                f"{r['sender'] or '(no sender)'}  {r['subject'] or '(no subject)'}\n"
                f"      reason: {r['reason']}\n      raw copy: {settings.data_dir / r['raw_path']}"
            )
        return
    found = _cases_for(db, status, user)
    if as_json:
        undelivered = outbox.undelivered(db)
        listed = []
        for c in found:
            data = cases.case_to_dict(db, c, detail=False)
            data["not_delivered"] = [r for r in undelivered if r["case_ref"] == c.ref]
            listed.append(data)
        click.echo(json.dumps(listed, indent=2))
        return
    if not found:
        click.echo("no cases")
    else:
        print_table(
            ["Case", "Status", "Received (UTC)", "Participant", "Flags", "Owner"],
            [
                (
                    case.ref,
                    case.status,
                    case.received_at[:16].replace("T", " "),
                    (case.participant or case.sender)
                    + (f" ({case.participant_id})" if case.participant_id else ""),
                    ", ".join(cases.FLAG_LABELS.get(f, f) for f in case.all_flags),
                    case.owner or "",
                )
                for case in found
            ],
        )
    _undelivered_lines(db)


def _cases_for(db, words: str | None, user: str | None) -> list[cases.PlacingRelianceCase]:
    """``--status``: a queue name as in Slack (open, mine, flagged, all) or a status in any of its spellings."""
    if not words:
        return cases.list_cases(db)
    key = words.strip().lower()
    if key in cases.QUEUES:
        if key == cases.QUEUE_MINE and not user:
            raise click.UsageError("--status mine needs --user SLACK_ID (whose cases)")
        return cases.queue(db, key, user)
    try:
        status = cases.status_from_text(key)
    except CaseError as exc:
        raise click.UsageError(f"{exc}; or one of {', '.join(cases.QUEUES)}") from exc
    return cases.list_cases(db, status=status)


@click.command("case")
@click.argument("ref")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the case as JSON (messages, attachments, history)."
)
@click.pass_context
def case_command(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Show one case: messages, attachments, completeness checks, notes and history."""
    settings = get_settings(ctx)
    db = storage.connect(settings.database_path)
    data = cases.case_to_dict(db, ref)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    case = cases.get_case(db, ref)
    _say(_case_line(case))
    if case.merged_into:
        _say(f"merged into {case.merged_into}: see mhhs-bot case {case.merged_into}")
    _say(f"subject: {data['subject']}")
    _say(f"sender: {data['sender']}  received {data['received_at']}")
    _say(
        "checks: "
        + (
            "addressed to both required mailboxes"
            if not data["missing_recipients"]
            else "missing recipient: " + ", ".join(data["missing_recipients"])
        )
        + "; "
        + ("PQS form attached" if data["pqs_form"] else "no PQS form attached")
        + ("; sent to a retired mailbox" if data["retired_mailbox"] else "")
    )
    _say(f"messages ({data['message_count']}):")
    for m in data["messages"]:
        if m["direction"] == "out":
            to = ", ".join(m["recipients"].get("to", []))
            _say(f"  {m['received_at']}  -> {to}  {m['subject']}  ({m.get('delivery')}, {m.get('author')})")
        else:
            held = f"  [held for review: {m['review']}]" if m.get("review") else ""
            _say(f"  {m['received_at']}  {m['sender']}  {m['subject']}{held}")
        if m["excerpt"]:
            _say(f"    {m['excerpt'][:160]}")
    _say(f"attachments ({len(data['attachments'])}):")
    for a in data["attachments"]:
        where = a["path"] if a["stored"] else a["note"]
        _say(
            f"  {a['filename'] or a['stored_name']}  {a['size']:,} bytes  sha256 {a['sha256'][:12]}…  {where}"
        )
    if data["notes"]:
        _say("notes:")
        for n in data["notes"]:
            _say(f"  {n['at']}  {n['author']}: {n['text']}")
    _say("history:")
    for e in data["history"]:
        _say(f"  {e['at']}  {e['actor']}  {e['action']}  {e['detail']}")
