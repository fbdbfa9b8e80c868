"""A triage process killed between saving cases and moving mail: the next run finishes the job, no duplicates."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot import cases, storage
from tests.test_mail_triage import TRACKED, eml, run_pass

ROOT = Path(__file__).resolve().parent.parent

# One pass in its own process, with the test hook ``before_move`` set to kill the process outright (SIGKILL: no
# clean-up, no finally blocks) once the batch's cases are committed and before any mail is moved.
KILLED_PASS = """
import os, signal
from bot import storage
from bot.core.settings import load_settings
from handlers.mail.imap import Mailbox
from handlers.mail.inbox import InboxTriage

settings = load_settings()
triage = InboxTriage(settings, storage.connect(settings.database_path))
triage.before_move = lambda uids: os.kill(os.getpid(), signal.SIGKILL)
with Mailbox.open(settings) as mailbox:
    triage.run_pass(mailbox)
"""


def test_killed_between_commit_and_move_the_next_run_finishes_without_duplicates(imap, tmp_path, slack_api):
    data = tmp_path / "data"
    env = imap.env(
        data,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=slack_api.api_url,
        SLACK_TEAM_CHANNEL="C0TEAM",
    )
    (tmp_path / ".env").touch()
    env["MHHS_ENV_FILE"] = str(tmp_path / ".env")
    imap.append_many([eml("proposal_complete.eml"), eml("proposal_encoded_subject.eml")])
    done = subprocess.run(
        [sys.executable, "-c", KILLED_PASS],
        cwd=ROOT,
        env={**env, "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    db = storage.connect(data / "assistant.db")
    assert [c.ref for c in cases.list_cases(db)] == ["PR-0002", "PR-0001"]  # committed
    assert imap.count("INBOX") == 2  # still in the inbox: never moved, never lost
    assert slack_api.calls_to("chat.postMessage") == []  # posts wait for the outbox

    settings = imap.settings(data, **{k: env[k] for k in env if k.startswith("SLACK_")})
    summary = run_pass(settings)
    assert (summary.fetched, summary.duplicates, summary.new_cases) == (2, 2, 0)
    assert imap.count("INBOX") == 0 and imap.count(TRACKED) == 2
    assert [c.ref for c in cases.list_cases(db)] == ["PR-0002", "PR-0001"]
    posts = slack_api.wait_for("chat.postMessage", count=2)
    assert sorted(p.args["text"].split()[4] for p in posts) == ["PR-0001", "PR-0002"]
    assert db.execute("SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL").fetchone()[0] == 0


def test_stopped_after_the_move_before_it_was_recorded(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append_many([eml("proposal_complete.eml"), eml("near_miss.eml")])
    run_pass(settings)
    db = storage.connect(settings.database_path)
    db.execute("UPDATE mail_messages SET moved = 0")  # the state a stop between MOVE and its record leaves
    summary = run_pass(settings)
    assert (summary.fetched, summary.new_cases, summary.duplicates) == (0, 0, 0)
    assert db.execute("SELECT count(*) FROM mail_messages WHERE moved = 0").fetchone()[0] == 0
    assert imap.count(TRACKED) == 2 and len(cases.list_cases(db)) == 2
