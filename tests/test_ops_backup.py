"""``mhhs-bot backup FILE``: SQLite's online backup API, taken while a writer is busy, restores to a sound database."""

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from bot import storage
from bot.answers.records import SlackRecords
from knowledge.answer import Answer

REPO = Path(__file__).resolve().parents[1]


def test_a_backup_taken_while_a_writer_is_active_restores_to_a_sound_database(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / ".env.none").touch()
    live = data_dir / "assistant.db"
    records = SlackRecords(storage.connect(live))
    stop, busy = threading.Event(), threading.Event()
    written = []

    def writer():
        db = storage.connect(live)
        mine = SlackRecords(db)
        while not stop.is_set():
            answer = Answer(f"question {len(written)}?", True, 0.5, "an answer " * 50, [])
            record = mine.save_question(
                answer=answer, user_id="U1", channel_id="C1", surface="dm",
                message_ts=None, thread_ts=None, context=None,
            )  # fmt: skip
            written.append(record.id)
            if len(written) == 200:
                busy.set()
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert busy.wait(60), "the writer did not get going"
        backup = tmp_path / "backups" / "assistant-copy.db"
        env = {"MHHS_DATA_DIR": str(data_dir), "MHHS_ENV_FILE": str(data_dir / ".env.none"), "PATH": ""}
        done = subprocess.run(
            [sys.executable, "-m", "handlers.cli", "backup", str(backup)],
            cwd=REPO, env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        during = len(written)
    finally:
        stop.set()
        thread.join(30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up {live} to {backup}")
    assert not backup.with_name(backup.name + ".partial").exists()

    # restore: the copy becomes a data directory's database
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    (restored_dir / "assistant.db").write_bytes(backup.read_bytes())
    copy = sqlite3.connect(restored_dir / "assistant.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied = copy.execute("SELECT COUNT(*) FROM slack_questions").fetchone()[0]
    copy.close()
    assert 200 <= copied <= during <= len(written)
    reopened = SlackRecords(storage.connect(restored_dir / "assistant.db"))
    assert reopened.question(written[0]).question == "question 0?"
    assert records.question_count() == len(written)  # the live database carried on
