"""Case deadlines (acknowledgement, awaiting the participant), the team's morning digest and the scheduler thread."""

import threading
from datetime import timedelta

from bot.core.working_days import calendar_from_settings
from bot.deadlines import all_deadlines, case_deadlines
from handlers.scheduler import run_nudge_scheduler, run_nudges_once
from handlers.slack.nudge_delivery import send_team_digest
from tests.fixtures.deadlines import TEAM_CHANNEL, add_case, london

FILE = """
deadlines:
  - {id: final-qad, name: Final QAD submission, due: '2026-12-09 17:00', audience: {team: true}}
  - {id: cutover, name: Cutover, due: '2027-07-01 17:00', audience: {team: true}}
"""


def add_cases(db):
    # received Thu 24 Dec 2026: acknowledge within 2 working days -> Wed 30 Dec (25 and 28 Dec are holidays)
    add_case(db, "new", "U0OWNER01", "2026-12-24T15:30:00Z", "2026-12-24T15:30:00Z")  # PR-0001
    # clarification requested Mon 30 Nov: participant's reply due in 5 working days -> Mon 7 Dec
    add_case(db, "clarification_requested", None, "2026-11-20T09:00:00Z", "2026-11-30T11:00:00Z")  # PR-0002
    add_case(db, "accepted", "U0OWNER01", "2026-11-20T09:00:00Z", "2026-11-25T11:00:00Z")  # PR-0003


def test_case_deadlines_from_the_cases_table(deadlines_env):
    settings = deadlines_env.settings(FILE)
    add_cases(deadlines_env.db)
    found = {d.key: d for d in case_deadlines(deadlines_env.db, settings, calendar_from_settings(settings))}
    assert set(found) == {"case:PR-0001:ack", "case:PR-0002:reply"}
    ack = found["case:PR-0001:ack"]
    assert ack.due == london(2026, 12, 30, 17) and ack.audience == ("user:U0OWNER01",)
    reply = found["case:PR-0002:reply"]
    assert reply.due == london(2026, 12, 7, 17) and reply.audience == ("team",)
    assert reply.case_ref == "PR-0002" and "clarification" in reply.what


def test_case_deadlines_follow_the_statuses_of_bot_cases(deadlines_env):
    """A reply is due only while the case is in clarification_requested, counted from the latest request."""
    from bot import cases

    settings = deadlines_env.settings(FILE)
    db, calendar = deadlines_env.db, calendar_from_settings(settings)
    ref = add_case(db, "clarification_requested", "U0OWNER01", "2026-11-20T09:00:00Z", "2026-11-30T11:00:00Z")
    assert [d.key for d in case_deadlines(db, settings, calendar)] == [f"case:{ref}:reply"]
    # The participant replied: the case is under review again, and nothing is due from them.
    cases.change_status(db, ref, cases.UNDER_REVIEW, actor="U0TEAM001")
    assert case_deadlines(db, settings, calendar) == []
    # Asked again on Mon 7 Dec: the reply is due 5 working days after the new request, Mon 14 Dec.
    cases.change_status(db, ref, cases.CLARIFICATION_REQUESTED, actor="U0TEAM001")
    db.execute("UPDATE cases SET status_changed_at = ? WHERE ref = ?", ["2026-12-07T10:00:00Z", ref])
    (reply,) = case_deadlines(db, settings, calendar)
    assert reply.key == f"case:{ref}:reply" and reply.due == london(2026, 12, 14, 17)
    assert reply.audience == ("user:U0OWNER01",)
    cases.change_status(db, ref, cases.WITHDRAWN, actor="U0TEAM001")
    assert case_deadlines(db, settings, calendar) == []


def test_no_cases_table_means_no_case_deadlines(deadlines_env):
    settings = deadlines_env.settings(FILE)
    assert case_deadlines(deadlines_env.db, settings, calendar_from_settings(settings)) == []


def test_case_deadline_nudges_the_owner(deadlines_env, slack_api):
    settings = deadlines_env.settings(FILE, nudge_lead_days=(1, 0))
    add_cases(deadlines_env.db)
    run_nudges_once(settings, deadlines_env.db, deadlines_env.client(), london(2026, 12, 29, 9))
    to_owner = [c for c in slack_api.calls_to("chat.postMessage") if c.args["channel"] == "U0OWNER01"]
    assert len(to_owner) == 1
    assert "Acknowledge PR-0001" in to_owner[0].args["text"]
    assert "1 working day left" in to_owner[0].args["text"]


