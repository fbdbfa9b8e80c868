from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import DeadlinesFileError
from bot.core.working_days import WorkingCalendar
from bot.deadlines import load_deadlines_file, parse_deadlines
from tests.fixtures.deadlines import london

REPO = Path(__file__).resolve().parents[1]
UTC = ZoneInfo("UTC")

GOOD = """
defaults:
  time: "17:00"
  lead_days: [10, 5, 1, 0]
  audience: {team: true}
deadlines:
  - id: qt-exit
    name: QT exit
    due: 2026-12-18
    nudge: false
  - id: final-qad
    name: Final QAD submission
    after: qt-exit
    working_days: 10
    what: Final QAD signed by a Company Director
    guidance: "06_qad-guide.md#2-two-formal-submissions"
    audience: {channels: [C0PART001], users: [U0LEAD001], team: true}
  - id: readiness-call
    name: Readiness call
    before: final-qad
    working_days: 3
    time: "10:30"
    lead_days: [1]
"""


@pytest.fixture
def calendar():
    return WorkingCalendar()


def test_relative_rules_count_working_days_across_christmas(calendar):
    deadlines = {d.key: d for d in parse_deadlines(GOOD, calendar)}
    assert deadlines["qt-exit"].due == london(2026, 12, 18, 17)
    assert deadlines["qt-exit"].nudge is False
    # 10 working days after Fri 18 Dec 2026, skipping Christmas Day, Boxing Day (observed) and New Year's Day.
    final = deadlines["final-qad"]
    assert final.due == london(2027, 1, 6, 17)
    assert final.rule == "10 working days after qt-exit"
    assert final.audience == ("channel:C0PART001", "user:U0LEAD001", "team")
    assert final.lead_days == (10, 5, 1, 0)
    assert final.guidance == "06_qad-guide.md#2-two-formal-submissions"
    call = deadlines["readiness-call"]
    assert call.due == london(2026, 12, 31, 10, 30)
    assert call.lead_days == (1,)
    assert call.audience == ("team",)


def test_due_formats_and_offsets(calendar):
    text = """
deadlines:
  - {id: a, name: A, due: "2026-06-01T09:15"}
  - {id: b, name: B, due: "2026-06-01 16:00Z"}
  - {id: c, name: C, due: "2026-01-15T12:00+00:00"}
"""
    found = {d.key: d.due for d in parse_deadlines(text, calendar)}
    assert found["a"] == london(2026, 6, 1, 9, 15)
    assert found["b"] == datetime(2026, 6, 1, 16, tzinfo=UTC)
    assert found["b"].utcoffset().total_seconds() == 3600  # shown in BST
    assert found["c"] == london(2026, 1, 15, 12)


def test_the_shipped_example_loads(calendar):
    deadlines = load_deadlines_file(REPO / "deadlines.example.yml", calendar)
    assert len(deadlines) >= 8
    assert any(d.illustrative for d in deadlines)
    assert any(d.rule for d in deadlines)
    for deadline in deadlines:
        if deadline.guidance:
            document = deadline.guidance.split("#")[0]
            assert (REPO / "knowledge" / "guidance" / document).is_file(), deadline.guidance


