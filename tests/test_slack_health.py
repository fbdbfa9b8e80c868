"""``/healthz``: the Slack connection, the last inbox pass and the last scheduler tick, in both modes; a quiet
Socket Mode link is replaced by a new one."""

import http.client
import json
import shutil
import time

import pytest

from bot.core.settings import load_settings
from handlers.cli.serve import SlackService
from tests.fixtures.slack_app import BOT_TOKEN, SIGNING_SECRET
from tests.test_slack_socket_mode import SocketModeEndpoint


def get_json(port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _settings(slack_api, template, tmp_path, **env):
    data_dir = tmp_path / "data"
    shutil.copytree(template, data_dir)
    return load_settings(
        {
            "MHHS_DATA_DIR": str(data_dir),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack_api.api_url,
            "HTTP_HOST": "127.0.0.1",
            **env,
        }
    )


def wait_for_report(port: int, ready, what: str) -> dict:
    """Poll /healthz until ``ready(report)`` (the services run on their own threads)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        report = get_json(port, "/healthz")[1]
        if ready(report):
            return report
        time.sleep(0.05)
    pytest.fail(f"/healthz never showed {what}: {report}")


def test_http_mode_health_reports_the_scheduler_tick_and_slack_requests(
    slack_api, slack_guidance_template, knowledge_embedder, imap, tmp_path, monkeypatch
):
    from bot.knowledge_base import open_knowledge_base

    monkeypatch.chdir(tmp_path)
    settings = _settings(
        slack_api,
        slack_guidance_template,
        tmp_path,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        **imap.env(tmp_path / "data"),
    )
    service = SlackService(
        settings, open_knowledge_base(settings, embedder=knowledge_embedder), port=0
    ).start()
    app_like = type("Running", (), {"server": service.server})
    try:
        from tests.test_slack_endpoint_input import raw_post

        status, report = get_json(service.server.port, "/healthz")
        assert status == 200 and report["slack"] == {"mode": "http", "last_request": None}
        assert report["inbox"]["watched"] is True
        # the scheduler ticks once at start, and the inbox watcher makes a first pass over Dovecot's inbox
        report = wait_for_report(
            service.server.port,
            lambda r: r["scheduler"]["last_tick"] and r["inbox"]["last_pass"],
            "a scheduler tick and an inbox pass",
        )
        assert report["ok"] is True
        # an unsigned request is not a Slack request; a signed one is
        raw_post(app_like, b"{}", {"Content-Type": "application/json", "Content-Length": "2"})
        assert get_json(service.server.port, "/healthz")[1]["slack"]["last_request"] is None
    finally:
        service.stop()


def test_socket_mode_serves_health_on_a_port_and_replaces_a_quiet_socket(
    slack_api, slack_guidance_template, knowledge_embedder, tmp_path, monkeypatch
):
    from bot.knowledge_base import open_knowledge_base

    monkeypatch.chdir(tmp_path)
    endpoint = SocketModeEndpoint()
    slack_api.responses["apps.connections.open"] = lambda args: {"ok": True, "url": endpoint.url}
    settings = _settings(slack_api, slack_guidance_template, tmp_path, SLACK_APP_TOKEN="xapp-test-token")
    service = SlackService(
        settings, open_knowledge_base(settings, embedder=knowledge_embedder), health_port=0
    )
    service.socket_ping_seconds = 0.5
    service.start()
    try:
        slack_api.wait_for("apps.connections.open")
        report = wait_for_report(service.server.port, lambda r: r["slack"].get("connected"), "the socket up")
        assert report["slack"]["mode"] == "socket" and report["ok"] is True
        # the link goes quiet: no pongs. The client gives up on it and opens a new one.
        endpoint.answer_pings = False
        slack_api.wait_for("apps.connections.open", count=2, timeout=30)
        # Slack goes away altogether: /healthz says so with a 503
        slack_api.responses["apps.connections.open"] = lambda args: {"ok": False, "error": "internal_error"}
        endpoint.close()
        wait_for_report(service.server.port, lambda r: r["slack"]["connected"] is False, "the socket down")
        assert get_json(service.server.port, "/healthz")[0] == 503
    finally:
        service.stop()
        endpoint.close()
