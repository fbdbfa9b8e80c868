"""Deadlines wired into the running Slack assistant: `/mhhs deadlines`, nudge buttons, `/deadlines.ics`, and the
nudge scheduler and inbox watcher started beside the app."""

import json
import time
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from bot import storage
from bot.core.errors import DeadlinesFileError
from bot.core.working_days import calendar_from_settings
from bot.deadlines import file_deadlines
from handlers.cli.serve import background_services
from handlers.slack.nudge_blocks import ACTION_DONE, ACTION_SNOOZE_WEEK, button_value
from tests.fixtures.slack_app import ASKER, TEAM_CHANNEL, TEAM_MEMBER


def _deadlines_file(tmp_path):
    due = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    path = tmp_path / "deadlines.yml"
    path.write_text(
        "deadlines:\n"
        f"  - {{id: final-qad, name: Final QAD submission, due: '{due} 17:00', what: 'Final QAD & sign-off <b>'}}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def deadlines_app(make_slack_app, slack_api, tmp_path):
    slack_api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    return make_slack_app(
        MHHS_DEADLINES_FILE=str(_deadlines_file(tmp_path)), MHHS_CALENDAR_TOKEN="calendar-secret-1"
    )


def _command(app, text, user):
    name = f"cmd-{time.monotonic_ns()}"
    assert app.command(text, user=user, response_url=app.api.response_url(name)).status == 200
    return app.wait_for_response(name)[0]


def test_slash_deadlines_lists_the_next_deadlines_for_anyone(deadlines_app):
    reply = _command(deadlines_app, "deadlines", ASKER)
    body = json.dumps(reply)
    assert "Final QAD submission" in body
    assert "working days left" in body
    assert "<b>" not in body  # text from the deadlines file is escaped


def test_only_the_team_adds_deadlines_from_slack(deadlines_app):
    refused = _command(deadlines_app, "deadlines add pab-paper 2027-03-01 Approval paper to the PAB", ASKER)
    assert "Only the qualification team" in refused["text"]
    _command(deadlines_app, "deadlines add pab-paper 2027-03-01 Approval paper to the PAB", TEAM_MEMBER)
    listed = _command(deadlines_app, "deadlines", ASKER)
    assert "Approval paper to the PAB" in json.dumps(listed)


def _click(app, action_id, value, user):
    reply = app.click(action_id, value, user=user, channel=TEAM_CHANNEL, message_ts="1700000000.000321")
    assert reply.status == 200


def _state(settings):
    db = storage.connect(settings.database_path)
    try:
        return [dict(r) for r in db["nudge_state"].rows]
    finally:
        db.conn.close()


def test_done_and_snooze_buttons_are_acknowledged_then_recorded_and_the_nudge_updated(deadlines_app):
    settings = deadlines_app.settings
    deadline = file_deadlines(settings, calendar_from_settings(settings))[0]
    value = button_value(deadline, f"channel:{TEAM_CHANNEL}")

    _click(deadlines_app, ACTION_SNOOZE_WEEK, value, TEAM_MEMBER)
    update = deadlines_app.api.wait_for("chat.update")[0].args
    assert update["channel"] == TEAM_CHANNEL and update["ts"] == "1700000000.000321"
    assert "Snoozed by <@UTEAM0001>" in json.dumps(update)

    _click(deadlines_app, ACTION_DONE, value, TEAM_MEMBER)
    deadlines_app.api.wait_for("chat.update", count=2)
    [state] = deadlines_app.wait_until(lambda: [s for s in _state(settings) if s["done_by"]], what="done")
    assert state["deadline_key"] == "final-qad" and state["done_by"] == TEAM_MEMBER
    assert state["snoozed_by"] == TEAM_MEMBER


def test_calendar_is_served_in_http_mode_at_its_secret_address(deadlines_app, make_slack_app):
    assert deadlines_app.get("/deadlines.ics").status == 404
    assert deadlines_app.get("/deadlines.ics?token=calendar-secret-2").status == 404
    assert deadlines_app.get("/deadlines.ics?token=").status == 404
    without_token = make_slack_app(MHHS_DEADLINES_FILE=str(deadlines_app.settings.deadlines.file))
    assert without_token.get("/deadlines.ics").status == 404
    assert without_token.get("/deadlines.ics?token=").status == 404
    reply = deadlines_app.get("/deadlines.ics?token=calendar-secret-1")
    assert reply.status == 200
    calendar = icalendar.Calendar.from_ical(reply.body)
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Final QAD submission"]


def test_serve_runs_the_nudge_scheduler_and_the_inbox_watcher_when_imap_is_set(deadlines_app):
    settings = deadlines_app.settings
    names = [name for name, _ in background_services(settings, deadlines_app.assistant)]
    assert names == ["nudges"]
    with_imap = settings.replace(imap_host="127.0.0.1", imap_user="test")
    assert [name for name, _ in background_services(with_imap, deadlines_app.assistant)] == [
        "nudges",
        "inbox",
    ]


def test_a_bad_deadlines_file_stops_serve_before_anything_starts(deadlines_app, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("deadlines:\n  - {id: x, name: X, due: '2027-02-30'}\n", encoding="utf-8")
    settings = deadlines_app.settings.replace(deadlines_file=bad)
    with pytest.raises(DeadlinesFileError) as info:
        background_services(settings, deadlines_app.assistant)
    assert "due" in str(info.value)
