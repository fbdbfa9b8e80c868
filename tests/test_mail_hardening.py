"""Hostile and unlucky cases of inbox triage against the real Dovecot, aiosmtpd and the fake Slack Web API:
two passes at once, kills between "sent" and "recorded", reused Message-IDs, broken headers, auto-replies,
posts Slack refuses."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot import cases, storage
from bot.mail import outbox
from tests.test_mail_reply import reply_env
from tests.test_mail_triage import OTHER, TRACKED, eml, run_pass, slack_env

ROOT = Path(__file__).resolve().parent.parent


def _env(imap, tmp_path, **extra) -> dict[str, str]:
    env = imap.env(tmp_path / "data", **extra)
    (tmp_path / ".env").touch()
    env["MHHS_ENV_FILE"] = str(tmp_path / ".env")
    return {**env, "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}


def _proposal(n: int) -> bytes:
    """proposal_complete.eml from a different participant each time (own organisation, sender and Message-ID)."""
    raw = eml("proposal_complete.eml")
    return (
        raw.replace(b"proposal-001@acme-energy.co.uk", f"proposal-{n:03d}@acme-energy.co.uk".encode())
        .replace(b"Jane.Smith@acme-energy.co.uk", f"sender{n}@participant{n}.example".encode())
        .replace(b"jane.smith@acme-energy.co.uk", f"sender{n}@participant{n}.example".encode())
    )


def test_two_triage_processes_at_once_post_and_acknowledge_every_case_once(
    imap, tmp_path, slack_api, smtp_server
):
    env = _env(imap, tmp_path, **slack_env(slack_api), **reply_env(smtp_server, MAIL_ACKNOWLEDGE="true"))
    count = 12
    imap.append_many([_proposal(n) for n in range(1, count + 1)])
    command = [sys.executable, "-m", "handlers.cli", "triage", "--once"]
    both = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in "ab"
    ]
    for process in both:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err.decode()
    db = storage.connect(tmp_path / "data" / "assistant.db")
    assert len(cases.list_cases(db)) == count
    posts = [c for c in slack_api.calls_to("chat.postMessage")]
    assert sorted(p.args["metadata"]["event_payload"]["case"] for p in posts) == sorted(
        cases.format_ref(n) for n in range(1, count + 1)
    )
    assert len(smtp_server.received) == count
    assert sorted(m.rcpt_tos[0] for m in smtp_server.received) == sorted(
        f"sender{n}@participant{n}.example" for n in range(1, count + 1)
    )
    assert imap.count(TRACKED) == count and imap.count("INBOX") == 0


# One pass in its own process, killed outright (SIGKILL) right after the first outbox entry was sent and before it
# was recorded as sent.
KILLED_AFTER_SEND = """
import os, signal
from bot import storage
from bot.core.settings import load_settings
from handlers.mail.imap import Mailbox
from handlers.mail.inbox import InboxTriage

settings = load_settings()
triage = InboxTriage(settings, storage.connect(settings.database_path))
triage.delivery.after_send = lambda entry: os.kill(os.getpid(), signal.SIGKILL)
with Mailbox.open(settings) as mailbox:
    triage.run_pass(mailbox)
