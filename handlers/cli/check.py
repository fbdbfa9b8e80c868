"""``mhhs-bot check``: every configured connection and file, tested before serving.

Each check names the setting to fix when it fails. ``serve`` runs the same checks at start and stops at the first
failure with one line (exit code 2) instead of a traceback from deep inside a library.
"""

from __future__ import annotations

import json
import os
import smtplib
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass

import click

from bot.core.settings import Settings
from handlers.cli.context import get_settings
from handlers.cli.tables import print_table
from handlers.mail import smtp as smtp_connection

CHECK_TIMEOUT = 15  # seconds per network check


@dataclass(frozen=True)
class Check:
    name: str
    setting: str  # the setting to look at when it fails
    ok: bool
    detail: str

    def line(self) -> str:
        return f"setting {self.setting}: {self.detail}"


class CheckFailed(Exception):
    def __init__(self, setting: str, detail: str):
        super().__init__(detail)
        self.setting = setting


def _data_dir(settings: Settings) -> str:
    folder = settings.data_dir
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise CheckFailed("MHHS_DATA_DIR", f"{existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CheckFailed("MHHS_DATA_DIR", f"{existing} is not writable by this user")
    if folder.exists() and folder.stat().st_mode & 0o002:
        raise CheckFailed("MHHS_DATA_DIR", f"{folder} is writable by everyone; chmod o-w it")
    return f"{folder} is writable" if folder.exists() else f"{folder} will be created"


def _index(settings: Settings) -> str:
    from bot.knowledge_base import knowledge_config
    from bot.storage import connect
    from knowledge.errors import KnowledgeError
    from knowledge.service import expected_encoder
    from knowledge.store import load_vectors

    if not settings.database_path.exists():
        raise CheckFailed("MHHS_GUIDANCE_PATHS", "the guidance has not been indexed yet: run mhhs-bot index")
    config = knowledge_config(settings)
    db = connect(settings.database_path)
    try:
        state, vectors = load_vectors(db, config.index_dir, config.embedding_model)
    except KnowledgeError as exc:
        raise CheckFailed("MHHS_EMBEDDING_MODEL", str(exc)) from None
    finally:
        db.close()
    expected = expected_encoder(config)
    if state.encoder != expected:
        raise CheckFailed(
            "MHHS_EMBEDDING_PRECISION",
            f"the index holds {state.encoder} vectors but questions would be embedded as {expected}: run mhhs-bot "
            "index to re-embed the guidance (mhhs-bot run does it by itself)",
        )
    return f"{len(vectors)} passages, model {state.model} ({state.encoder} vectors), built {state.built_at}"


def _deadlines(settings: Settings) -> str:
    from bot.core.errors import AssistantError
    from bot.core.working_days import calendar_from_settings
    from bot.deadlines import file_deadlines

    if not settings.deadlines.file:
        return "no deadlines file (MHHS_DEADLINES_FILE not set)"
    try:
        found = file_deadlines(settings, calendar_from_settings(settings))
    except (AssistantError, OSError) as exc:
        raise CheckFailed("MHHS_DEADLINES_FILE", str(exc)) from None
    return f"{len(found)} deadlines in {settings.deadlines.file}"


def _slack_call(settings: Settings, token: str, setting: str, method: str) -> dict:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=token, base_url=settings.slack.api_url, timeout=CHECK_TIMEOUT)
    try:
        return dict(client.api_call(method).data)
    except SlackApiError as exc:
        raise CheckFailed(setting, f"Slack refused it ({method}: {exc.response.get('error')})") from None
    except OSError as exc:
        raise CheckFailed("SLACK_API_URL", f"cannot reach Slack at {settings.slack.api_url}: {exc}") from None


def _slack_bot(settings: Settings) -> str:
    if not settings.slack.bot_token:
        return "Slack not configured (SLACK_BOT_TOKEN not set): local console only"
    if not settings.slack.app_token and not settings.slack.signing_secret:
        raise CheckFailed("SLACK_SIGNING_SECRET", "required in HTTP mode (when SLACK_APP_TOKEN is not set)")
    found = _slack_call(settings, settings.slack.bot_token, "SLACK_BOT_TOKEN", "auth.test")
    return f"bot {found.get('user')} ({found.get('user_id')}) in workspace {found.get('team')}"


