"""Listings on the terminal as tables with headers (rich). ``--json`` output never goes through here.

Every cell is plain text: rich markup in the data (``[bold]``) is escaped and control characters (escape sequences
that could repaint the terminal) are removed (:func:`bot.core.text.printable`), so a mail subject or a question prints as written.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Sequence

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.core.text import printable


def cell(value: object) -> str:
    """A value as a plain table cell: None is empty, control characters are removed, markup is escaped."""
    return escape(printable(value).replace("\n", " ").replace("\t", " "))


def print_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    title: str | None = None,
    note: str | None = None,
) -> None:
    """Print ``rows`` under ``headers`` to standard output, and an optional note (what a column means) below."""
    table = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    # on a terminal, its width (long cells wrap); piped or redirected, one line per row
    width = max(shutil.get_terminal_size((160, 24)).columns, 100) if sys.stdout.isatty() else 400
    console = Console(width=width, highlight=False, soft_wrap=False)
    with console.capture() as captured:
        console.print(table)
        if note:
            console.print(cell(note))
    lines = [line.rstrip() for line in captured.get().splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    click.echo("\n".join(lines).rstrip("\n"))