"""


def _killed_pass(env) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_SEND], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()


def test_killed_between_slack_post_and_its_record_the_rerun_posts_nothing_twice(imap, tmp_path, slack_api):
    env = _env(imap, tmp_path, **slack_env(slack_api))
    imap.append(eml("proposal_complete.eml"))
    _killed_pass(env)
    [post] = slack_api.calls_to("chat.postMessage")
    db = storage.connect(tmp_path / "data" / "assistant.db")
    assert cases.get_case(db, "PR-0001").slack_ts is None  # the post was made, not recorded

    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    run_pass(settings)
    assert len(slack_api.calls_to("chat.postMessage")) == 1  # found by its metadata, not posted again
    [history] = slack_api.calls_to("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1")
    case = cases.get_case(db, "PR-0001")
    assert (case.slack_channel, case.slack_ts) == ("C0TEAM", "1700000000.000001")
    assert outbox.unsent(db) == [] and outbox.undelivered(db) == []


def test_a_post_slack_never_got_is_posted_on_the_rerun(imap, tmp_path, slack_api):
    env = _env(imap, tmp_path, **slack_env(slack_api))
    imap.append(eml("proposal_complete.eml"))
    _killed_pass(env)
    slack_api.messages.clear()  # as if the post never reached Slack
    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    assert run_pass(settings).posts == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 2


def test_killed_between_acknowledgement_and_its_record_it_is_held_not_resent(imap, tmp_path, smtp_server):
    env = _env(imap, tmp_path, **reply_env(smtp_server, MAIL_ACKNOWLEDGE="true"))
    imap.append(eml("proposal_complete.eml"))
    _killed_pass(env)
    [ack] = smtp_server.wait_for(1)
    settings = imap.settings(tmp_path / "data", **reply_env(smtp_server, MAIL_ACKNOWLEDGE="true"))
    assert run_pass(settings).replies == 0
    assert len(smtp_server.received) == 1
    db = storage.connect(settings.database_path)
    [held] = outbox.undelivered(db)
    assert held["held"] and held["kind"] == "acknowledgement" and held["case_ref"] == "PR-0001"
    assert ack.message["Message-ID"].strip("<>") in held["reason"]
    listed = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "cases"], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    out = listed.stdout.decode()
    assert "not delivered" in out and "acknowledgement" in out and f"--resend {held['id']}" in out
    resend = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "cases", "--resend", str(held["id"])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert resend.returncode == 0, resend.stderr.decode()
    run_pass(settings)
    assert len(smtp_server.wait_for(2)) == 2  # the team's say sends it again


def test_a_reused_message_id_on_a_different_mail_is_a_new_flagged_mail(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append(eml("proposal_complete.eml"))
    run_pass(settings)
    imap.append_many([eml("message_id_reused.eml"), eml("proposal_complete.eml")])
    summary = run_pass(settings)
    assert (summary.new_cases, summary.duplicates, summary.flagged) == (1, 1, 1)
    db = storage.connect(settings.database_path)
    second = cases.case_to_dict(db, "PR-0002")
    assert second["sender"] == "tom@other-energy.co.uk"
    assert cases.FLAG_MESSAGE_ID_REUSED in second["flags"]
    assert cases.case_to_dict(db, "PR-0001")["message_count"] == 1
    imap.append(eml("message_id_reused.eml"))  # the reusing mail itself, again: a duplicate
    assert run_pass(settings).duplicates == 1
    assert len(cases.list_cases(db)) == 2


def test_broken_encoded_words_and_raw_8bit_file_names_become_cases_not_quarantine(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append_many([eml("broken_encoded_words.eml"), eml("raw_8bit_filename.eml")])
    summary = run_pass(settings)
    assert (summary.new_cases, summary.failed, summary.quarantined) == (2, 0, 0)
    db = storage.connect(settings.database_path)
    names = [a["filename"] for r in ("PR-0001", "PR-0002") for a in cases.case_to_dict(db, r)["attachments"]]
    assert names == ["=?utf-8?B?a?=.xlsx", "PQS form – Café Énergie.xlsx"]


def test_auto_replies_open_no_case_and_are_never_acknowledged(imap, tmp_path, smtp_server):
    settings = imap.settings(tmp_path / "data", **reply_env(smtp_server, MAIL_ACKNOWLEDGE="true"))
    names = [f"autoreply_{k}.eml" for k in ("precedence", "x_autoreply", "x_autorespond", "out_of_office")]
    imap.append_many([eml(n) for n in names])
    summary = run_pass(settings)
    assert (summary.fetched, summary.new_cases, summary.replies) == (4, 0, 0)
    assert imap.count(OTHER) == 4 and smtp_server.received == []


def test_a_post_slack_refuses_is_a_recorded_failure_listed_by_cases(imap, tmp_path, slack_api):
    env = _env(imap, tmp_path, **slack_env(slack_api))
    slack_api.responses["chat.postMessage"] = lambda args: {"ok": False, "error": "invalid_blocks"}
    imap.append(eml("proposal_complete.eml"))
    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    run_pass(settings)
    run_pass(settings)
    assert len(slack_api.calls_to("chat.postMessage")) == 1  # refused for good: not retried
    db = storage.connect(settings.database_path)
    [failed] = outbox.undelivered(db)
    assert failed["case_ref"] == "PR-0001" and "invalid_blocks" in failed["reason"]
    listed = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "cases", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    [case] = json.loads(listed.stdout)
    assert "invalid_blocks" in case["not_delivered"][0]["reason"]


def test_case_and_cases_print_no_control_characters_and_the_record_keeps_them(imap, tmp_path):
    env = _env(imap, tmp_path)
    settings = imap.settings(tmp_path / "data")
    imap.append(eml("control_characters.eml"))
    run_pass(settings)
    for args in (["case", "PR-0001"], ["cases"]):
        done = subprocess.run(
            [sys.executable, "-m", "handlers.cli", *args], cwd=ROOT, env=env, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
        assert not set(done.stdout) & {0x1B, 0x07, 0x00}, done.stdout
    out = done.stdout.decode()
    assert "PR-0001" in out
    db = storage.connect(settings.database_path)
    assert "\x1b]0;pwned\x07" in cases.case_to_dict(db, "PR-0001")["subject"]  # kept as received


def test_odd_references_are_refused_plainly_by_the_command_line(imap, tmp_path):
    env = _env(imap, tmp_path)
    for ref in ("PR-²", "PR-" + "9" * 5000):
        done = subprocess.run(
            [sys.executable, "-m", "handlers.cli", "case", ref],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
        )
        err = done.stderr.decode()
        assert done.returncode == 1 and "not a case reference" in err and "Traceback" not in err
        assert len(err) < 300


def _read_only(data: Path, *command: str, env: dict) -> subprocess.CompletedProcess:
    """``command`` in a mount namespace of its own where ``data`` is a read-only bind mount of itself."""
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(data), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )


def test_a_read_only_data_directory_still_lets_cases_be_read(imap, tmp_path):
    env = _env(imap, tmp_path)
    settings = imap.settings(tmp_path / "data")
    imap.append(eml("proposal_complete.eml"))
    run_pass(settings)
    cli = [sys.executable, "-m", "handlers.cli"]
    listed = _read_only(settings.data_dir, *cli, "cases", env=env)
    assert listed.returncode == 0, listed.stderr.decode()
    assert "PR-0001" in listed.stdout.decode()
    shown = _read_only(settings.data_dir, *cli, "case", "PR-0001", env=env)
    assert shown.returncode == 0 and "PQS form - Acme.xlsx" in shown.stdout.decode()


def test_a_corrupt_database_is_named_with_what_to_do(tmp_path, imap):
    env = _env(imap, tmp_path)
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "assistant.db").write_bytes(b"this is not SQLite " * 400)
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "cases"], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err
    assert str(tmp_path / "data" / "assistant.db") in err and "restore it from a backup" in err


def test_a_full_disk_during_triage_is_named_not_blamed_on_imap(imap, tmp_path):
    env = _env(imap, tmp_path)
    settings = imap.settings(tmp_path / "data")
    run_pass(settings)  # the database exists; now the disk under the data directory fills up
    big = (
        eml("proposal_complete.eml")
        .replace(b"<proposal-001@", b"<proposal-big@")
        .replace(
            b"\n--b1--",
            b"\n--b1\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=big.pdf\n"
            b"Content-Transfer-Encoding: base64\n\n"
            + b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n" * 40000
            + b"\n--b1--",
        )
    )
    imap.append(big)
    data = settings.data_dir
    script = (
        'cp -a "$1" "$1.copy" && mount -t tmpfs -o size=2m tmpfs "$1" && cp -a "$1.copy/." "$1/" '
        '&& shift && exec "$@"'
    )
    done = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(data), sys.executable, "-m",
         "handlers.cli", "triage", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "IMAP connection" not in err and "Traceback" not in err
    assert str(data) in err and "free space" in err
    assert imap.count("INBOX") == 1  # nothing lost