def _slack_app(settings: Settings) -> str:
    if not settings.slack.app_token:
        return "HTTP mode (SLACK_APP_TOKEN not set)"
    _slack_call(settings, settings.slack.app_token, "SLACK_APP_TOKEN", "apps.connections.open")
    return "Socket Mode: Slack offers a connection"


def _imap(settings: Settings) -> str:
    from bot.core.errors import MailError
    from handlers.mail.imap import CONNECTION_ERRORS, Mailbox

    if not settings.imap.enabled:
        return "no inbox (IMAP_HOST not set)"
    try:
        with Mailbox.open(settings, timeout=CHECK_TIMEOUT) as mailbox:
            try:
                mailbox.select(settings.imap.folder)
            except Exception as exc:  # noqa: BLE001 - the server's reason is the message
                raise CheckFailed(
                    "IMAP_FOLDER", f"cannot open folder {settings.imap.folder!r}: {exc}"
                ) from None
    except MailError as exc:
        setting = "IMAP_PASSWORD" if "login" in str(exc) else "IMAP_HOST"
        raise CheckFailed(setting, str(exc)) from None
    except CONNECTION_ERRORS as exc:
        raise CheckFailed("IMAP_HOST", f"the IMAP server dropped the connection: {exc}") from None
    return f"logged in as {settings.imap.user}; folder {settings.imap.folder} opened"


def _smtp(settings: Settings) -> str:
    if not settings.smtp.host:
        return "no outgoing mail (SMTP_HOST not set)"
    port = smtp_connection.port_of(settings)
    try:
        with smtp_connection.open_connection(settings, CHECK_TIMEOUT) as smtp:
            try:
                smtp_connection.log_in(settings, smtp)
            except smtplib.SMTPException as exc:
                raise CheckFailed("SMTP_PASSWORD", f"login as {settings.smtp.user} refused: {exc}") from None
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        raise CheckFailed("SMTP_HOST", f"cannot talk to {settings.smtp.host}:{port}: {exc}") from None
    return f"{settings.smtp.host}:{port} answers" + (
        f", login as {settings.smtp.user}" if settings.smtp.user else ""
    )


CHECKS: list[tuple[str, str, Callable[[Settings], str]]] = [
    ("Data directory", "MHHS_DATA_DIR", _data_dir),
    ("Guidance index", "MHHS_GUIDANCE_PATHS", _index),
    ("Deadlines file", "MHHS_DEADLINES_FILE", _deadlines),
    ("Slack bot token", "SLACK_BOT_TOKEN", _slack_bot),
    ("Slack app token", "SLACK_APP_TOKEN", _slack_app),
    ("IMAP inbox", "IMAP_HOST", _imap),
    ("SMTP", "SMTP_HOST", _smtp),
]


def run_checks(settings: Settings, stop_at_first: bool = False) -> list[Check]:
    results = []
    for name, setting, check in CHECKS:
        try:
            results.append(Check(name, setting, True, check(settings)))
        except CheckFailed as failed:
            results.append(Check(name, failed.setting, False, str(failed)))
            if stop_at_first:
                break
    return results


def first_failure(settings: Settings) -> Check | None:
    """What ``serve`` runs at start: the first failing check, or None."""
    return next((c for c in run_checks(settings, stop_at_first=True) if not c.ok), None)


@click.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of {name, setting, ok, detail}.")
@click.pass_context
def check_command(ctx: click.Context, as_json: bool) -> None:
    """Test every configured connection and file: data directory, index, deadlines file, Slack tokens, IMAP, SMTP.

    Exit code 0 when every check passes, 2 when one fails (its row names the setting to fix).
    """
    results = run_checks(get_settings(ctx))
    if as_json:
        click.echo(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print_table(
            ["Check", "Result", "Setting", "Detail"],
            [(r.name, "ok" if r.ok else "FAILED", r.setting, r.detail) for r in results],
        )
    if not all(r.ok for r in results):
        sys.exit(2)
