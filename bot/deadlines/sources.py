"""Every deadline together: the deadlines file, the team's and the cases', sorted by due time."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from bot.core.errors import DeadlinesFileError
from bot.core.working_days import WorkingCalendar
from bot.deadlines.casework import CASE_DEADLINE_PROVIDERS, CaseDeadlineProvider
from bot.deadlines.file import file_deadlines
from bot.deadlines.model import Deadline
from bot.deadlines.team import team_deadlines

log = logging.getLogger(__name__)


@dataclass
class DeadlineSources:
    """Which sources to read; tests and callers may swap the case providers."""

    file: bool = True
    team: bool = True
    cases: bool = True
    providers: list[CaseDeadlineProvider] = field(default_factory=lambda: list(CASE_DEADLINE_PROVIDERS))


def all_deadlines(
    settings, db: sqlite_utils.Database, calendar: WorkingCalendar, sources: DeadlineSources | None = None
) -> list[Deadline]:
    """Every deadline from the file, the team and cases, sorted by due time."""
    sources = sources or DeadlineSources()
    found: list[Deadline] = []
    if sources.file:
        found += file_deadlines(settings, calendar)
    if sources.team:
        found += team_deadlines(db)
    if sources.cases:
        for provider in sources.providers:
            found += provider(db, settings, calendar)
    return sorted(found, key=lambda d: (d.due, d.key))


def upcoming(deadlines: Iterable[Deadline], now: datetime, include_cases: bool = True) -> list[Deadline]:
    """Deadlines not yet due at ``now`` (case deadlines left out unless ``include_cases``)."""
    return [d for d in deadlines if d.due > now and (include_cases or d.source != "case")]


class DeadlineBook:
    """Reads the deadlines each run; a deadlines file that turns bad keeps its last good contents (and says so)."""

    def __init__(self, settings, calendar: WorkingCalendar, sources: DeadlineSources | None = None):
        self.settings = settings
        self.calendar = calendar
        self.sources = sources or DeadlineSources()
        self._last_good_file: list[Deadline] = []
        self._last_error: str | None = None

    def read(self, db: sqlite_utils.Database) -> list[Deadline]:
        try:
            from_file = file_deadlines(self.settings, self.calendar) if self.sources.file else []
            self._last_good_file = from_file
            self._last_error = None
        except DeadlinesFileError as exc:
            if str(exc) != self._last_error:
                log.error("%s; nudging from its last good contents", exc)
                self._last_error = str(exc)
            from_file = self._last_good_file
        found = list(from_file)
        if self.sources.team:
            found += team_deadlines(db)
        if self.sources.cases:
            for provider in self.sources.providers:
                found += provider(db, self.settings, self.calendar)
        return sorted(found, key=lambda d: (d.due, d.key))
