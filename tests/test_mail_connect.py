"""Connecting to IMAP: IMAPS and STARTTLS with a private CA, password and XOAUTH2 logins, clear refusals."""

import shlex
import sys

import pytest

from bot.core.errors import MailError
from handlers.mail.imap import Mailbox, oauth2_token
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


class IdentityProvider:
    """An HTTPS OpenID provider (discovery document + token endpoint) for MSAL client credentials."""

    def __init__(self, cert, key, token):
        import json
        import ssl
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs

        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, payload):
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                base = f"https://127.0.0.1:{self.server.server_address[1]}/tenant-1"
                self._send(
                    {
                        "issuer": base + "/v2.0",
                        "token_endpoint": base + "/oauth2/v2.0/token",
                        "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                    }
                )

            def do_POST(self):  # noqa: N802
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                requests.append(form)
                ok = form.get("client_secret") == ["s3cret"]
                self._send(
                    {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
                    if ok
                    else {"error": "invalid_client", "error_description": "bad client secret"}
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_xoauth2_with_msal_client_credentials(imap, tmp_path, monkeypatch):
    provider = IdentityProvider(imap.ca_file, imap.root / "key.pem", OAUTH2_TOKEN)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(imap.ca_file))  # trust the private provider's certificate
    try:
        msal_env = {
            "IMAP_AUTH": "oauth2",
            "IMAP_PASSWORD": "",
            "IMAP_OAUTH2_AUTHORITY": provider.url,
            "IMAP_OAUTH2_TENANT": "tenant-1",
            "IMAP_OAUTH2_CLIENT_ID": "client-1",
            "IMAP_OAUTH2_CLIENT_SECRET": "s3cret",
        }
        settings = imap.settings(tmp_path / "data", **msal_env)
        imap.append(eml("near_miss.eml"))
        assert run_pass(settings).new_cases == 1
        [form] = provider.requests
        assert form["grant_type"] == ["client_credentials"]
        assert form["scope"] == ["https://outlook.office365.com/.default"]
        wrong = imap.settings(tmp_path / "data", **{**msal_env, "IMAP_OAUTH2_CLIENT_SECRET": "wrong"})
        with pytest.raises(MailError, match="MSAL gave no IMAP token: bad client secret"):
            Mailbox.open(wrong)
    finally:
        provider.server.shutdown()
        provider.server.server_close()
