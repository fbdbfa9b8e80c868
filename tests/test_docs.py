"""The documentation stays true: every command has help and a README entry, every setting is in README's table."""

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.core.settings import setting_fields, settings_table_markdown
from handlers.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


COMMANDS = _commands(cli)


def test_the_cli_has_the_commands_the_issues_name():
    names = {" ".join(path) for path, _ in COMMANDS}
    expected = {
        "index",
        "ask",
        "eval",
        "chat",
        "run",
        "serve",
        "settings",
        "triage",
        "watch",
        "cases",
        "case",
    }
    assert expected | {"deadlines", "nudges"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_and_a_readme_entry(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command = dict(COMMANDS)[path]
    assert (command.help or "").strip(), f"mhhs-bot {' '.join(path)} has no help text"
    assert f"mhhs-bot {' '.join(path)}" in README, f"README.md does not mention mhhs-bot {' '.join(path)}"


def test_readme_settings_table_is_current():
    assert settings_table_markdown() in README, (
        "README's settings table is stale: mhhs-bot settings --markdown"
    )
    for field in setting_fields():
        assert f"`{field.metadata['env']}`" in README


def test_readme_opens_with_the_two_commands():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make run" in quick_start and "make test" in quick_start


def test_ci_runs_what_the_readme_tells_a_new_user():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
