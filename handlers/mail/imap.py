"""IMAP: connect, log in, list and fetch raw mail by UID, move it between folders. Nothing here parses mail.

TLS by default (IMAPS, or STARTTLS), a custom CA file for private servers; password login or OAuth2 (XOAUTH2)
with the access token from a command or from MSAL client credentials (Microsoft 365).
"""

from __future__ import annotations

import logging
import shlex
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from bot.core.errors import MailError
from bot.core.settings import Settings

log = logging.getLogger(__name__)

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
FETCH_BATCH = 100
FETCH_BATCH_BYTES = 64 * 1024 * 1024  # a batch of large mails is fetched in smaller groups
# What a dropped or refused link looks like; the watcher reconnects on these.
CONNECTION_ERRORS = (OSError, socket.timeout, ssl.SSLError, IMAPClientError, EOFError)


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    raw: bytes
    internal_date: datetime | None


def oauth2_token(settings: Settings) -> str:
    """An access token for XOAUTH2: from IMAP_OAUTH2_TOKEN_COMMAND, or MSAL client credentials."""
    if settings.imap.oauth2_token_command:
        try:
            done = subprocess.run(
                shlex.split(settings.imap.oauth2_token_command),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MailError(f"IMAP_OAUTH2_TOKEN_COMMAND could not run: {exc}") from None
        token = done.stdout.strip()
        if done.returncode != 0 or not token:
            detail = (done.stderr or "").strip()[:200]
            raise MailError(
                f"IMAP_OAUTH2_TOKEN_COMMAND gave no token (exit {done.returncode}) {detail}".strip()
            )
        return token
    import msal

    authority = settings.imap.oauth2_authority.rstrip("/")
    try:
        app = msal.ConfidentialClientApplication(
            settings.imap.oauth2_client_id,
            authority=f"{authority}/{settings.imap.oauth2_tenant}",
            client_credential=settings.imap.oauth2_client_secret,
            # Microsoft's own authority is checked against its instance list; a private one is taken as given.
            instance_discovery=authority == MICROSOFT_AUTHORITY,
            timeout=60,
        )
        result = app.acquire_token_for_client(scopes=[settings.imap.oauth2_scope])
    except (OSError, ValueError) as exc:  # unreachable identity provider, bad discovery document
        raise MailError(f"MSAL could not get an IMAP token from {authority}: {exc}") from exc
    if "access_token" not in result:
        raise MailError(f"MSAL gave no IMAP token: {result.get('error_description') or result.get('error')}")
    return result["access_token"]


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.imap.ca_file) if settings.imap.ca_file else None)


def connect(settings: Settings, timeout: float = 60) -> IMAPClient:
    """A logged-in IMAPClient for the settings' server (raises MailError with the reason when refused)."""
    if not settings.imap.host:
        raise MailError("IMAP_HOST is not set: no inbox to triage")
    mode = settings.imap.ssl
    port = settings.imap.port or (993 if mode == "ssl" else 143)
    try:
        client = IMAPClient(
            settings.imap.host,
            port=port,
            ssl=mode == "ssl",
            ssl_context=_ssl_context(settings) if mode == "ssl" else None,
            timeout=timeout,
        )
    except CONNECTION_ERRORS as exc:
        raise MailError(f"cannot reach IMAP server {settings.imap.host}:{port}: {exc}") from exc
    try:
        if mode == "starttls":
            client.starttls(_ssl_context(settings))
        if settings.imap.auth == "oauth2":
            client.oauth2_login(settings.imap.user, oauth2_token(settings))
        else:
            client.login(settings.imap.user, settings.imap.password or "")
    except IMAPClientError as exc:
        _quiet_logout(client)
        raise MailError(f"IMAP login as {settings.imap.user} refused: {exc}") from exc
    except (OSError, MailError):
        _quiet_logout(client)
        raise
    return client


def _quiet_logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the link is already broken; nothing more to do
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


class Mailbox:
    """One IMAP connection working on one watched folder."""

    def __init__(self, client: IMAPClient):
        self.client = client
        self.client.normalise_times = False  # INTERNALDATE with its time zone, not as naive local time
        self._known_folders: set[str] = set()
        self.capabilities = {
            c.decode().upper() if isinstance(c, bytes) else c.upper() for c in client.capabilities()
        }

    @classmethod
    def open(cls, settings: Settings, timeout: float = 60) -> Mailbox:
        return cls(connect(settings, timeout=timeout))

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        _quiet_logout(self.client)

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def select(self, folder: str) -> int:
        """Select ``folder`` (read-write); return its UIDVALIDITY."""
        info = self.client.select_folder(folder)
        return int(info[b"UIDVALIDITY"])

    def search(self, *, above_uid: int = 0, since: date | None = None) -> list[int]:
        """UIDs in the selected folder above ``above_uid`` (and received on or after ``since``), ascending."""
        criteria: list = []
        if above_uid:
            criteria += ["UID", f"{above_uid + 1}:*"]
        if since:
            criteria += ["SINCE", since]
        uids = self.client.search(criteria or ["ALL"])
        return sorted(u for u in uids if u > above_uid)

    def all_uids(self) -> list[int]:
        return sorted(self.client.search(["ALL"]))

    def fetch(self, uids: list[int]) -> Iterator[FetchedMail]:
        """Raw bytes of each UID (without setting \\Seen), in batches of at most FETCH_BATCH mails and
        FETCH_BATCH_BYTES; UIDs gone meanwhile are skipped."""
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            sizes = self.client.fetch(batch, ["RFC822.SIZE"])
            group: list[int] = []
            group_bytes = 0
            for uid in batch:
                if uid not in sizes:
                    continue
                size = int(sizes[uid].get(b"RFC822.SIZE", 0))
                if group and group_bytes + size > FETCH_BATCH_BYTES:
                    yield from self._fetch_group(group)
                    group, group_bytes = [], 0
                group.append(uid)
                group_bytes += size
            if group:
                yield from self._fetch_group(group)

    def _fetch_group(self, uids: list[int]) -> Iterator[FetchedMail]:
        data = self.client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
        for uid in uids:
            item = data.get(uid)
            if not item or b"BODY[]" not in item:
                continue
            yield FetchedMail(uid, bytes(item[b"BODY[]"]), item.get(b"INTERNALDATE"))

    def ensure_folder(self, folder: str) -> None:
        if folder in self._known_folders:
            return
        if not self.client.folder_exists(folder):
            try:
                self.client.create_folder(folder)
            except IMAPClientError:
                if not self.client.folder_exists(folder):  # created by another client meanwhile is fine
                    raise
            try:
                self.client.subscribe_folder(folder)
            except IMAPClientError:
                pass
        self._known_folders.add(folder)

    def move(self, uids: list[int], folder: str) -> None:
        """Move mail to ``folder`` (created when missing). Never deletes: MOVE, or COPY then expunge the original."""
        if not uids:
            return
        self.ensure_folder(folder)
        if "MOVE" in self.capabilities:
            self.client.move(uids, folder)
            return
        self.client.copy(uids, folder)
        self.client.add_flags(uids, [b"\\Deleted"])
        if "UIDPLUS" in self.capabilities:
            self.client.uid_expunge(uids)
        else:
            self.client.expunge()
