"""Exactly once: failures and restarts mid-run, interrupted sends, downtime and late catch-up."""

import os
import signal
import subprocess
import sys
import threading
import time as time_module
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot import storage
from bot.core.working_days import calendar_from_settings
from bot.deadlines import all_deadlines
from handlers.slack.nudge_delivery import send_due_nudges
from tests.fixtures.deadlines import london

THREE_AT_ONCE = """
defaults:
  audience: {team: true}
  lead_days: [5, 0]
deadlines:
  - {id: final-qad, name: Final QAD submission, due: "2026-12-11 17:00"}
  - {id: rttm-qt-exit, name: RTTM at QT exit, due: "2026-12-11 17:00"}
  - {id: readiness-report, name: Participant Readiness Report, due: "2026-12-11 17:00"}
"""


def run_at(env, settings, now, client=None, db=None):
    calendar = calendar_from_settings(settings)
    db = db or env.db
    return send_due_nudges(
        settings, db, client or env.client(), now, all_deadlines(settings, db, calendar), calendar
    )


def posted_deadlines(slack_api):
    """Deadline names of the nudges Slack accepted."""
    return Counter(
        c.args["text"].split(": ")[1].split(" is due")[0] for c in slack_api.calls_to("chat.postMessage")
    )


def test_web_api_failing_mid_run_then_a_restart_sends_each_nudge_once(deadlines_env, slack_api):
    settings = deadlines_env.settings(THREE_AT_ONCE)
    calls = {"n": 0}

    def second_call_fails(args):
        calls["n"] += 1
        if calls["n"] == 2:
            return {"ok": False, "error": "internal_error"}
        return {"ok": True, "channel": args["channel"], "ts": f"1700000000.{calls['n']:06d}"}

    slack_api.responses["chat.postMessage"] = second_call_fails
    # 5 working days before Fri 11 December is Fri 4 December.
    report = run_at(deadlines_env, settings, london(2026, 12, 4, 9))
    assert len(report.sent) == 2 and len(report.failed) == 1
    states = Counter(r["state"] for r in deadlines_env.db["nudge_log"].rows)
    assert states == {"sent": 2, "failed": 1}

    # Restart: a new process (new connection). The refused nudge waits 2 minutes, then goes; nothing else does.
    deadlines_env.db.conn.close()
    deadlines_env._db = storage.connect(settings.database_path)
    assert run_at(deadlines_env, settings, london(2026, 12, 4, 9, 1)).sent == []
    report = run_at(deadlines_env, settings, london(2026, 12, 4, 9, 2))
    assert len(report.sent) == 1 and not report.sent[0].late
    accepted = [c for i, c in enumerate(slack_api.calls_to("chat.postMessage"), start=1) if i != 2]
    names = Counter(c.args["text"].split(": ")[1].split(" is due")[0] for c in accepted)
    assert names == {"Final QAD submission": 1, "RTTM at QT exit": 1, "Participant Readiness Report": 1}
    # and again: nothing more
    assert run_at(deadlines_env, settings, london(2026, 12, 4, 9, 30)).sent == []
    assert len(slack_api.calls_to("chat.postMessage")) == 4


def hang(seconds):
    def respond(args):
        time_module.sleep(seconds)
        return {"ok": True, "channel": args["channel"], "ts": "1700000001.000001"}

    return respond


def history_from_posts(slack_api):
    def respond(args):
        messages = [
            {"ts": f"1700000001.{i:06d}", "text": c.args.get("text"), "metadata": c.args.get("metadata")}
            for i, c in enumerate(slack_api.calls_to("chat.postMessage"))
            if c.args.get("channel") == args.get("channel")
        ]
        return {"ok": True, "messages": messages, "has_more": False}

    return respond


ONE = "deadlines:\n  - {id: final-qad, name: Final QAD submission, due: '2026-12-11 17:00', lead_days: [5, 0], audience: {team: true}}\n"


def test_restart_after_an_interrupted_send_finds_the_message_and_does_not_repeat_it(deadlines_env, slack_api):
    settings = deadlines_env.settings(ONE)
    # Slack posts the message but the answer never arrives (the process could have died here).
    slack_api.responses["chat.postMessage"] = hang(2)
    report = run_at(deadlines_env, settings, london(2026, 12, 4, 9), client=deadlines_env.client(timeout=1))
    assert report.sent == [] and [outcome for _, outcome in report.failed] == ["sending"]
    assert [r["state"] for r in deadlines_env.db["nudge_log"].rows] == ["sending"]
    slack_api.responses.pop("chat.postMessage")
    slack_api.responses["conversations.history"] = history_from_posts(slack_api)

    # A run soon after leaves the in-flight row alone; one 5 minutes later checks the channel history.
    assert run_at(deadlines_env, settings, london(2026, 12, 4, 9, 2)).sent == []
    assert slack_api.calls_to("conversations.history") == []
    report = run_at(deadlines_env, settings, london(2026, 12, 4, 9, 10))
    assert report.confirmed == 1 and report.sent == []
    (row,) = deadlines_env.db["nudge_log"].rows
    assert row["state"] == "sent" and row["ts"]
    history = slack_api.calls_to("conversations.history")[0].args
    assert history["include_all_metadata"] in (True, "true", "1", 1)
    assert len(slack_api.calls_to("chat.postMessage")) == 1


