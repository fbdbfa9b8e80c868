from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.core.settings import load_settings, setting_fields, settings_table_markdown


def test_defaults_without_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.data_dir == Path("data")
    assert settings.slack.port == 3000
    assert settings.imap.ssl == "ssl"
    assert settings.slack.enabled is False
    assert settings.imap.enabled is False
    assert settings.database_path == Path("data") / "assistant.db"


def test_environment_overrides_env_file(tmp_path):
    env_file = tmp_path / "custom.env"
    env_file.write_text("PORT=4000\nMHHS_DATA_DIR=/srv/from-file\n")
    settings = load_settings({"PORT": "5000"}, env_file=env_file)
    assert settings.slack.port == 5000
    assert settings.data_dir == Path("/srv/from-file")


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"IMAP_SSL": "tls"}, "IMAP_SSL"),
        ({"MHHS_CLOSURE_DAYS": "2026-12-32"}, "MHHS_CLOSURE_DAYS"),
        ({"SLACK_RATE_LIMIT_PER_MINUTE": "0"}, "SLACK_RATE_LIMIT_PER_MINUTE"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"IMAP_HOST": "127.0.0.1"}, "IMAP_USER"),
        ({"MHHS_ANSWER_THRESHOLD": "1.5"}, "MHHS_ANSWER_THRESHOLD"),
    ],
)
def test_bad_value_names_the_setting(tmp_path, monkeypatch, env, setting):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert info.value.setting == setting
    assert setting in str(info.value)


def test_missing_env_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="MHHS_ENV_FILE"):
        load_settings({"MHHS_ENV_FILE": str(tmp_path / "absent.env")})


def test_secrets_are_hidden(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "shh"})
    shown = dict(settings.public_items())
    assert shown["SLACK_BOT_TOKEN"] == "(set)"
    assert "xoxb-secret" not in str(shown)


def test_every_setting_has_help_and_is_in_the_table():
    table = settings_table_markdown()
    for f in setting_fields():
        assert f.metadata["help"].strip(), f.name
        assert f"`{f.metadata['env']}`" in table


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        (
            {"IMAP_HOST": "imap.example.org", "IMAP_USER": "u", "IMAP_PASSWORD": "p", "IMAP_SSL": "none"},
            "IMAP_SSL",
        ),
        ({"SMTP_HOST": "smtp.example.org", "SMTP_SSL": "none"}, "SMTP_SSL"),
    ],
)
def test_cleartext_is_refused_for_a_host_that_is_not_loopback(tmp_path, env, setting):
    empty = tmp_path / ".env"
    empty.touch()
    with pytest.raises(
        ConfigError, match=f"setting {setting}: none sends the password .* MHHS_ALLOW_CLEARTEXT"
    ):
        load_settings(environ=env, env_file=empty)
    allowed = load_settings(environ={**env, "MHHS_ALLOW_CLEARTEXT": "true"}, env_file=empty)
    assert "none" in (allowed.imap.ssl, allowed.smtp.ssl)
    for loopback in ("127.0.0.1", "::1", "localhost"):
        local = {k: (loopback if k.endswith("_HOST") else v) for k, v in env.items()}
        assert load_settings(environ=local, env_file=empty)
