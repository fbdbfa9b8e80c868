"""The watcher: IDLE picks up new mail, it reconnects after the server drops the link, and it stops promptly."""

import shutil
import subprocess
import threading
import time

from bot import cases, storage
from handlers.mail.watcher import run_inbox_watcher
from tests.test_mail_triage import eml, slack_env


def start_watcher(settings, passes):
    stop = threading.Event()
    thread = threading.Thread(
        target=run_inbox_watcher,
        args=(settings, stop),
        kwargs={"on_pass": passes.append, "initial_backoff": 0.2},
        daemon=True,
    )
    thread.start()
    return stop, thread


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_idle_turns_new_mail_into_a_case_and_a_post_then_stops_promptly(imap, tmp_path, slack_api):
    settings = imap.settings(tmp_path / "data", MAIL_POLL_SECONDS="600", **slack_env(slack_api))
    passes = []
    stop, thread = start_watcher(settings, passes)
    try:
        wait_until(lambda: passes)  # the first pass ran; now it is IDLE
        imap.append(eml("proposal_complete.eml"))
        [post] = slack_api.wait_for("chat.postMessage", count=1)
        assert post.args["text"].startswith("New Placing Reliance case PR-0001")
        imap.append(eml("retired_mailbox.eml"))
        posts = slack_api.wait_for("chat.postMessage", count=2)
        assert "retired mailbox" in posts[1].args["text"]
    finally:
        stopped_at = time.monotonic()
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - stopped_at < 5
    db = storage.connect(settings.database_path)
    assert [c.ref for c in cases.list_cases(db)] == ["PR-0001"]
    assert imap.count("INBOX") == 0


def test_watcher_reconnects_after_the_server_drops_the_link(imap, tmp_path):
    settings = imap.settings(tmp_path / "data", MAIL_POLL_SECONDS="600")
    passes = []
    stop, thread = start_watcher(settings, passes)
    try:
        wait_until(lambda: passes)
        doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
        subprocess.run(
            [doveadm, "-c", str(imap.process_config), "kick", imap.user], check=True, capture_output=True
        )
        wait_until(lambda: len(passes) >= 2)  # reconnected: a new first pass
        imap.append(eml("near_miss.eml"))
        db = storage.connect(settings.database_path)
        wait_until(lambda: len(cases.list_cases(db)) == 1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_polling_when_the_server_has_no_idle(imap, tmp_path, monkeypatch):
    from handlers.mail import imap as mail_imap

    monkeypatch.setattr(
        mail_imap.Mailbox, "has_idle", property(lambda self: False)
    )  # as on a server without IDLE
    settings = imap.settings(tmp_path / "data", MAIL_POLL_SECONDS="1")
    passes = []
    stop, thread = start_watcher(settings, passes)
    try:
        wait_until(lambda: passes)
        imap.append(eml("proposal_complete.eml"))
        db = storage.connect(settings.database_path)
        wait_until(lambda: len(cases.list_cases(db)) == 1)
        wait_until(lambda: any(p.new_cases for p in passes))
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_mail_arriving_while_a_pass_runs_is_picked_up_without_waiting_for_the_next_poll(
    imap, tmp_path, slack_api
):
    settings = imap.settings(tmp_path / "data", MAIL_POLL_SECONDS="600", **slack_env(slack_api))
    appended = []

    def post_then_more_mail(args):
        # The second mail reaches the inbox while the pass that found the first is still posting about it.
        if not appended:
            appended.append(True)
            imap.append(eml("retired_mailbox.eml"))
        return slack_api._default("chat.postMessage", args)

    slack_api.responses["chat.postMessage"] = post_then_more_mail
    passes = []
    stop, thread = start_watcher(settings, passes)
    try:
        wait_until(lambda: passes)
        imap.append(eml("proposal_complete.eml"))
        posts = slack_api.wait_for("chat.postMessage", count=2)
        assert posts[0].args["text"].startswith("New Placing Reliance case PR-0001")
        assert "retired mailbox" in posts[1].args["text"]
    finally:
        stop.set()
        thread.join(timeout=10)
    assert imap.count("INBOX") == 0
