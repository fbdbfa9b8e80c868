"""``mhhs-bot serve``: start-up, modes, clean shutdown, background services, failures reported to the asker."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.core.errors import ConfigError
from bot.core.settings import load_settings
from handlers.cli import cli
from handlers.cli.serve import BackgroundServices, background_services, http_routes, slack_mode
from handlers.slack import blocks
from tests.fixtures.slack_app import ASKER, BOT_TOKEN, GENERAL_CHANNEL, SIGNING_SECRET, blocks_text, sign

REPO = Path(__file__).resolve().parents[1]
QAD_QUESTION = "Whose signature is required on the final QAD?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_without_slack_settings_says_so_and_points_to_the_console(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "MHHS_ENV_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MHHS_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert "setting SLACK_BOT_TOKEN: not set" in result.output
    assert "mhhs-bot chat" in result.output
    assert not (tmp_path / "data").exists()  # nothing was loaded or created


def test_mode_follows_the_settings(tmp_path):
    base = {"MHHS_DATA_DIR": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-1"}
    assert slack_mode(load_settings({**base, "SLACK_SIGNING_SECRET": "s"}, env_file=None)) == "http"
    assert slack_mode(load_settings({**base, "SLACK_APP_TOKEN": "xapp-1"}, env_file=None)) == "socket"
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        load_settings(base, env_file=None)


def test_slack_ids_are_checked_and_names_refused(tmp_path):
    base = {"MHHS_DATA_DIR": str(tmp_path)}
    settings = load_settings(
        {**base, "SLACK_TEAM_CHANNEL": " CTEAM0001 ", "SLACK_TEAM_USERS": "U1, U2"}, env_file=None
    )
    assert settings.slack.team_channel == "CTEAM0001" and settings.slack.team_users == ("U1", "U2")
    with pytest.raises(ConfigError, match="SLACK_TEAM_CHANNEL.*not names"):
        load_settings({**base, "SLACK_TEAM_CHANNEL": "#qualification-team"}, env_file=None)
    with pytest.raises(ConfigError, match="SLACK_ANSWER_CHANNELS"):
        load_settings({**base, "SLACK_ANSWER_CHANNELS": "C1,#general"}, env_file=None)
    with pytest.raises(ConfigError, match="SLACK_TEAM_USERS"):
        load_settings({**base, "SLACK_TEAM_USERS": "@dana"}, env_file=None)


def test_serve_in_http_mode_answers_and_stops_cleanly_on_sigterm(
    slack_api, slack_guidance_template, tmp_path
):
    data_dir = tmp_path / "data"
    shutil.copytree(slack_guidance_template, data_dir)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MHHS_"))},
        "MHHS_DATA_DIR": str(data_dir),
        "MHHS_EMBEDDING_PRECISION": "float32",  # as the shared test index was made (the model itself)
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "PORT": str(port),
        "HTTP_HOST": "127.0.0.1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "handlers.cli", "serve"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start: {process.communicate(timeout=10)}")
            time.sleep(0.2)
        event = {
            "type": "app_mention",
            "user": ASKER,
            "text": f"<@UBOT0001> {QAD_QUESTION}",
            "ts": "1700003000.000001",
            "channel": GENERAL_CHANNEL,
        }
        body = json.dumps(
            {"type": "event_callback", "event_id": "EvSERVE1", "team_id": "T0000001", "event": event}
        )
        ts = str(int(time.time()))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(
            "POST",
            "/slack/events",
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sign(body, ts),
            },
        )
        assert connection.getresponse().status == 200
        post = slack_api.wait_for("chat.postMessage", timeout=60)[0].args
        assert post["thread_ts"] == "1700003000.000001"
        assert "Company Director" in blocks_text(post["blocks"])
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert f"Slack assistant running in HTTP mode: http://127.0.0.1:{port}/slack/events" in stderr
    assert "Slack assistant stopped." in stderr


def test_background_services_run_beside_the_app_and_stop_when_told(tmp_path):
    ticks: list[str] = []
    started = threading.Event()

    def heartbeat(stop: threading.Event) -> None:
        started.set()
        while not stop.wait(0.01):
            ticks.append("tick")

    def failing(stop: threading.Event) -> None:
        raise RuntimeError("broken service")

    services = BackgroundServices()
    services.start([("heartbeat", heartbeat), ("failing", failing)])
    assert started.wait(5)
    deadline = time.monotonic() + 5
    while not ticks and time.monotonic() < deadline:
        time.sleep(0.01)
    services.stop(timeout=5)
    assert all(not thread.is_alive() for thread in services.threads)  # stopped: no further ticks can come
    assert len(ticks) > 0


def test_default_routes_and_services(slack_app):
    routes = http_routes(slack_app.settings, slack_app.assistant)
    assert routes.paths() == ["/", "/deadlines.ics", "/healthz"]
    assert [name for name, _ in background_services(slack_app.settings, slack_app.assistant)] == ["nudges"]
    with pytest.raises(ValueError, match="already registered"):
        routes.add_get("/healthz", lambda request: None)


def test_a_failure_after_the_ack_is_told_to_the_asker(slack_app):
    slack_app.api.responses["chat.postMessage"] = lambda args: {"ok": False, "error": "channel_not_found"}
    _, ts = slack_app.mention(QAD_QUESTION)
    notice = slack_app.api.wait_for("chat.postEphemeral")[0].args
    assert notice["user"] == ASKER and notice["channel"] == GENERAL_CHANNEL and notice["thread_ts"] == ts
    assert notice["text"].startswith("Sorry, something went wrong")


def test_slack_rate_limits_are_waited_out_not_dropped(slack_app):
    slack_app.api.rate_limited["chat.postMessage"] = 2
    slack_app.mention(QAD_QUESTION)
    calls = slack_app.api.wait_for("chat.postMessage", count=3, timeout=30)
    assert "Company Director" in blocks_text(calls[-1].args["blocks"])
    assert blocks.ACTION_HELPFUL in {e["action_id"] for e in calls[-1].args["blocks"][-1]["elements"]}


def test_a_feature_registers_its_own_buttons_beside_the_assistants(slack_app):
    from handlers.slack.app import LISTENER_REGISTRATIONS, build_app, stop_app
    from handlers.slack.failures import acknowledged
    from handlers.slack.serving import SlackHTTPServer
    from handlers.slack.subcommands import SubcommandRegistry

    clicked = []

    def register_case_buttons(app, assistant):
        def watch_case(body, client, respond):
            user = body["user"]["id"]
            clicked.append((body["actions"][0]["value"], assistant.team.is_team_member(user)))
            client.chat_postMessage(channel=assistant.settings.slack.team_channel, text="PR-0001 watched")

        app.action("case_watch")(**acknowledged(watch_case))

    assistant = slack_app.assistant
    assistant.subcommands = SubcommandRegistry()  # a second app on the same assistant registers /mhhs again
    app = build_app(
        assistant, assistant.client, registrations=[*LISTENER_REGISTRATIONS, register_case_buttons]
    )
    server = SlackHTTPServer(app, "127.0.0.1", 0).start()
    try:
        slack_app.server, original = server, slack_app.server
        assert slack_app.click("case_watch", "PR-0001").status == 200
        assert slack_app.api.wait_for("chat.postMessage")[0].args["text"] == "PR-0001 watched"
        assert clicked == [("PR-0001", False)]
        # the assistant's own listeners are still there
        slack_app.mention(QAD_QUESTION)
        slack_app.api.wait_for("chat.postMessage", count=2)
    finally:
        slack_app.server = original
        server.stop()
        stop_app(app)