def test_interrupted_send_that_never_reached_slack_is_sent_once(deadlines_env, slack_api):
    settings = deadlines_env.settings(ONE)
    slack_api.responses["chat.postMessage"] = hang(2)
    run_at(deadlines_env, settings, london(2026, 12, 4, 9), client=deadlines_env.client(timeout=1))
    slack_api.responses.pop("chat.postMessage")
    slack_api.responses["conversations.history"] = lambda args: {"ok": True, "messages": []}
    report = run_at(deadlines_env, settings, london(2026, 12, 4, 9, 10))
    assert len(report.sent) == 1 and not report.sent[0].late
    assert run_at(deadlines_env, settings, london(2026, 12, 4, 10)).sent == []
    assert len(slack_api.calls_to("chat.postMessage")) == 2  # the lost one and its single resend


def test_interrupted_send_that_cannot_be_checked_is_never_repeated(deadlines_env, slack_api):
    settings = deadlines_env.settings(ONE)
    slack_api.responses["chat.postMessage"] = hang(2)
    run_at(deadlines_env, settings, london(2026, 12, 4, 9), client=deadlines_env.client(timeout=1))
    slack_api.responses.pop("chat.postMessage")
    slack_api.responses["conversations.history"] = lambda args: {"ok": False, "error": "missing_scope"}
    report = run_at(deadlines_env, settings, london(2026, 12, 4, 9, 10))
    assert report.unconfirmed == 1 and report.sent == []
    assert run_at(deadlines_env, settings, london(2026, 12, 4, 11)).sent == []
    (row,) = deadlines_env.db["nudge_log"].rows
    assert row["state"] == "unconfirmed"
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    # the on-the-day nudge still goes as planned
    assert len(run_at(deadlines_env, settings, london(2026, 12, 11, 9)).sent) == 1


FOUR_LEADS = """
deadlines:
  - id: final-qad
    name: Final QAD submission
    due: 2026-12-11 17:00
    audience: {team: true}
"""


def hourly(env, settings, start, end):
    now, reports = start, []
    while now <= end:
        reports.append((now, run_at(env, settings, now)))
        now += timedelta(hours=1)
    return [(now, n) for now, r in reports for n in r.sent]


def test_downtime_then_catch_up_sends_the_missed_nudge_once_marked_late(deadlines_env, slack_api):
    # Lead times for Fri 11 Dec: 27 Nov (10), 4 Dec (5), 10 Dec (1), 11 Dec (0), each at 09:00.
    settings = deadlines_env.settings(FOUR_LEADS)
    before = hourly(deadlines_env, settings, london(2026, 11, 26), london(2026, 12, 1))
    assert [(n.slot, n.late) for _, n in before] == [("lead:10", False)]
    # Down from Tue 1 Dec to Mon 7 Dec 14:00: the 5-day nudge (Fri 4 Dec) was missed.
    after = hourly(deadlines_env, settings, london(2026, 12, 7, 14), london(2026, 12, 12))
    assert [(now.hour, n.slot, n.late) for now, n in after] == [
        (14, "lead:5", True),
        (9, "lead:1", False),
        (9, "lead:0", False),
    ]
    texts = [c.args["text"] for c in slack_api.calls_to("chat.postMessage")]
    assert "sent late" in texts[1] and "sent late" not in texts[2]
    assert "4 working days left" in texts[1]
    assert len(texts) == 4


def test_long_downtime_sends_only_the_latest_missed_nudge(deadlines_env, slack_api):
    settings = deadlines_env.settings(FOUR_LEADS)
    hourly(deadlines_env, settings, london(2026, 11, 25), london(2026, 11, 25, 12))
    # Down from 25 Nov to Mon 7 Dec 08:00: both the 10-day and the 5-day nudges were missed.
    # Back before the nudge hour: the catch-up waits for 09:00, then goes once.
    after = hourly(deadlines_env, settings, london(2026, 12, 7, 8), london(2026, 12, 7, 12))
    assert [(now.hour, n.slot, n.late) for now, n in after] == [(9, "lead:5", True)]
    skipped = [r["slot"] for r in deadlines_env.db["nudge_log"].rows if r["state"] == "skipped"]
    assert skipped == ["lead:10"]


