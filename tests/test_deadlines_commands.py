"""The command line (`mhhs-bot deadlines`, `mhhs-bot nudges`), `/mhhs deadlines` and the iCalendar export."""

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import icalendar
from click.testing import CliRunner

from bot.deadlines.ics import deadlines_ics
from handlers.cli import cli
from handlers.slack.listeners.deadlines import deadlines_reply
from tests.fixtures.deadlines import TEAM_CHANNEL, add_case, london

REPO = Path(__file__).resolve().parents[1]


def env_for(tmp_path, deadlines_file, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MHHS_", "SLACK_", "IMAP_", "SMTP_"))}
    env.update(
        {
            "MHHS_DATA_DIR": str(tmp_path / "data"),
            "MHHS_DEADLINES_FILE": str(deadlines_file),
            "SLACK_TEAM_CHANNEL": TEAM_CHANNEL,
            "MHHS_ENV_FILE": str(tmp_path / "empty.env"),
        }
    )
    env.update(extra)
    (tmp_path / "empty.env").write_text("")
    return env


def test_nudges_dry_run_json_shows_what_would_be_sent_and_sends_nothing(tmp_path):
    env = env_for(tmp_path, REPO / "deadlines.example.yml", SLACK_API_URL="http://127.0.0.1:9/api/")
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "nudges", "--dry-run", "--now", "2026-12-18T09:00", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    # 18 Dec 2026: QT exit is due today; the final QAD (6 Jan) is 10 working days away across Christmas.
    assert {i["deadline"] for i in items} == {"qt-exit", "final-qad"}
    for item in items:
        assert set(item) == {"deadline", "due", "send_at", "audience", "text", "late"}
        assert item["send_at"] == "2026-12-18T09:00:00+00:00"
        assert item["late"] is False
    final = [i for i in items if i["deadline"] == "final-qad"]
    assert {i["audience"] for i in final} == {f"channel:{TEAM_CHANNEL}", "user:U0123ACME1"}
    assert "10 working days left" in final[0]["text"]

    db = sqlite3.connect(tmp_path / "data" / "assistant.db")
    assert db.execute("SELECT count(*) FROM nudge_log").fetchone()[0] == 0


def test_bad_deadlines_file_stops_the_command_naming_entry_and_field(tmp_path):
    bad = tmp_path / "deadlines.yml"
    bad.write_text("deadlines:\n  - {id: qt-exit, name: QT exit, due: 2026-13-01}\n")
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "deadlines"],
        cwd=REPO,
        env=env_for(tmp_path, bad),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "entry 'qt-exit', field 'due'" in result.stderr
    assert "Traceback" not in result.stderr


def invoke(tmp_path, args, deadlines_file=REPO / "deadlines.example.yml"):
    return CliRunner().invoke(cli, args, env=env_for(tmp_path, deadlines_file), catch_exceptions=False)


def test_deadlines_json_lists_upcoming_with_working_days_left(tmp_path):
    result = invoke(tmp_path, ["deadlines", "--json", "--now", "2026-12-24T12:00"])
    assert result.exit_code == 0, result.output
    items = {i["id"]: i for i in json.loads(result.output)}
    assert "qt-exit" not in items  # passed on 18 December
    assert items["final-qad"]["working_days_left"] == 6  # 29, 30, 31 Dec, 4, 5, 6 Jan
    assert items["final-qad"]["due"] == "2027-01-06T17:00:00+00:00"
    assert items["final-qad"]["rule"] == "10 working days after qt-exit"
    assert items["cutover-new-timetable"]["illustrative"] is True
    listing = invoke(tmp_path, ["deadlines", "--now", "2026-12-24T12:00"]).output
    assert "Working days left" in listing.splitlines()[0]  # a table with headers, "wd" explained
    rows = [re.split(r"\s{2,}", line.strip()) for line in listing.splitlines()]
    [cells] = [cells for cells in rows if len(cells) > 2 and cells[2] == "final-qad"]
    assert cells[:4] == [
        "Wed 06 Jan 2027 17:00 GMT",
        "6",
        "final-qad",
        "Final QAD submission (Acme Energy) (illustrative)",
    ]
    assert "Working days left: Monday to Friday" in listing


def test_team_deadlines_added_and_removed(tmp_path):
    added = invoke(
        tmp_path,
        [
            "deadlines",
            "add",
            "acme-work-off-plan",
            "--name",
            "Work-off plan",
            "--due",
            "2027-01-15",
            "--user",
            "U0LEAD001",
        ],
    )
    assert added.exit_code == 0, added.output
    items = {
        i["id"]: i
        for i in json.loads(invoke(tmp_path, ["deadlines", "--json", "--now", "2027-01-04"]).output)
    }
    assert items["acme-work-off-plan"]["source"] == "team"
    assert items["acme-work-off-plan"]["audience"] == ["team", "user:U0LEAD001"]
    assert items["acme-work-off-plan"]["due"] == "2027-01-15T17:00:00+00:00"
    clash = invoke(tmp_path, ["deadlines", "add", "final-qad", "--name", "X", "--due", "2027-01-15"])
    assert clash.exit_code != 0 and "defined in the deadlines file" in clash.output
    assert invoke(tmp_path, ["deadlines", "remove", "acme-work-off-plan"]).exit_code == 0
    items = {
        i["id"] for i in json.loads(invoke(tmp_path, ["deadlines", "--json", "--now", "2027-01-04"]).output)
    }
    assert "acme-work-off-plan" not in items
    gone = invoke(tmp_path, ["deadlines", "remove", "final-qad"])
    assert gone.exit_code != 0 and "remove it there" in gone.output