def test_morning_digest_lists_the_week_and_overdue_case_actions_once(deadlines_env, slack_api):
    settings = deadlines_env.settings(FILE, nudge_lead_days=(0,))
    add_cases(deadlines_env.db)
    calendar = calendar_from_settings(settings)
    deadlines = all_deadlines(settings, deadlines_env.db, calendar)
    client = deadlines_env.client()
    # Tue 8 Dec 2026, before the digest hour (08:00): nothing yet.
    assert send_team_digest(settings, deadlines_env.db, client, london(2026, 12, 8, 7, 59), deadlines) is None
    assert send_team_digest(settings, deadlines_env.db, client, london(2026, 12, 8, 8), deadlines) == "sent"
    assert send_team_digest(settings, deadlines_env.db, client, london(2026, 12, 8, 8, 1), deadlines) is None
    (post,) = slack_api.calls_to("chat.postMessage")
    assert post.args["channel"] == TEAM_CHANNEL
    body = str(post.args["blocks"])
    assert "Final QAD submission" in body and "1 working day left" in body
    assert "Cutover" not in body  # not this week
    assert "Participant reply on PR-0002" in body and "overdue by 1 working day" in body
    # Saturday: no digest.
    assert send_team_digest(settings, deadlines_env.db, client, london(2026, 12, 12, 9), deadlines) is None


def test_scheduler_thread_with_an_injected_clock_sends_and_stops(deadlines_env, slack_api):
    settings = deadlines_env.settings(FILE, nudge_lead_days=(0,), digest=False)
    ticks = iter([london(2026, 12, 9, 8, 59) + timedelta(minutes=i) for i in range(1000)])
    stop = threading.Event()
    seen = []

    def clock():
        now = next(ticks)
        seen.append(now)
        if len(seen) >= 5:
            stop.set()
        return now

    thread = threading.Thread(
        target=run_nudge_scheduler,
        args=(settings, stop),
        kwargs={"clock": clock, "client": deadlines_env.client(), "interval": 0.01},
        daemon=True,
    )
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    (post,) = slack_api.calls_to("chat.postMessage")  # 09:00 on the day, once over five ticks
    assert "Final QAD submission" in post.args["text"] and "due today" in post.args["text"]


def test_scheduler_keeps_the_last_good_deadlines_when_the_file_turns_bad(deadlines_env, slack_api, caplog):
    settings = deadlines_env.settings(FILE, nudge_lead_days=(0,), digest=False)
    from bot.deadlines import DeadlineBook

    book = DeadlineBook(settings, calendar_from_settings(settings))
    assert [d.key for d in book.read(deadlines_env.db)] == ["final-qad", "cutover"]
    deadlines_env.file.write_text(FILE + "  - {id: broken, name: Broken, due: 2026-02-30}\n")
    assert [d.key for d in book.read(deadlines_env.db)] == ["final-qad", "cutover"]
    assert "entry 'broken', field 'due'" in caplog.text


def test_no_digest_on_a_day_with_nothing_to_list(deadlines_env, slack_api):
    settings = deadlines_env.settings(FILE)
    deadlines = all_deadlines(settings, deadlines_env.db, calendar_from_settings(settings))
    client = deadlines_env.client()
    assert send_team_digest(settings, deadlines_env.db, client, london(2027, 2, 1, 8), deadlines) == "skipped"
    assert send_team_digest(settings, deadlines_env.db, client, london(2027, 2, 1, 9), deadlines) is None
    assert slack_api.calls_to("chat.postMessage") == []


def test_start_nudge_scheduler_refuses_a_bad_file_before_starting(deadlines_env):
    import pytest

    from bot.core.errors import DeadlinesFileError
    from handlers.scheduler import start_nudge_scheduler

    settings = deadlines_env.settings("deadlines:\n  - {id: a, name: A, after: b, working_days: 1}\n")
    with pytest.raises(DeadlinesFileError, match="entry 'a', field 'after'"):
        start_nudge_scheduler(settings)
    good = deadlines_env.settings(FILE)
    thread, stop = start_nudge_scheduler(
        good, clock=lambda: london(2027, 2, 6, 12), client=deadlines_env.client()
    )
    stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_file_deadline_for_a_case_nudges_its_owner_or_else_the_team(deadlines_env, slack_api):
    text = """
deadlines:
  - {id: pr1-work-off, name: Work-off plan for PR-0001, due: '2026-12-31 17:00', case: PR-0001,
     lead_days: [0], audience: {case_owner: true}}
  - {id: pr2-work-off, name: Work-off plan for PR-0002, due: '2026-12-31 17:00', case: PR-0002,
     lead_days: [0], audience: {case_owner: true}}
"""
    settings = deadlines_env.settings(text, digest=False)
    add_cases(deadlines_env.db)
    run_nudges_once(settings, deadlines_env.db, deadlines_env.client(), london(2026, 12, 31, 9))
    sent = {c.args["channel"]: c.args["text"] for c in slack_api.calls_to("chat.postMessage")}
    assert "Work-off plan for PR-0001" in sent["U0OWNER01"]
    assert "Work-off plan for PR-0002" in sent[TEAM_CHANNEL]  # PR-0002 has no owner
