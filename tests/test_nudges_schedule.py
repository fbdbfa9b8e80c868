"""When nudges go: lead times on working days at the nudge hour, across bank holidays, weekends and clock changes.

Each test runs the sending step hour by hour with an injected clock against the local Slack Web API and checks
the messages that reached it.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.working_days import LONDON, calendar_from_settings
from handlers.slack.nudge_delivery import send_due_nudges
from tests.fixtures.deadlines import TEAM_CHANNEL, london

UTC = ZoneInfo("UTC")


def run_hourly(env, settings, start, end, slack_api, step=timedelta(hours=1)):
    """Run the sending step every ``step`` from ``start`` to ``end``; return [(now, post call)] in order."""
    from bot.deadlines import all_deadlines

    calendar = calendar_from_settings(settings)
    client = env.client()
    sent = []
    now = start
    while now <= end:
        before = len(slack_api.calls_to("chat.postMessage"))
        deadlines = all_deadlines(settings, env.db, calendar)
        send_due_nudges(settings, env.db, client, now, deadlines, calendar)
        for call in slack_api.calls_to("chat.postMessage")[before:]:
            sent.append((now, call))
        now += step
    return sent


def local_times(sent):
    return [now.astimezone(LONDON).strftime("%a %Y-%m-%d %H:%M") for now, _ in sent]


ACROSS_CHRISTMAS = """
deadlines:
  - id: final-qad
    name: Final QAD submission
    due: 2027-01-06 17:00
    what: Final QAD signed by a Company Director
    guidance: "06_qad-guide.md#2-two-formal-submissions"
    audience: {team: true}
"""


def test_nudges_across_christmas_and_new_year(deadlines_env, slack_api):
    settings = deadlines_env.settings(ACROSS_CHRISTMAS)
    sent = run_hourly(deadlines_env, settings, london(2026, 12, 14), london(2027, 1, 7), slack_api)
    # 10, 5 and 1 working days before Wed 6 Jan 2027, and on the day, skipping 25 and 28 Dec and 1 Jan.
    assert local_times(sent) == [
        "Fri 2026-12-18 09:00",
        "Tue 2026-12-29 09:00",
        "Tue 2027-01-05 09:00",
        "Wed 2027-01-06 09:00",
    ]
    texts = [call.args["text"] for _, call in sent]
    assert "10 working days left" in texts[0]
    assert "5 working days left" in texts[1]
    assert "1 working day left" in texts[2]
    assert "due today" in texts[3]
    assert all(call.args["channel"] == TEAM_CHANNEL for _, call in sent)
    assert not any("sent late" in t for t in texts)
    assert "What is due: Final QAD signed by a Company Director" in texts[0]


EASTER_AND_CLOCK_CHANGE = """
deadlines:
  - id: rttm-qt-exit
    name: RTTM at QT exit
    due: 2027-04-01 12:00
    lead_days: [5, 1, 0]
    audience: {users: [U0LEAD001]}
"""


def test_nudges_across_easter_and_the_spring_clock_change(deadlines_env, slack_api):
    settings = deadlines_env.settings(EASTER_AND_CLOCK_CHANGE)
    start = datetime(2027, 3, 20, 0, 0, tzinfo=UTC)  # step in UTC: the clocks go forward on Sun 28 March
    sent = run_hourly(deadlines_env, settings, start, datetime(2027, 4, 2, tzinfo=UTC), slack_api)
    # Good Friday 26 and Easter Monday 29 March are skipped: 5 working days before Thu 1 April is Tue 23 March.
    assert local_times(sent) == ["Tue 2027-03-23 09:00", "Wed 2027-03-31 09:00", "Thu 2027-04-01 09:00"]
    utc_hours = [now.astimezone(UTC).hour for now, _ in sent]
    assert utc_hours == [9, 8, 8]  # 09:00 GMT, then 09:00 BST
    assert all(call.args["channel"] == "U0LEAD001" for _, call in sent)


AUTUMN = """
deadlines:
  - id: dip-consultation
    name: DIP Change Request consultation closes
    due: 2026-10-27 17:00
    lead_days: [2, 1, 0]
