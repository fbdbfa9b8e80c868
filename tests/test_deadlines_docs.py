"""Every deadlines command has help text and a README entry; the README documents the file format."""

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.core.working_days import WorkingCalendar
from bot.deadlines import parse_deadlines
from handlers.cli import cli
from handlers.slack.nudge_blocks import ACTION_DONE, ACTION_SNOOZE_DAY, ACTION_SNOOZE_WEEK

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "command",
    [["deadlines"], ["deadlines", "add"], ["deadlines", "remove"], ["nudges"]],
)
def test_command_has_help_and_a_readme_row(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 3
    assert f"`mhhs-bot {' '.join(command)}" in README


def test_readme_example_file_is_valid():
    section = README.split("## Deadlines and nudges", 1)[1]
    example = section.split("```yaml", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(example)["deadlines"]
    found = {d.key: d for d in parse_deadlines(example, WorkingCalendar())}
    assert found["final-qad"].due.isoformat() == "2027-01-06T17:00:00+00:00"


def test_readme_names_the_button_action_ids():
    for action_id in (ACTION_DONE, ACTION_SNOOZE_DAY, ACTION_SNOOZE_WEEK):
        assert f"`{action_id}`" in README
