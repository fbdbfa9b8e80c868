"""Settings: the only code that reads the environment.

Every setting is a field of a frozen section (:class:`KnowledgeSettings`, :class:`SlackSettings`,
:class:`ImapSettings`, :class:`MailSettings`, :class:`SmtpSettings`, :class:`DeadlineSettings`), declared with its
environment variable, its default and a help text (:func:`bot.core.settings.fields.setting`). :class:`Settings` holds
the few general settings and one attribute per section: ``settings.imap.host``, ``settings.slack.team_channel``.

Values come from the process environment, then from an optional ``.env`` file (``MHHS_ENV_FILE``, default
``./.env``); the environment wins. A bad value raises :class:`bot.core.errors.ConfigError` naming the setting.

``mhhs-bot settings`` prints the table that README.md carries.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.core.addresses import GENERAL_ADDRESS
from bot.core.errors import ConfigError
from bot.core.settings.deadlines import DeadlineSettings
from bot.core.settings.fields import parse_choice, parse_path, setting, shown_value
from bot.core.settings.knowledge import KnowledgeSettings
from bot.core.settings.mail import ImapSettings, MailSettings, SmtpSettings
from bot.core.settings.slack import SlackSettings

SECTIONS: dict[str, type] = {
    "knowledge": KnowledgeSettings,
    "slack": SlackSettings,
    "imap": ImapSettings,
    "mail": MailSettings,
    "smtp": SmtpSettings,
    "deadlines": DeadlineSettings,
}


@dataclass(frozen=True)
class Settings:
    """Every setting of one run: the general ones here, the rest in one section per feature."""

    data_dir: Path = setting(
        "MHHS_DATA_DIR",
        "./data",
        "Folder for the SQLite database, index files, saved mail and attachments.",
        parse_path,
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
        parse_choice("debug", "info", "warning", "error"),
    )
    knowledge: KnowledgeSettings = dataclasses.field(default_factory=KnowledgeSettings)
    slack: SlackSettings = dataclasses.field(default_factory=SlackSettings)
    imap: ImapSettings = dataclasses.field(default_factory=ImapSettings)
    mail: MailSettings = dataclasses.field(default_factory=MailSettings)
    smtp: SmtpSettings = dataclasses.field(default_factory=SmtpSettings)
    deadlines: DeadlineSettings = dataclasses.field(default_factory=DeadlineSettings)

    def public_items(self) -> list[tuple[str, str]]:
        """(environment variable, value as text) for every setting, secrets hidden."""
        rows = []
        for section, f in _declared(self):
            value = getattr(section, f.name)
            shown = "(set)" if f.metadata["secret"] and value else shown_value(value)
            rows.append((f.metadata["env"], shown))
        return rows

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed, named as their environment variables in lower case without a leading
        ``mhhs_`` (``imap_host=``, ``data_dir=``, ``deadlines_file=``), as :func:`load_settings` takes overrides."""
        general: dict[str, Any] = {}
        sections: dict[str, dict[str, Any]] = {}
        by_key = {key: (section, f.name) for key, section, f in _keyed()}
        for key, value in changes.items():
            if key not in by_key:
                raise TypeError(f"no setting {key!r}")
            section, name = by_key[key]
            if section is None:
                general[name] = value
            else:
                sections.setdefault(section, {})[name] = value
        for section, values in sections.items():
            general[section] = dataclasses.replace(getattr(self, section), **values)
        return dataclasses.replace(self, **general)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "assistant.db"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        """Model files derived from the embedding model (its saved CTranslate2 and ONNX copies)."""
        return self.data_dir / "models"

    @property
    def mail_dir(self) -> Path:
        """Saved raw mail (failures) and attachments."""
        return self.data_dir / "mail"

    @property
    def mail_own_address_set(self) -> frozenset[str]:
        """Addresses never answered automatically and never opening a case: the team's own."""
        own = {a.lower() for a in (*self.mail.own_addresses, *self.mail.required_recipients)}
        if self.smtp.from_address:
            own.add(self.smtp.from_address.lower())
        return frozenset(own)


def _general_fields() -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(Settings) if "env" in f.metadata]


def _declared(settings: Settings) -> Iterator[tuple[Any, dataclasses.Field]]:
    """(object holding the value, field) for every setting, in the README's order."""
    for f in _general_fields():
        yield settings, f
    for name in SECTIONS:
        section = getattr(settings, name)
        for f in dataclasses.fields(section):
            yield section, f


def setting_key(f: dataclasses.Field) -> str:
    """The name a setting is overridden by: its environment variable in lower case, without ``mhhs_``."""
    return f.metadata["env"].lower().removeprefix("mhhs_")