"""


def test_nudges_across_the_autumn_clock_change(deadlines_env, slack_api):
    settings = deadlines_env.settings(AUTUMN + "    audience: {team: true}\n")
    start = datetime(2026, 10, 21, tzinfo=UTC)
    sent = run_hourly(deadlines_env, settings, start, datetime(2026, 10, 28, tzinfo=UTC), slack_api)
    assert local_times(sent) == ["Fri 2026-10-23 09:00", "Mon 2026-10-26 09:00", "Tue 2026-10-27 09:00"]
    assert [now.astimezone(UTC).hour for now, _ in sent] == [8, 9, 9]


WEEKEND = """
defaults:
  audience: {team: true}
deadlines:
  - {id: monday-noon, name: Monday deadline, due: "2026-11-30 12:00", lead_days: [1, 0]}
  - {id: saturday, name: Saturday deadline, due: "2026-12-05 17:00", lead_days: [1, 0]}
"""


def test_nudges_skip_the_weekend(deadlines_env, slack_api):
    settings = deadlines_env.settings(WEEKEND)
    sent = run_hourly(deadlines_env, settings, london(2026, 11, 26), london(2026, 12, 7), slack_api)
    names = [
        (t, call.args["text"].split(":")[1].split(" is due")[0].strip())
        for t, (_, call) in zip(local_times(sent), sent, strict=True)
    ]
    assert names == [
        ("Fri 2026-11-27 09:00", "Monday deadline"),
        ("Mon 2026-11-30 09:00", "Monday deadline"),
        # due on a Saturday: the day before and "on the day" are both Friday; one nudge, not two
        ("Fri 2026-12-04 09:00", "Saturday deadline"),
    ]
    assert "no working days left" in sent[2][1].args["text"]


def test_nudge_hour_is_configurable(deadlines_env, slack_api):
    settings = deadlines_env.settings(WEEKEND, nudge_hour=14, nudge_lead_days=(0,))
    sent = run_hourly(deadlines_env, settings, london(2026, 11, 26), london(2026, 12, 7), slack_api)
    # Monday's 12:00 deadline falls before the 14:00 nudge hour: no on-the-day nudge, only the one on Friday.
    assert local_times(sent) == ["Fri 2026-11-27 14:00", "Fri 2026-12-04 14:00"]


def test_no_nudges_for_a_deadline_in_the_past(deadlines_env, slack_api):
    settings = deadlines_env.settings(
        "deadlines:\n  - {id: pqs, name: PQS final submissions, due: 2024-04-26, audience: {team: true}}\n"
    )
    sent = run_hourly(deadlines_env, settings, london(2026, 11, 30, 8), london(2026, 12, 1, 12), slack_api)
    assert sent == []


def test_a_deadline_added_late_gets_its_next_nudge_not_a_late_one(deadlines_env, slack_api):
    settings = deadlines_env.settings("deadlines: []\n")
    # The scheduler has been running before the deadline exists.
    run_hourly(deadlines_env, settings, london(2026, 12, 30, 8), london(2027, 1, 5, 9), slack_api)
    assert slack_api.calls_to("chat.postMessage") == []
    # Added on 5 January (10 and 5 working days before have passed): the next nudge is 1 working day before.
    (deadlines_env.tmp_path / "deadlines.yml").write_text(
        ACROSS_CHRISTMAS.replace("2027-01-06", "2027-01-08")
    )
    sent = run_hourly(deadlines_env, settings, london(2027, 1, 5, 10), london(2027, 1, 9), slack_api)
    assert local_times(sent) == ["Thu 2027-01-07 09:00", "Fri 2027-01-08 09:00"]
