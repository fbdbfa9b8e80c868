"""Connecting to IMAP: IMAPS and STARTTLS with a private CA, password and XOAUTH2 logins, clear refusals."""

import shlex
import sys

import pytest

from bot.errors import MailError
from handlers.mail.fetch import Mailbox, oauth2_token
from tests.fixtures.mail import OAUTH2_TOKEN
from tests.test_mail_triage import eml, run_pass


def test_imaps_with_a_private_ca_file(imap, tmp_path):
    settings = imap.settings(
        tmp_path / "data", IMAP_SSL="ssl", IMAP_PORT=str(imap.imaps_port), IMAP_CA_FILE=str(imap.ca_file)
    )
    imap.append(eml("proposal_complete.eml"))
    assert run_pass(settings).new_cases == 1


def test_starttls_with_a_private_ca_file(imap, tmp_path):
    settings = imap.settings(tmp_path / "data", IMAP_SSL="starttls", IMAP_CA_FILE=str(imap.ca_file))
    with Mailbox.open(settings) as mailbox:
        assert mailbox.select("INBOX") > 0
        assert mailbox.has_idle


def test_a_certificate_nobody_vouches_for_is_refused(imap, tmp_path):
    settings = imap.settings(tmp_path / "data", IMAP_SSL="ssl", IMAP_PORT=str(imap.imaps_port))
    with pytest.raises(MailError, match="cannot reach IMAP server"):
        Mailbox.open(settings)


def test_wrong_password_is_a_clear_error(imap, tmp_path):
    settings = imap.settings(tmp_path / "data", IMAP_PASSWORD="wrong")
    with pytest.raises(MailError, match="IMAP login as test refused"):
        Mailbox.open(settings)


def token_command(text: str, code: int = 0) -> str:
    return shlex.join([sys.executable, "-c", f"import sys; print({text!r}); sys.exit({code})"])


def test_xoauth2_with_a_token_from_a_command(imap, tmp_path):
    settings = imap.settings(
        tmp_path / "data",
        IMAP_AUTH="oauth2",
        IMAP_PASSWORD="",
        IMAP_OAUTH2_TOKEN_COMMAND=token_command(OAUTH2_TOKEN),
    )
    assert oauth2_token(settings) == OAUTH2_TOKEN
    imap.append(eml("near_miss.eml"))
    assert run_pass(settings).new_cases == 1


def test_xoauth2_refusals(imap, tmp_path):
    bad_token = imap.settings(
        tmp_path / "data", IMAP_AUTH="oauth2", IMAP_OAUTH2_TOKEN_COMMAND=token_command("expired-token")
    )
    with pytest.raises(MailError, match="IMAP login as test refused"):
        Mailbox.open(bad_token)
    failing = imap.settings(
        tmp_path / "data", IMAP_AUTH="oauth2", IMAP_OAUTH2_TOKEN_COMMAND=token_command("", 2)
    )
    with pytest.raises(MailError, match="IMAP_OAUTH2_TOKEN_COMMAND gave no token"):
        Mailbox.open(failing)


def test_an_unreachable_server_is_a_clear_error(imap, tmp_path):
    from tests.fixtures.mail import free_port

    settings = imap.settings(tmp_path / "data", IMAP_PORT=str(free_port()))
    with pytest.raises(MailError, match="cannot reach IMAP server 127.0.0.1"):
        Mailbox.open(settings)
