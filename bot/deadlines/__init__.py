"""Qualification deadlines: the model, the deadlines file, deadlines the team adds, and case deadlines.

Three sources give :class:`Deadline` values:

- the deadlines file (``MHHS_DEADLINES_FILE``, YAML), validated by :mod:`bot.deadlines.file`;
- deadlines the team adds from Slack or the command line, in the ``team_deadlines`` table
  (:mod:`bot.deadlines.team`);
- case deadline providers, which derive deadlines from cases (:mod:`bot.deadlines.casework`).

:mod:`bot.deadlines.sources` puts them together; :mod:`bot.deadlines.ics` exports them as a calendar;
:mod:`bot.deadlines.schema` owns the tables of deadlines and nudges. Nothing here talks to Slack.
"""

from bot.deadlines.casework import CASE_DEADLINE_PROVIDERS, CaseDeadlineProvider, case_deadlines, case_owner
from bot.deadlines.file import (
    file_deadlines,
    load_deadlines_file,
    parse_audience,
    parse_deadlines,
    parse_lead_days,
)
from bot.deadlines.model import DEFAULT_DUE_TIME, Deadline, parse_due, parse_time_of_day
from bot.deadlines.sources import DeadlineBook, DeadlineSources, all_deadlines, upcoming
from bot.deadlines.team import add_team_deadline, remove_team_deadline, team_deadlines

__all__ = [
    "CASE_DEADLINE_PROVIDERS",
    "DEFAULT_DUE_TIME",
    "CaseDeadlineProvider",
    "Deadline",
    "DeadlineBook",
    "DeadlineSources",
    "add_team_deadline",
    "all_deadlines",
    "case_deadlines",
    "case_owner",
    "file_deadlines",
    "load_deadlines_file",
    "parse_audience",
    "parse_deadlines",
    "parse_due",
    "parse_lead_days",
    "parse_time_of_day",
    "remove_team_deadline",
    "team_deadlines",
    "upcoming",
]
