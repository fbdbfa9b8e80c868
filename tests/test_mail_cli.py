"""The inbox and case commands: triage --once, cases, case, --quarantined, --reprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from handlers.cli import cli
from tests.test_mail_triage import QUARANTINE, TRACKED, eml

ROOT = Path(__file__).resolve().parent.parent


def cli_env(imap, tmp_path, **extra):
    env = imap.env(tmp_path / "data", **extra)
    empty = tmp_path / ".env"
    empty.touch()
    env["MHHS_ENV_FILE"] = str(empty)
    return env


def invoke(env, *args):
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result


def test_triage_once_prints_a_summary_and_sets_the_exit_code(imap, tmp_path):
    env = cli_env(imap, tmp_path, MAIL_MAX_TRIES="5")
    imap.append_many([eml("proposal_complete.eml"), eml("retired_mailbox.eml"), eml("not_a_mail.eml")])
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "triage", "--once"],
        cwd=ROOT,
        env={**env, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == (
        "fetched 3, new cases 1, updates 0, flagged 1, quarantined 0, failed 1, duplicates 0"
    )
    assert done.returncode == 3  # one mail failed and stays for the next pass
    assert imap.count(TRACKED) == 1


def test_cases_and_case_commands(imap, tmp_path):
    env = cli_env(imap, tmp_path)
    imap.append_many([eml("proposal_complete.eml"), eml("proposal_encoded_subject.eml")])
    assert invoke(env, "triage", "--once").exit_code == 0
    listing = invoke(env, "cases")
    lines = [line.strip() for line in listing.output.splitlines() if line.strip()]
    assert lines[0].split()[:3] == ["Case", "Status", "Received"]  # a table with headers
    rows = [line for line in lines if line.startswith("PR-")]
    assert rows[0].split()[:2] == ["PR-0002", "new"] and "missing recipient" in rows[0]
    assert rows[1].split()[:2] == ["PR-0001", "new"] and "Acme Energy Ltd (ACME)" in rows[1]
    data = json.loads(invoke(env, "cases", "--json").output)
    assert [c["ref"] for c in data] == ["PR-0002", "PR-0001"]
    for key in (
        "ref", "status", "subject", "participant", "sender", "received_at", "message_count", "attachments",
        "missing_recipients", "retired_mailbox", "flags",
    ):  # fmt: skip
        assert key in data[0]
    assert data[0]["retired_mailbox"] is False
    assert json.loads(invoke(env, "cases", "--json", "--status", "accepted").output) == []
    one = json.loads(invoke(env, "case", "pr-1", "--json").output)
    assert one["ref"] == "PR-0001" and one["message_count"] == 1
    assert one["messages"][0]["message_id"] == "proposal-001@acme-energy.co.uk"
    assert [e["action"] for e in one["history"]] == ["opened", "message"]
    text = invoke(env, "case", "PR-0001").output
    assert "PQS form - Acme.xlsx" in text and "history:" in text
    missing = invoke(env, "case", "PR-0042")
    assert missing.exit_code == 1 and "no case PR-0042" in missing.output


def test_quarantined_listing_and_reprocess(imap, tmp_path):
    env = cli_env(imap, tmp_path, MAIL_MAX_TRIES="1")
    data = tmp_path / "data"
    blocker = data / "mail" / "attachments"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    imap.append(eml("proposal_complete.eml"))
    result = invoke(env, "triage", "--once")
    assert result.exit_code == 3 and "quarantined 1" in result.output
    listing = invoke(env, "cases", "--quarantined")
    assert "tries 1" in listing.output and "MHHS Qualification/Placing Reliance Proposal" in listing.output
    assert "raw copy: " in listing.output
    [row] = json.loads(invoke(env, "cases", "--quarantined", "--json").output)
    assert (data / row["raw_path"]).is_file()
    blocker.unlink()
    again = invoke(env, "cases", "--reprocess", str(row["id"]))
    assert again.exit_code == 0, again.output
    assert "new cases 1" in again.output
    assert imap.count(QUARANTINE) == 0 and imap.count(TRACKED) == 1
    assert invoke(env, "cases", "--quarantined").output.strip() == "no quarantined mail"
    refused = invoke(env, "cases", "--reprocess", "99")
    assert refused.exit_code == 1 and "no failed mail with id 99" in refused.output


def test_commands_without_imap_settings_say_what_is_missing(tmp_path):
    empty = tmp_path / ".env"
    empty.touch()
    env = {"MHHS_DATA_DIR": str(tmp_path / "data"), "MHHS_ENV_FILE": str(empty), "IMAP_HOST": ""}
    result = invoke(env, "triage", "--once")
    assert result.exit_code == 1 and "IMAP_HOST is not set" in result.output
    assert invoke(env, "cases").output.strip() == "no cases"


def test_bad_mail_settings_name_the_setting(tmp_path):
    empty = tmp_path / ".env"
    empty.touch()
    base = {"MHHS_DATA_DIR": str(tmp_path), "MHHS_ENV_FILE": str(empty)}
    for env, name in (
        ({"MAIL_RETIRED_ADDRESSES": "old-address-only"}, "MAIL_RETIRED_ADDRESSES"),
        ({"MAIL_MAX_TRIES": "0"}, "MAIL_MAX_TRIES"),
        ({"MAIL_SINCE": "last week"}, "MAIL_SINCE"),
        ({"IMAP_HOST": "imap.example", "IMAP_USER": "u", "IMAP_AUTH": "oauth2"}, "IMAP_OAUTH2_TOKEN_COMMAND"),
        ({"IMAP_HOST": "imap.example", "IMAP_USER": "u"}, "IMAP_PASSWORD"),
    ):
        result = invoke({**base, **env}, "cases")
        assert result.exit_code == 1 and f"setting {name}:" in result.output


def test_every_mail_command_has_help_and_a_readme_row():
    readme = (ROOT / "README.md").read_text()
    for command in ("triage", "watch", "cases", "case"):
        result = invoke({}, command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
        assert f"`mhhs-bot {command}" in readme


def test_watch_runs_until_sigterm(imap, tmp_path):
    import signal
    import time

    from bot import cases, storage

    env = cli_env(imap, tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "handlers.cli", "watch"],
        cwd=ROOT,
        env={**env, "PATH": os.environ.get("PATH", "")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().startswith("watching INBOX on 127.0.0.1")
        imap.append(eml("proposal_complete.eml"))
        db_path = tmp_path / "data" / "assistant.db"
        deadline = time.monotonic() + 30
        while True:
            if db_path.exists() and cases.list_cases(storage.connect(db_path)):
                break
            assert time.monotonic() < deadline, "no case opened by the watcher"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_retired_address_pairs_show_as_they_are_written(tmp_path):
    empty = tmp_path / ".env"
    empty.touch()
    env = {
        "MHHS_ENV_FILE": str(empty),
        "MAIL_RETIRED_ADDRESSES": "old@a.example=new@b.example,x@c.example=y@d.example",
    }
    shown = json.loads(invoke(env, "settings", "--json").output)["MAIL_RETIRED_ADDRESSES"]
    assert shown == "old@a.example=new@b.example,x@c.example=y@d.example"