def test_no_catch_up_once_the_deadline_has_passed(deadlines_env, slack_api):
    settings = deadlines_env.settings(FOUR_LEADS)
    hourly(deadlines_env, settings, london(2026, 11, 26), london(2026, 12, 1))
    # Down from 1 Dec until after the deadline.
    assert hourly(deadlines_env, settings, london(2026, 12, 11, 18), london(2026, 12, 14, 12)) == []
    assert len(slack_api.calls_to("chat.postMessage")) == 1


def test_catch_up_outside_working_hours_when_the_deadline_would_pass_first(deadlines_env, slack_api):
    text = "deadlines:\n  - {id: sat, name: Saturday cut-off, due: '2026-12-05 12:00', lead_days: [0], audience: {team: true}}\n"
    settings = deadlines_env.settings(text)
    hourly(deadlines_env, settings, london(2026, 12, 3), london(2026, 12, 3, 12))
    # Down all Friday (the on-the-day nudge for a Saturday deadline goes on Friday); back on Saturday 06:00.
    after = hourly(deadlines_env, settings, london(2026, 12, 5, 6), london(2026, 12, 5, 13))
    assert [(now.hour, n.late) for now, n in after] == [(6, True)]


def test_process_killed_mid_run_then_restarted_sends_each_nudge_exactly_once(
    deadlines_env, slack_api, tmp_path
):
    """`mhhs-bot nudges --once` is killed while Slack is posting its second nudge; a restart finishes the run."""
    settings = deadlines_env.settings(THREE_AT_ONCE)
    release = threading.Event()
    calls = {"n": 0}

    def second_post_never_answers(args):
        calls["n"] += 1
        if calls["n"] == 2:
            release.wait(30)  # Slack has the message; the answer never reaches the killed process
        return {"ok": True, "channel": args["channel"], "ts": f"1700000000.{calls['n']:06d}"}

    slack_api.responses["chat.postMessage"] = second_post_never_answers
    (tmp_path / "empty.env").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MHHS_", "SLACK_", "IMAP_", "SMTP_"))}
    env.update(
        {
            "MHHS_ENV_FILE": str(tmp_path / "empty.env"),
            "MHHS_DATA_DIR": str(settings.data_dir),
            "MHHS_DEADLINES_FILE": str(settings.deadlines.file),
            "MHHS_DIGEST": "false",
            "SLACK_TEAM_CHANNEL": settings.slack.team_channel,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": slack_api.api_url,
        }
    )
    repo = Path(__file__).resolve().parents[1]

    def nudges_once(now):
        return subprocess.Popen(
            [sys.executable, "-m", "handlers.cli", "nudges", "--once", "--now", now],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    try:
        first = nudges_once("2026-12-04T09:00")
        slack_api.wait_for("chat.postMessage", count=2, timeout=60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        release.set()
    states = Counter(r["state"] for r in deadlines_env.db["nudge_log"].rows)
    assert states == {"sent": 1, "sending": 1}

    slack_api.responses.pop("chat.postMessage")
    slack_api.responses["conversations.history"] = history_from_posts(slack_api)
    second = nudges_once("2026-12-04T09:10")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "sent 1," in out and "confirmed 1," in out
    names = posted_deadlines(slack_api)
    assert names == {"Final QAD submission": 1, "RTTM at QT exit": 1, "Participant Readiness Report": 1}
    assert Counter(r["state"] for r in deadlines_env.db["nudge_log"].rows) == {"sent": 3}


def test_a_refused_nudge_is_retried_with_growing_waits_then_given_up(deadlines_env, slack_api):
    settings = deadlines_env.settings(ONE)
    slack_api.responses["chat.postMessage"] = lambda args: {"ok": False, "error": "not_in_channel"}
    start = london(2026, 12, 4, 9)
    tries = []
    for minute in range(0, 8 * 60):
        now = start + timedelta(minutes=minute)
        before = len(slack_api.calls_to("chat.postMessage"))
        run_at(deadlines_env, settings, now)
        if len(slack_api.calls_to("chat.postMessage")) > before:
            tries.append(minute)
    # waits of 2, 4, 8, 16, 32, 64 and 120 minutes, then no more (8 tries in all)
    assert tries == [0, 2, 6, 14, 30, 62, 126, 246]
    (row,) = deadlines_env.db["nudge_log"].rows
    assert row["state"] == "failed" and row["attempts"] == 8 and row["error"] == "not_in_channel"


def test_one_nudge_per_channel_when_audiences_name_the_same_channel(deadlines_env, slack_api):
    text = ONE.replace("audience: {team: true}", "audience: {team: true, channels: [C0TEAM001]}")
    settings = deadlines_env.settings(text)
    report = run_at(deadlines_env, settings, london(2026, 12, 4, 9))
    assert [n.audience for n in report.sent] == ["channel:C0TEAM001"]
    assert len(slack_api.calls_to("chat.postMessage")) == 1
