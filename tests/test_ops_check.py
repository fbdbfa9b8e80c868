"""``mhhs-bot check`` and the start-up checks of ``serve``: each failure names its setting; serve stops with one line
(exit code 2) and never a traceback. Slack through the local Web API, IMAP on Dovecot, SMTP on aiosmtpd."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from handlers.cli import cli
from handlers.cli.check import first_failure, run_checks
from tests.fixtures.mail import settings_from
from tests.fixtures.slack_app import BOT_TOKEN, SIGNING_SECRET

REPO = Path(__file__).resolve().parents[1]


def slack_env(slack_api, data_dir, **extra):
    return {
        "MHHS_DATA_DIR": str(data_dir),
        "MHHS_EMBEDDING_PRECISION": "float32",  # as the shared test index was made (the model itself)
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        **extra,
    }


def results(settings):
    return {c.name: c for c in run_checks(settings)}


def indexed(template, tmp_path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(template, data_dir)
    return data_dir


def test_every_check_passes_with_good_settings(
    slack_api, slack_guidance_template, imap, smtp_server, tmp_path
):
    data_dir = indexed(slack_guidance_template, tmp_path)
    env = {
        **imap.env(data_dir),
        **slack_env(slack_api, data_dir, SLACK_APP_TOKEN="xapp-test"),
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": str(smtp_server.port),
        "SMTP_SSL": "none",
    }
    found = results(settings_from(env, data_dir))
    assert all(c.ok for c in found.values()), found
    assert (
        "passages" in found["Guidance index"].detail and "(float32 vectors)" in found["Guidance index"].detail
    )
    # Questions embedded at another precision than the index's would never be compared: named before start-up.
    other = results(settings_from({**env, "MHHS_EMBEDDING_PRECISION": "int8"}, data_dir))["Guidance index"]
    assert other.ok is False and other.setting == "MHHS_EMBEDDING_PRECISION"
    assert "holds float32 vectors" in other.detail and "mhhs-bot index" in other.detail
    assert found["IMAP inbox"].detail == "logged in as test; folder INBOX opened"
    assert slack_api.calls_to("auth.test")[0].headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert slack_api.calls_to("apps.connections.open")[0].headers["authorization"] == "Bearer xapp-test"


def test_each_failure_names_its_setting(slack_api, slack_guidance_template, imap, tmp_path):
    data_dir = indexed(slack_guidance_template, tmp_path)
    slack_api.responses["apps.connections.open"] = lambda args: {"ok": False, "error": "invalid_auth"}
    bad_deadlines = tmp_path / "deadlines.yml"
    bad_deadlines.write_text("deadlines:\n  - {id: x, name: X, due: '2027-02-30'}\n", encoding="utf-8")
    closed_port = str(imap.port + 1000)
    env = {
        **imap.env(data_dir, IMAP_PASSWORD="wrong", IMAP_FOLDER="Nowhere"),
        **slack_env(slack_api, data_dir, SLACK_APP_TOKEN="xapp-revoked"),
        "MHHS_DEADLINES_FILE": str(bad_deadlines),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": closed_port,
        "SMTP_SSL": "none",
    }
    found = results(settings_from(env, data_dir))
    failed = {name: (c.setting, c.detail) for name, c in found.items() if not c.ok}
    assert set(failed) == {"Deadlines file", "Slack app token", "IMAP inbox", "SMTP"}
    assert failed["Slack app token"] == (
        "SLACK_APP_TOKEN",
        "Slack refused it (apps.connections.open: invalid_auth)",
    )
    assert failed["IMAP inbox"][0] == "IMAP_PASSWORD"
    assert failed["SMTP"][0] == "SMTP_HOST" and closed_port in failed["SMTP"][1]
    assert (
        failed["Deadlines file"][0] == "MHHS_DEADLINES_FILE" and "2027-02-30" in failed["Deadlines file"][1]
    )

    good_login = settings_from(imap.env(data_dir, IMAP_FOLDER="Nowhere"), data_dir)
    imap_check = results(good_login)["IMAP inbox"]
    assert not imap_check.ok and imap_check.setting == "IMAP_FOLDER" and "Nowhere" in imap_check.detail


def test_missing_index_and_an_open_data_directory_are_named(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    found = results(settings_from({"MHHS_DATA_DIR": str(data_dir)}, data_dir))
    assert found["Guidance index"].ok is False and "mhhs-bot index" in found["Guidance index"].detail
    data_dir.chmod(0o777)
    assert results(settings_from({"MHHS_DATA_DIR": str(data_dir)}, data_dir))["Data directory"].setting == (
        "MHHS_DATA_DIR"
    )
    assert not results(settings_from({"MHHS_DATA_DIR": str(data_dir)}, data_dir))["Data directory"].ok


def test_check_command_prints_a_table_and_exits_2_when_the_token_is_rejected(
    slack_api, slack_guidance_template, tmp_path, monkeypatch
):
    slack_api.responses["auth.test"] = lambda args: {"ok": False, "error": "invalid_auth"}
    data_dir = indexed(slack_guidance_template, tmp_path)
    monkeypatch.chdir(tmp_path)
    for name, value in slack_env(slack_api, data_dir).items():
        monkeypatch.setenv(name, value)
    for name in ("SLACK_APP_TOKEN", "IMAP_HOST", "SMTP_HOST", "MHHS_DEADLINES_FILE", "MHHS_ENV_FILE"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["Check", "Result", "Setting", "Detail"]
    [slack] = [line for line in lines if line.strip().startswith("Slack bot token")]
    assert "FAILED" in slack and "SLACK_BOT_TOKEN" in slack and "invalid_auth" in slack
    data = json.loads(CliRunner().invoke(cli, ["check", "--json"]).output)
    assert {"name": "Slack bot token", "setting": "SLACK_BOT_TOKEN", "ok": False} == {
        k: v for k, v in next(c for c in data if c["name"] == "Slack bot token").items() if k != "detail"
    }
    assert first_failure(settings_from(slack_env(slack_api, data_dir), data_dir)).setting == "SLACK_BOT_TOKEN"


def test_serve_stops_with_one_line_when_the_token_is_rejected(slack_api, slack_guidance_template, tmp_path):
    slack_api.responses["auth.test"] = lambda args: {"ok": False, "error": "invalid_auth"}
    data_dir = indexed(slack_guidance_template, tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MHHS_", "IMAP_", "SMTP_"))},
        **slack_env(slack_api, data_dir, PORT="3999", HTTP_HOST="127.0.0.1"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mhhs-bot serve: setting SLACK_BOT_TOKEN: Slack refused it (auth.test: invalid_auth) "
        "(mhhs-bot check lists every check)"
    ]
    assert "Traceback" not in done.stdout + done.stderr
    assert slack_api.calls_to("auth.test")