def test_ics_file_parses_back_with_london_times(tmp_path):
    out = tmp_path / "deadlines.ics"
    result = invoke(tmp_path, ["deadlines", "--ics", str(out)])
    assert result.exit_code == 0, result.output
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    final = events["final-qad@mhhs-qualification-assistant"]
    assert final.decoded("dtstart") == london(2027, 1, 6, 17)
    assert str(final.decoded("dtstart").tzinfo) == "Europe/London"
    assert str(final["summary"]) == "Final QAD submission (Acme Energy) (illustrative)"
    assert "10 working days after qt-exit" in str(final["description"])
    cutover = events["cutover-new-timetable@mhhs-qualification-assistant"]
    assert cutover.decoded("dtstart").utcoffset().total_seconds() == 3600  # BST in July
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert len(events) == 9


def test_ics_and_slack_list_leave_out_case_deadlines(deadlines_env):
    settings = deadlines_env.settings(
        "deadlines:\n  - {id: final-qad, name: Final QAD submission, due: '2027-01-06 17:00', guidance: 06_qad-guide.md}\n",
        guidance_base_url="https://guidance.example.org/mhhs",
    )
    db = deadlines_env.db
    ref = add_case(db, "new", None, "2027-01-04T10:00:00+00:00", "2027-01-04T10:00:00+00:00")
    text, blocks = deadlines_reply(settings, db, london(2027, 1, 4, 12))
    assert "Final QAD submission" in text and ref not in json.dumps(blocks)
    body = json.dumps(blocks)
    assert "2 working days left" in body
    assert "<https://guidance.example.org/mhhs/06_qad-guide.md|QAD guide>" in body
    calendar = icalendar.Calendar.from_ical(deadlines_ics(settings, db, london(2027, 1, 4, 12)))
    assert [str(e["uid"]) for e in calendar.walk("VEVENT")] == ["final-qad@mhhs-qualification-assistant"]
    assert str(calendar.walk("VEVENT")[0]["url"]) == "https://guidance.example.org/mhhs/06_qad-guide.md"


def test_slack_list_when_nothing_is_upcoming(deadlines_env):
    settings = deadlines_env.settings("deadlines: []\n")
    text, blocks = deadlines_reply(settings, deadlines_env.db, london(2027, 1, 4, 12))
    assert text == "No upcoming deadlines are recorded."
    assert blocks[0]["type"] == "section"


def test_team_adds_and_removes_deadlines_from_slack(deadlines_env):
    from handlers.slack.listeners.deadlines import deadlines_subcommand

    settings = deadlines_env.settings("deadlines: []\n")
    db, now = deadlines_env.db, london(2027, 1, 4, 12)
    refused, _ = deadlines_subcommand(
        settings, db, now, "add x 2027-01-15 X", "U0PART001", is_team_member=False
    )
    assert "Only the qualification team" in refused
    added, _ = deadlines_subcommand(
        settings, db, now, "add acme-plan 2027-01-15 12:00 Work-off plan <!channel>", "U0TEAM007", True
    )
    assert added.startswith("Added deadline `acme-plan`") and "&lt;!channel&gt;" in added
    listed, _ = deadlines_subcommand(settings, db, now, "", "U0PART001", False)
    assert "Work-off plan" in listed
    bad, _ = deadlines_subcommand(settings, db, now, "add late 2027-02-30 Bad date", "U0TEAM007", True)
    assert bad.startswith("Not done:") and "not a valid date" in bad
    removed, _ = deadlines_subcommand(settings, db, now, "remove acme-plan", "U0TEAM007", True)
    assert removed == "Removed deadline `acme-plan`."
    assert (
        deadlines_subcommand(settings, db, now, "", "U0PART001", False)[0]
        == "No upcoming deadlines are recorded."
    )


def test_nudges_dry_run_text_says_why(tmp_path):
    result = invoke(tmp_path, ["nudges", "--dry-run", "--now", "2026-12-29T11:00"])
    assert result.exit_code == 0, result.output
    # nothing has run before: only nudges planned in the last 30 minutes are due; none at 11:00
    assert "Nothing to send at 2026-12-29T11:00:00+00:00." in result.output
    result = invoke(tmp_path, ["nudges", "--dry-run", "--now", "2026-12-29T09:10"])
    assert "channel:C0TEAM001: final-qad (5 working day(s) before)" in result.output
    assert "5 working days left" in result.output
    assert invoke(tmp_path, ["nudges"]).exit_code != 0  # neither --dry-run nor --once
