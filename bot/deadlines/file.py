"""The deadlines file (``MHHS_DEADLINES_FILE``, YAML): programme milestones and participant deadlines.

Format in README.md "Deadlines and nudges" and in ``deadlines.example.yml``: each entry is due at a Europe/London
date and time or by a rule relative to another entry in working days (``after: qt-exit, working_days: 10``).

A bad file raises :class:`bot.core.errors.DeadlinesFileError` naming the entry and the field; the loader returns
every deadline or none.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from typing import Any

import yaml

from bot.core.errors import DeadlinesFileError
from bot.core.working_days import NonexistentLocalTime, WorkingCalendar, london_time, to_london
from bot.deadlines.model import (
    CASE_REF_PATTERN,
    CHANNEL_PATTERN,
    DEFAULT_DUE_TIME,
    ID_PATTERN,
    USER_PATTERN,
    Deadline,
    parse_due,
    parse_time_of_day,
)

ENTRY_FIELDS = {
    "id",
    "name",
    "what",
    "due",
    "time",
    "after",
    "before",
    "working_days",
    "audience",
    "lead_days",
    "guidance",
    "illustrative",
    "nudge",
    "case",
    "notes",
}
DEFAULT_FIELDS = {"time", "lead_days", "audience"}
AUDIENCE_FIELDS = {"channels", "users", "team", "case_owner"}
TOP_FIELDS = {"defaults", "deadlines"}


class _TextDatesLoader(yaml.SafeLoader):
    """A safe YAML loader that leaves dates and times as text, so they are parsed (and reported) here."""


_TextDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _fail(path: Path | str, entry: str | None, field_name: str | None, problem: str) -> DeadlinesFileError:
    where = f"deadlines file {path}"
    if entry is not None:
        where += f": entry {entry!r}"
    if field_name is not None:
        where += f", field {field_name!r}"
    return DeadlinesFileError(f"{where}: {problem}", entry=entry, field=field_name)


def parse_audience(spec: Any, path: Path | str, entry: str, field_name: str = "audience") -> tuple[str, ...]:
    """The audience mapping of the file (``channels``, ``users``, ``team``, ``case_owner``) → audience strings."""
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        raise _fail(path, entry, field_name, "expected a mapping with channels, users, team or case_owner")
    for key in spec:
        if key not in AUDIENCE_FIELDS:
            raise _fail(
                path,
                entry,
                f"{field_name}.{key}",
                f"unknown field (expected one of {', '.join(sorted(AUDIENCE_FIELDS))})",
            )
    result: list[str] = []
    for kind, pattern, what in (("channels", CHANNEL_PATTERN, "channel"), ("users", USER_PATTERN, "user")):
        values = spec.get(kind) or []
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list):
            raise _fail(path, entry, f"{field_name}.{kind}", f"expected a list of Slack {what} IDs")
        for value in values:
            if not isinstance(value, str) or not pattern.match(value.strip()):
                example = "C0123ABCD or #channel-name" if what == "channel" else "U0123ABCD"
                raise _fail(
                    path, entry, f"{field_name}.{kind}", f"not a Slack {what} ID: {value!r} (like {example})"
                )
            result.append(f"{'channel' if what == 'channel' else 'user'}:{value.strip()}")
    for flag, audience in (("team", "team"), ("case_owner", "case-owner")):
        value = spec.get(flag, False)
        if not isinstance(value, bool):
            raise _fail(path, entry, f"{field_name}.{flag}", f"expected true or false, got {value!r}")
        if value:
            result.append(audience)
    return tuple(dict.fromkeys(result))


def parse_lead_days(
    value: Any, path: Path | str, entry: str, field_name: str = "lead_days"
) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise _fail(path, entry, field_name, "expected a list of working-day counts, like [10, 5, 1, 0]")
    if any(v < 0 or v > 60 for v in value):
        raise _fail(path, entry, field_name, "working-day counts must be from 0 to 60")
    return tuple(sorted(set(value), reverse=True))


def load_deadlines_file(path: Path | str, calendar: WorkingCalendar) -> list[Deadline]:
    """Every deadline in the file at ``path``, with relative rules resolved; or DeadlinesFileError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(path, None, None, f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _fail(path, None, None, "is not UTF-8 text") from None
    return parse_deadlines(text, calendar, source_name=str(path))


def parse_deadlines(text: str, calendar: WorkingCalendar, source_name: str = "<text>") -> list[Deadline]:
    """Parse deadlines file text (see :func:`load_deadlines_file`)."""
    path = source_name
    try:
        document = yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a safe loader without timestamps
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _fail(path, None, None, f"is not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    if document is None:
        return []
    if not isinstance(document, dict):
        raise _fail(path, None, None, "expected a mapping with 'deadlines' (and optionally 'defaults')")
    for key in document:
        if key not in TOP_FIELDS:
            raise _fail(path, None, str(key), "unknown top-level field (expected 'defaults' or 'deadlines')")

    defaults = document.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise _fail(path, "defaults", None, "expected a mapping")
    for key in defaults:
        if key not in DEFAULT_FIELDS:
            raise _fail(
                path,
                "defaults",
                str(key),
                f"unknown field (expected one of {', '.join(sorted(DEFAULT_FIELDS))})",
            )
    try:
        default_time = parse_time_of_day(defaults["time"]) if "time" in defaults else DEFAULT_DUE_TIME
    except ValueError as exc:
        raise _fail(path, "defaults", "time", str(exc)) from None
    default_lead = (
        parse_lead_days(defaults["lead_days"], path, "defaults") if "lead_days" in defaults else None
    )
    default_audience = parse_audience(defaults.get("audience"), path, "defaults")

    entries = document.get("deadlines") or []
    if not isinstance(entries, list):
        raise _fail(path, None, "deadlines", "expected a list of entries")

    raw: dict[str, dict[str, Any]] = {}
    for position, entry in enumerate(entries, start=1):
        label = f"#{position}"
        if not isinstance(entry, dict):
            raise _fail(path, label, None, "expected a mapping with id, name and due (or after/before)")
        entry_id = entry.get("id")
        if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
            raise _fail(
                path, label, "id", f"expected an id of letters, digits, '.', '_' or '-', got {entry_id!r}"
            )
        if entry_id in raw:
            raise _fail(path, entry_id, "id", "duplicate id")
        for key in entry:
            if key not in ENTRY_FIELDS:
                raise _fail(
                    path,
                    entry_id,
                    str(key),
                    f"unknown field (expected one of {', '.join(sorted(ENTRY_FIELDS))})",
                )
        raw[entry_id] = entry

    # Check each entry's own fields before resolving references, so errors name the first bad field.
    checked: dict[str, dict[str, Any]] = {}
    for entry_id, entry in raw.items():
        checked[entry_id] = _check_entry(
            path, entry_id, entry, default_time, default_lead, default_audience, set(raw)
        )

    resolved: dict[str, datetime] = {}

    def resolve(entry_id: str, chain: list[str]) -> datetime:
        if entry_id in resolved:
            return resolved[entry_id]
        spec = checked[entry_id]
        if spec["due"] is not None:
            resolved[entry_id] = spec["due"]
            return spec["due"]
        direction, ref, days = spec["relative"]
        if ref in chain:
            cycle = " -> ".join(chain[chain.index(ref) :] + [ref])
            raise _fail(path, entry_id, direction, f"rules refer to each other in a cycle: {cycle}")
        ref_due = to_london(resolve(ref, chain + [ref]))
        day = calendar.add(ref_due.date(), days if direction == "after" else -days)
        at = spec["time"] or ref_due.time()
        try:
            due = london_time(day, at)
        except NonexistentLocalTime as exc:
            raise _fail(path, entry_id, "time", str(exc)) from None
        resolved[entry_id] = due
        return due

    deadlines = []
    for entry_id, spec in checked.items():
        due = resolve(entry_id, [entry_id])
        rule = None
        if spec["relative"]:
            direction, ref, days = spec["relative"]
            rule = f"{days} working day{'s' if days != 1 else ''} {direction} {ref}"
        deadlines.append(
            Deadline(
                key=entry_id,
                name=spec["name"],
                due=due,
                what=spec["what"],
                audience=spec["audience"],
                lead_days=spec["lead_days"],
                guidance=spec["guidance"],
                illustrative=spec["illustrative"],
                nudge=spec["nudge"],
                source="file",
                case_ref=spec["case"],
                rule=rule,
                notes=spec["notes"],
            )
        )
    return deadlines


def _check_entry(
    path: str,
    entry_id: str,
    entry: dict[str, Any],
    default_time: time,
    default_lead: tuple[int, ...] | None,
    default_audience: tuple[str, ...],
    known_ids: set[str],
) -> dict[str, Any]:
    def text_field(name: str, required: bool = False) -> str:
        value = entry.get(name)
        if value is None:
            if required:
                raise _fail(path, entry_id, name, "missing")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            raise _fail(path, entry_id, name, "expected text")
        return str(value).strip()

    spec: dict[str, Any] = {
        "name": text_field("name", required=True),
        "what": text_field("what"),
        "notes": text_field("notes"),
        "guidance": text_field("guidance") or None,
    }
    for flag, default in (("illustrative", False), ("nudge", True)):
        value = entry.get(flag, default)
        if not isinstance(value, bool):
            raise _fail(path, entry_id, flag, f"expected true or false, got {value!r}")
        spec[flag] = value

    entry_time = None
    if "time" in entry:
        try:
            entry_time = parse_time_of_day(entry["time"])
        except ValueError as exc:
            raise _fail(path, entry_id, "time", str(exc)) from None
    spec["time"] = entry_time

    relative_keys = [k for k in ("after", "before") if k in entry]
    if "due" in entry and relative_keys:
        raise _fail(
            path, entry_id, relative_keys[0], "give either 'due' or a rule ('after'/'before'), not both"
        )
    if len(relative_keys) > 1:
        raise _fail(path, entry_id, "before", "give either 'after' or 'before', not both")
    spec["due"] = None
    spec["relative"] = None
    if "due" in entry:
        if "working_days" in entry:
            raise _fail(path, entry_id, "working_days", "only used with 'after' or 'before'")
        try:
            spec["due"] = parse_due(entry["due"], entry_time or default_time)
        except ValueError as exc:
            raise _fail(path, entry_id, "due", str(exc)) from None
        if entry_time is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entry["due"]).strip()):
            raise _fail(path, entry_id, "time", "the due value already has a time; give one or the other")
    elif relative_keys:
        direction = relative_keys[0]
        ref = entry[direction]
        if not isinstance(ref, str) or ref not in known_ids:
            raise _fail(path, entry_id, direction, f"refers to no entry in this file: {ref!r}")
        if ref == entry_id:
            raise _fail(path, entry_id, direction, "an entry cannot refer to itself")
        days = entry.get("working_days")
        if days is None:
            raise _fail(path, entry_id, "working_days", f"missing (needed with '{direction}')")
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 500:
            raise _fail(
                path, entry_id, "working_days", f"expected a whole number from 0 to 500, got {days!r}"
            )
        spec["relative"] = (direction, ref, days)
    else:
        raise _fail(
            path, entry_id, "due", "missing: give 'due' or a rule ('after'/'before' with 'working_days')"
        )

    spec["lead_days"] = (
        parse_lead_days(entry["lead_days"], path, entry_id) if "lead_days" in entry else default_lead
    )
    spec["audience"] = (
        parse_audience(entry["audience"], path, entry_id) if "audience" in entry else default_audience
    )
    case = entry.get("case")
    if case is not None and (not isinstance(case, str) or not CASE_REF_PATTERN.match(case)):
        raise _fail(path, entry_id, "case", f"expected a case reference like PR-0001, got {case!r}")
    if "case-owner" in spec["audience"] and not case:
        raise _fail(path, entry_id, "audience.case_owner", "needs the entry's 'case' reference")
    spec["case"] = case
    return spec


def file_deadlines(settings, calendar: WorkingCalendar) -> list[Deadline]:
    if not settings.deadlines.file:
        return []
    return load_deadlines_file(settings.deadlines.file, calendar)
