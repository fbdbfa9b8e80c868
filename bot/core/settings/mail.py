"""Settings of the inbox: the IMAP connection, triage (subject, mailboxes, folders, replies) and outgoing SMTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.core.addresses import GENERAL_ADDRESS, REC_ADDRESS, RETIRED_ADDRESS
from bot.core.settings.fields import (
    parse_address_map,
    parse_bool,
    parse_choice,
    parse_list,
    parse_optional_date,
    parse_optional_path,
    parse_optional_port,
    parse_optional_str,
    parse_positive_float,
    parse_positive_int,
    setting,
)


@dataclass(frozen=True)
class ImapSettings:
    """The shared IMAP inbox the assistant watches."""

    host: str | None = setting(
        "IMAP_HOST", "", "IMAP server of the shared inbox. Empty: no inbox triage.", parse_optional_str
    )
    port: int | None = setting(
        "IMAP_PORT", "", "IMAP port. Empty: 993 for ssl, 143 otherwise.", parse_optional_port
    )
    user: str | None = setting("IMAP_USER", "", "IMAP login name.", parse_optional_str)
    password: str | None = setting(
        "IMAP_PASSWORD", "", "IMAP password (password login).", parse_optional_str, secret=True
    )
    ssl: str = setting(
        "IMAP_SSL",
        "ssl",
        "ssl (IMAPS), starttls, or none (loopback hosts only, unless MHHS_ALLOW_CLEARTEXT=true).",
        parse_choice("ssl", "starttls", "none"),
    )
    ca_file: Path | None = setting(
        "IMAP_CA_FILE", "", "CA certificate file for a private IMAP server.", parse_optional_path
    )
    folder: str = setting("IMAP_FOLDER", "INBOX", "Folder watched for new mail.")
    auth: str = setting(
        "IMAP_AUTH",
        "password",
        "password (IMAP_PASSWORD) or oauth2 (XOAUTH2, as Microsoft 365 requires; token from IMAP_OAUTH2_*).",
        parse_choice("password", "oauth2"),
    )
    oauth2_token_command: str | None = setting(
        "IMAP_OAUTH2_TOKEN_COMMAND",
        "",
        "Shell command that prints an OAuth2 access token for IMAP_USER (used when IMAP_AUTH=oauth2).",
        parse_optional_str,
    )
    oauth2_tenant: str | None = setting(
        "IMAP_OAUTH2_TENANT",
        "",
        "Microsoft Entra tenant ID for MSAL client credentials (when no token command is set).",
        parse_optional_str,
    )
    oauth2_client_id: str | None = setting(
        "IMAP_OAUTH2_CLIENT_ID",
        "",
        "Application (client) ID for MSAL client credentials.",
        parse_optional_str,
    )
    oauth2_client_secret: str | None = setting(
        "IMAP_OAUTH2_CLIENT_SECRET",
        "",
        "Client secret for MSAL client credentials.",
        parse_optional_str,
        secret=True,
    )
    oauth2_authority: str = setting(
        "IMAP_OAUTH2_AUTHORITY",
        "https://login.microsoftonline.com",
        "Identity provider for MSAL client credentials; the tenant is appended.",
    )
    oauth2_scope: str = setting(
        "IMAP_OAUTH2_SCOPE",
        "https://outlook.office365.com/.default",
        "OAuth2 scope requested with MSAL client credentials.",
    )
    allow_cleartext: bool = setting(
        "MHHS_ALLOW_CLEARTEXT",
        "false",
        "Allow IMAP_SSL=none / SMTP_SSL=none (passwords and mail in clear text) for a host that is not loopback.",
        parse_bool,
    )

    @property
    def enabled(self) -> bool:
        """Inbox triage runs when an IMAP host is set."""
        return bool(self.host)


@dataclass(frozen=True)
class MailSettings:
    """Inbox triage: the tracked subject, required and retired mailboxes, folders, replies."""

    since: date | None = setting(
        "MAIL_SINCE",
        "",
        "First run: triage mail received on or after this date (2026-01-31). Empty: the last 30 days. "
        "`triage --once --backfill` takes the whole folder.",
        parse_optional_date,
    )
    folder_tracked: str = setting(
        "MAIL_FOLDER_TRACKED",
        "Triaged/Placing Reliance",
        "Folder that mail belonging to a Placing Reliance case is moved to (after its case is saved).",
    )
    folder_retired: str = setting(
        "MAIL_FOLDER_RETIRED",
        "Triaged/Retired mailbox",
        "Folder for mail sent to a retired address that belongs to no case.",
    )
    folder_other: str = setting("MAIL_FOLDER_OTHER", "Triaged/Other", "Folder for all other mail.")
    folder_quarantine: str = setting(
        "MAIL_FOLDER_QUARANTINE",
        "Triaged/Quarantine",
        "Folder for mail that failed MAIL_MAX_TRIES times (listed by `mhhs-bot cases --quarantined`).",
    )
    tracked_subject: str = setting(
        "MAIL_TRACKED_SUBJECT",
        "MHHS Qualification/Placing Reliance Proposal",
        "Subject of a Placing Reliance proposal (matched ignoring case, spacing, Re/Fwd prefixes and [tags]).",
    )
    required_recipients: tuple[str, ...] = setting(
        "MAIL_REQUIRED_RECIPIENTS",
        f"{GENERAL_ADDRESS},{REC_ADDRESS}",
        "Comma-separated mailboxes a proposal must be addressed to (To or Cc).",
        parse_list,
    )
    retired_addresses: tuple[tuple[str, str], ...] = setting(
        "MAIL_RETIRED_ADDRESSES",
        f"{RETIRED_ADDRESS}={GENERAL_ADDRESS}",
        "Comma-separated retired=replacement address pairs; mail to a retired address is flagged.",
        parse_address_map,
    )
    own_addresses: tuple[str, ...] = setting(
        "MAIL_OWN_ADDRESSES",
        "",
        "Comma-separated addresses the team sends from; never answered automatically (SMTP_FROM and "
        "MAIL_REQUIRED_RECIPIENTS are included).",
        parse_list,
    )
    acknowledge: bool = setting(
        "MAIL_ACKNOWLEDGE",
        "false",
        "Send an acknowledgement with the case reference to each submission (at most once a day per sender and case).",
        parse_bool,
    )
    redirect_reply: bool = setting(
        "MAIL_REDIRECT_REPLY",
        "false",
        "Tell senders to a retired address which address to use instead (at most once a day per sender).",
        parse_bool,
    )
    max_attachment_mb: float = setting(
        "MAIL_MAX_ATTACHMENT_MB",
        "20",
        "Attachments larger than this are recorded (name, size, sha256) but not stored.",
        parse_positive_float,
    )
    max_tries: int = setting(
        "MAIL_MAX_TRIES",
        "3",
        "Tries before a mail that fails to parse or process is moved to the quarantine folder.",
        parse_positive_int,
    )
    poll_seconds: int = setting(
        "MAIL_POLL_SECONDS",
        "60",
        "Seconds between checks when the server has no IDLE; with IDLE, retries of failed mail run this often.",
        parse_positive_int,
    )


@dataclass(frozen=True)
class SmtpSettings:
    """Outgoing mail: acknowledgements, redirects and replies go out through this server."""

    host: str | None = setting(
        "SMTP_HOST",
        "",
        "SMTP server for acknowledgements and redirect replies. Empty: no mail is sent.",
        parse_optional_str,
    )
    port: int | None = setting(
        "SMTP_PORT", "", "SMTP port. Empty: 465 for ssl, 587 for starttls, 25 for none.", parse_optional_port
    )
    user: str | None = setting("SMTP_USER", "", "SMTP login name. Empty: no login.", parse_optional_str)
    password: str | None = setting("SMTP_PASSWORD", "", "SMTP password.", parse_optional_str, secret=True)
    ssl: str = setting(
        "SMTP_SSL",
        "starttls",
        "ssl, starttls, or none (loopback hosts only, unless MHHS_ALLOW_CLEARTEXT=true).",
        parse_choice("ssl", "starttls", "none"),
    )
    from_address: str | None = setting(
        "SMTP_FROM", "", "From address of replies the assistant sends.", parse_optional_str
    )
    reply_templates: Path | None = setting(
        "MHHS_REPLY_TEMPLATES",
        "",
        "Folder of reply templates (NAME.txt) the team edits; they add to, or replace by name, the bundled ones. "
        "Empty: the bundled templates only.",
        parse_optional_path,
    )