def _keyed() -> Iterator[tuple[str, str | None, dataclasses.Field]]:
    for f in _general_fields():
        yield setting_key(f), None, f
    for name, section in SECTIONS.items():
        for f in dataclasses.fields(section):
            yield setting_key(f), name, f


def setting_fields() -> list[dataclasses.Field]:
    """Every setting's declaration (general first, then each section's), in the README's order."""
    return [f for _, _, f in _keyed()]


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike | None = None, **overrides: Any
) -> Settings:
    """Build the settings from ``environ`` (default: the process environment) and an optional .env file.

    ``overrides`` set settings directly, named as in :meth:`Settings.replace` (used by tests and benchmarks).
    """
    env = dict(os.environ if environ is None else environ)
    file_path = Path(env_file or env.get("MHHS_ENV_FILE") or ".env")
    if env_file is not None or "MHHS_ENV_FILE" in env:
        if not file_path.is_file():
            raise ConfigError("MHHS_ENV_FILE", f"no such file: {file_path}")
    if file_path.is_file():
        from_file = {k: v for k, v in dotenv_values(file_path).items() if v is not None}
        env = {**from_file, **env}
    unknown = set(overrides) - {key for key, _, _ in _keyed()}
    if unknown:
        raise TypeError(f"no setting {sorted(unknown)[0]!r}")
    general: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    for key, section, f in _keyed():
        name = f.metadata["env"]
        if key in overrides:
            value = overrides[key]
        else:
            raw = env.get(name, f.metadata["default"])
            try:
                value = f.metadata["parse"](raw)
            except ValueError as exc:
                raise ConfigError(name, str(exc)) from None
        (general if section is None else sections[section])[f.name] = value
    settings = Settings(**general, **{name: SECTIONS[name](**values) for name, values in sections.items()})
    _check_combinations(settings)
    return settings


def _check_combinations(s: Settings) -> None:
    if s.slack.bot_token and not s.slack.app_token and not s.slack.signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET",
            "required in HTTP mode (when SLACK_BOT_TOKEN is set and SLACK_APP_TOKEN is not)",
        )
    if s.imap.host and not s.imap.user:
        raise ConfigError("IMAP_USER", "required when IMAP_HOST is set")
    if s.imap.host and s.imap.auth == "oauth2" and not s.imap.oauth2_token_command:
        if not (s.imap.oauth2_tenant and s.imap.oauth2_client_id and s.imap.oauth2_client_secret):
            raise ConfigError(
                "IMAP_OAUTH2_TOKEN_COMMAND",
                "IMAP_AUTH=oauth2 needs a token command or IMAP_OAUTH2_TENANT, _CLIENT_ID and _CLIENT_SECRET",
            )
    if s.imap.host and s.imap.auth == "password" and not s.imap.password:
        raise ConfigError("IMAP_PASSWORD", "required when IMAP_HOST is set and IMAP_AUTH=password")
    if s.imap.ca_file and not s.imap.ca_file.is_file():
        raise ConfigError("IMAP_CA_FILE", f"no such file: {s.imap.ca_file}")
    if s.deadlines.file and not s.deadlines.file.is_file():
        raise ConfigError("MHHS_DEADLINES_FILE", f"no such file: {s.deadlines.file}")
    for name, host, mode in (("IMAP_SSL", s.imap.host, s.imap.ssl), ("SMTP_SSL", s.smtp.host, s.smtp.ssl)):
        if host and mode == "none" and not _loopback(host) and not s.imap.allow_cleartext:
            raise ConfigError(
                name,
                f"none sends the password and mail to {host} in clear text; it is for loopback hosts only "
                "(use ssl or starttls, or set MHHS_ALLOW_CLEARTEXT=true to allow it)",
            )


def _loopback(host: str) -> bool:
    if host.strip().lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


SECTION_TITLES = {
    None: "General",
    "knowledge": "Knowledge base",
    "slack": "Slack",
    "imap": "IMAP inbox",
    "mail": "Inbox triage",
    "smtp": "Outgoing mail",
    "deadlines": "Deadlines and nudges",
}


def settings_table_markdown() -> str:
    """The README's tables of every setting, its default and its meaning: one table a section."""
    parts: list[str] = []
    current: object = object()
    for _, section, f in _keyed():
        if section != current:
            current = section
            parts += [
                "" if parts else None,
                f"**{SECTION_TITLES[section]}**",
                "",
                "| Setting | Default | Meaning |",
            ]
            parts.append("| --- | --- | --- |")
        default = f.metadata["default"]
        shown = f"`{default}`" if default else "(empty)"
        parts.append(f"| `{f.metadata['env']}` | {shown} | {f.metadata['help']} |")
    return "\n".join(p for p in parts if p is not None)
