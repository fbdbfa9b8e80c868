"""The ``/mhhs`` subcommand registry.

A feature adds a subcommand with :meth:`SubcommandRegistry.register_subcommand`; its handler receives a
:class:`SubcommandRequest` and returns the reply: text (mrkdwn, shown only to the person who typed the command) or a
message payload (a dict with ``text`` and/or ``blocks``, and optionally ``response_type``: ``"in_channel"``).

``/mhhs help`` (or ``/mhhs`` alone) lists every subcommand with its help text. A single lower-case word that is not
a subcommand also gets the help; anything else is a question for the knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

Reply = str | dict[str, Any]
SUBCOMMAND_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


@dataclass(frozen=True)
class SubcommandRequest:
    """One ``/mhhs NAME ARGS`` call."""

    name: str
    args: str  # the text after the subcommand name, stripped
    user_id: str
    channel_id: str
    payload: dict[str, Any]  # the slash command payload as Slack sent it
    client: WebClient


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: Callable[[SubcommandRequest], Reply]
    help: str
    team_only: bool = False


class SubcommandRegistry:
    def __init__(self) -> None:
        self._subcommands: dict[str, Subcommand] = {}

    def register_subcommand(
        self, name: str, handler: Callable[[SubcommandRequest], Reply], help: str, team_only: bool = False
    ) -> None:
        """Add ``/mhhs NAME``. ``team_only`` refuses it, politely, to people outside the qualification team."""
        if not SUBCOMMAND_NAME.match(name) or name == "help":
            raise ValueError(f"not a usable subcommand name: {name!r}")
        if name in self._subcommands:
            raise ValueError(f"subcommand {name!r} is already registered")
        self._subcommands[name] = Subcommand(name, handler, help, team_only)

    def get(self, name: str) -> Subcommand | None:
        return self._subcommands.get(name)

    def listing(self) -> list[tuple[str, str]]:
        """(usage name, help) for every subcommand, alphabetically."""
        return [
            (s.name, s.help + (" (qualification team only)" if s.team_only else ""))
            for s in sorted(self._subcommands.values(), key=lambda s: s.name)
        ]


def split_command_text(text: str) -> tuple[str, str]:
    """``"retract TA-0001"`` → ``("retract", "TA-0001")``; the first word lower-cased."""
    text = (text or "").strip()
    first, _, rest = text.partition(" ")
    return first.lower(), rest.strip()


def looks_like_unknown_subcommand(text: str) -> bool:
    """A single lower-case word (no question mark) that is not a subcommand: the person wanted a command."""
    return bool(SUBCOMMAND_NAME.match(text.strip()))