@pytest.mark.parametrize(
    ("change", "entry", "field", "words"),
    [
        # unknown fields
        (("    nudge: false", "    nudge: false\n    colour: red"), "qt-exit", "colour", "unknown field"),
        (('  time: "17:00"', '  time: "17:00"\n  hour: 9'), "defaults", "hour", "unknown field"),
        (
            ("audience: {channels", "audience: {groups: [C1], channels"),
            "final-qad",
            "audience.groups",
            "unknown",
        ),
        # bad dates and times
        (("due: 2026-12-18", "due: 2026-02-30"), "qt-exit", "due", "not a valid date"),
        (("due: 2026-12-18", "due: next friday"), "qt-exit", "due", "expected a date"),
        (("due: 2026-12-18", "due: 2026-03-29 01:30"), "qt-exit", "due", "does not exist"),
        (('time: "10:30"', 'time: "25:00"'), "readiness-call", "time", "expected a time"),
        # a rule that refers to nothing
        (("after: qt-exit", "after: qt-exot"), "final-qad", "after", "refers to no entry"),
        (("    working_days: 10\n", ""), "final-qad", "working_days", "missing"),
        (("working_days: 10", "working_days: ten"), "final-qad", "working_days", "whole number"),
        # a cycle
        (("due: 2026-12-18", "after: readiness-call\n    working_days: 1"), "final-qad", "after", "cycle"),
        # other mistakes
        (("    name: QT exit\n", ""), "qt-exit", "name", "missing"),
        (
            ("users: [U0LEAD001]", "users: [lead@example.com]"),
            "final-qad",
            "audience.users",
            "not a Slack user",
        ),
        (("lead_days: [1]", "lead_days: [-1]"), "readiness-call", "lead_days", "from 0 to 60"),
        (("id: readiness-call", "id: qt-exit"), "qt-exit", "id", "duplicate"),
        (("nudge: false", "nudge: sometimes"), "qt-exit", "nudge", "true or false"),
    ],
)
def test_bad_file_names_the_entry_and_the_field(tmp_path, calendar, change, entry, field, words):
    old, new = change
    assert old in GOOD
    path = tmp_path / "deadlines.yml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DeadlinesFileError) as info:
        load_deadlines_file(path, calendar)
    error = info.value
    assert error.entry == entry
    assert error.field == field
    assert f"entry {entry!r}" in str(error)
    assert f"field {field!r}" in str(error)
    assert words in str(error)
    assert str(path) in str(error)


def test_cycle_of_two_rules_is_reported(calendar):
    text = """
deadlines:
  - {id: a, name: A, after: b, working_days: 1}
  - {id: b, name: B, after: a, working_days: 2}
"""
    with pytest.raises(DeadlinesFileError, match=r"cycle: a -> b -> a") as info:
        parse_deadlines(text, calendar)
    assert info.value.field == "after"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("deadlines: [\n", "not valid YAML at line"),
        ("- just a list\n", "expected a mapping"),
        ("deadline:\n  - {id: a}\n", "unknown top-level field"),
        ("deadlines:\n  - {id: 'a b', name: A, due: 2026-01-05}\n", "expected an id"),
    ],
)
def test_bad_file_structure(calendar, text, words):
    with pytest.raises(DeadlinesFileError, match=words):
        parse_deadlines(text, calendar)


def test_empty_file_has_no_deadlines(calendar):
    assert parse_deadlines("", calendar) == []
    assert parse_deadlines("deadlines: []\n", calendar) == []


def test_unreadable_file_is_reported(tmp_path, calendar):
    with pytest.raises(DeadlinesFileError, match="cannot be read"):
        load_deadlines_file(tmp_path / "absent.yml", calendar)


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"MHHS_NUDGE_LEAD_DAYS": "10,five"}, "MHHS_NUDGE_LEAD_DAYS"),
        ({"MHHS_NUDGE_LEAD_DAYS": "-1"}, "MHHS_NUDGE_LEAD_DAYS"),
        ({"MHHS_NUDGE_HOUR": "24"}, "MHHS_NUDGE_HOUR"),
        ({"MHHS_DIGEST_HOUR": "morning"}, "MHHS_DIGEST_HOUR"),
        ({"MHHS_CASE_ACK_WORKING_DAYS": "0"}, "MHHS_CASE_ACK_WORKING_DAYS"),
    ],
)
def test_bad_deadline_settings_name_the_setting(tmp_path, monkeypatch, env, setting):
    from bot.core.errors import ConfigError
    from bot.core.settings import load_settings

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert info.value.setting == setting


def test_deadline_settings_defaults(tmp_path, monkeypatch):
    from bot.core.settings import load_settings

    monkeypatch.chdir(tmp_path)
    settings = load_settings({"MHHS_NUDGE_LEAD_DAYS": "1,10,5,0,5"})
    assert settings.deadlines.nudge_lead_days == (10, 5, 1, 0)
    assert load_settings({}).deadlines.nudge_lead_days == (10, 5, 1, 0)
    assert (settings.deadlines.nudge_hour, settings.deadlines.digest_hour) == (9, 8)
