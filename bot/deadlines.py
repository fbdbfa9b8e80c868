"""Qualification deadlines: the model, the deadlines file, deadlines the team adds, and case deadlines.

Three sources give :class:`Deadline` values:

- the deadlines file (``MHHS_DEADLINES_FILE``, YAML; format in README.md "Deadlines and nudges" and in
  ``deadlines.example.yml``): programme milestones and participant deadlines, each due at a Europe/London date
  and time or by a rule relative to another entry in working days (``after: qt-exit, working_days: 10``);
- deadlines the team adds from Slack or the command line, kept in the ``team_deadlines`` table;
- case deadline providers: functions ``(db, settings, calendar) -> list[Deadline]`` that derive deadlines from
  cases (a new proposal to acknowledge, a clarification awaiting the participant's reply).

A bad file raises :class:`bot.errors.DeadlinesFileError` naming the entry and the field; the loader returns
every deadline or none.

Audiences are strings: ``channel:C0123`` (a channel message), ``user:U0123`` (a direct message), ``team`` (the
team channel, ``SLACK_TEAM_CHANNEL``) and ``case-owner`` (the owner of the deadline's case, else the team).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from bot.errors import AssistantError, DeadlinesFileError
from bot.working_days import LONDON, NonexistentLocalTime, WorkingCalendar, london_time, to_london

DEFAULT_DUE_TIME = time(17, 0)
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
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CHANNEL_PATTERN = re.compile(r"^(?:[CGD][A-Z0-9]{2,}|#[a-z0-9][a-z0-9_-]{0,79})$")
USER_PATTERN = re.compile(r"^[UW][A-Z0-9]{2,}$")
CASE_REF_PATTERN = re.compile(r"^[A-Z]{1,5}-\d{1,8}$")


@dataclass(frozen=True)
class Deadline:
    """One deadline. ``due`` is an aware datetime; ``key`` is unique across every source."""

    key: str
    name: str
    due: datetime
    what: str = ""
    audience: tuple[str, ...] = ()
    lead_days: tuple[int, ...] | None = None  # None: MHHS_NUDGE_LEAD_DAYS
    guidance: str | None = None
    illustrative: bool = False
    nudge: bool = True
    source: str = "file"  # file, team or case
    case_ref: str | None = None
    rule: str | None = None  # e.g. "10 working days after qt-exit"
    notes: str = ""

    @property
    def due_london(self) -> datetime:
        return to_london(self.due)

    def as_json(self, calendar: WorkingCalendar, now: datetime) -> dict[str, Any]:
        return {
            "id": self.key,
            "name": self.name,
            "what": self.what,
            "due": self.due_london.isoformat(),
            "working_days_left": calendar.working_days_left(now, self.due),
            "audience": list(self.audience),
            "lead_days": list(self.lead_days) if self.lead_days is not None else None,
            "guidance": self.guidance,
            "illustrative": self.illustrative,
            "nudge": self.nudge,
            "source": self.source,
            "case": self.case_ref,
            "rule": self.rule,
        }


# --- the deadlines file ------------------------------------------------------------------------------------------


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


def parse_time_of_day(text: str) -> time:
    """``"17:00"`` or ``"9:30"`` → a time; raises ValueError."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"expected a time like 17:00, got {text!r}")
    return time(int(match[1]), int(match[2]))


def parse_due(text: str, default_time: time = DEFAULT_DUE_TIME) -> datetime:
    """A due date-time from text: ``2026-03-31`` (at ``default_time``), ``2026-03-31 17:00``,
    ``2026-03-31T17:00`` (Europe/London wall-clock) or with an offset (``2026-03-31T16:00Z``, ``+01:00``).

    Raises ValueError with a short reason (an invalid date, or a time skipped by the spring clock change).
    """
    value = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a valid date: {value!r}") from None
        try:
            return london_time(day, default_time)
        except NonexistentLocalTime as exc:
            raise ValueError(str(exc)) from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?", value):
        raise ValueError(
            f"expected a date like 2026-03-31 or a date and time like 2026-03-31 17:00, got {value!r}"
        )
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a valid date and time: {value!r}") from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(LONDON)
    try:
        return london_time(parsed.date(), parsed.time())
    except NonexistentLocalTime as exc:
        raise ValueError(str(exc)) from None


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


# --- deadlines the team adds ----------------------------------------------------------------------------------


def team_deadlines(db: sqlite_utils.Database) -> list[Deadline]:
    if "team_deadlines" not in db.table_names():
        return []
    result = []
    for row in db.execute(
        "SELECT id, name, what, due, audience, lead_days, guidance FROM team_deadlines ORDER BY due"
    ).fetchall():
        result.append(
            Deadline(
                key=row[0],
                name=row[1],
                what=row[2] or "",
                due=datetime.fromisoformat(row[3]).astimezone(LONDON),
                audience=tuple(json.loads(row[4] or "[]")),
                lead_days=tuple(json.loads(row[5])) if row[5] else None,
                guidance=row[6],
                source="team",
            )
        )
    return result


def add_team_deadline(
    db: sqlite_utils.Database,
    settings,
    calendar: WorkingCalendar,
    *,
    key: str,
    name: str,
    due: datetime,
    what: str = "",
    audience: Iterable[str] = ("team",),
    lead_days: Iterable[int] | None = None,
    guidance: str | None = None,
    created_by: str = "",
    now: datetime | None = None,
) -> Deadline:
    """Store a deadline the team added; refuses an id used by the file or already stored."""
    if not ID_PATTERN.match(key):
        raise AssistantError(f"deadline id {key!r}: use letters, digits, '.', '_' or '-'")
    if not name.strip():
        raise AssistantError(f"deadline {key!r}: a name is needed")
    audience = tuple(audience)
    for value in audience:
        kind, _, ident = value.partition(":")
        ok = value == "team" or (kind == "channel" and CHANNEL_PATTERN.match(ident))
        ok = ok or (kind == "user" and USER_PATTERN.match(ident))
        if not ok:
            raise AssistantError(f"deadline {key!r}: audience {value!r} is not team, channel:ID or user:ID")
    file_ids = {d.key for d in file_deadlines(settings, calendar)}
    if key in file_ids:
        raise AssistantError(f"deadline {key!r} is defined in the deadlines file; change it there")
    if (
        "team_deadlines" in db.table_names()
        and db.execute("SELECT 1 FROM team_deadlines WHERE id = ?", [key]).fetchone()
    ):
        raise AssistantError(f"deadline {key!r} already exists; remove it first to change it")
    lead = tuple(sorted(set(lead_days), reverse=True)) if lead_days is not None else None
    due = to_london(due)
    db["team_deadlines"].insert(
        {
            "id": key,
            "name": name.strip(),
            "what": what.strip(),
            "due": due.isoformat(),
            "audience": json.dumps(list(audience)),
            "lead_days": json.dumps(list(lead)) if lead is not None else None,
            "guidance": guidance,
            "created_by": created_by,
            "created_at": (now or datetime.now(UTC)).isoformat(),
        }
    )
    return Deadline(
        key=key,
        name=name.strip(),
        due=due,
        what=what.strip(),
        audience=audience,
        lead_days=lead,
        guidance=guidance,
        source="team",
    )


def remove_team_deadline(db: sqlite_utils.Database, settings, calendar: WorkingCalendar, key: str) -> None:
    """Remove a deadline the team added (file deadlines are changed in the file)."""
    if "team_deadlines" in db.table_names():
        cursor = db.execute("DELETE FROM team_deadlines WHERE id = ?", [key])
        if cursor.rowcount:
            return
    if key in {d.key for d in file_deadlines(settings, calendar)}:
        raise AssistantError(f"deadline {key!r} is defined in the deadlines file; remove it there")
    raise AssistantError(f"no deadline {key!r} was added by the team")


# --- case deadlines --------------------------------------------------------------------------------------------

CaseDeadlineProvider = Callable[[sqlite_utils.Database, Any, WorkingCalendar], list[Deadline]]
ACK_STATUSES = {"new"}
CLARIFICATION_STATUSES = {"clarification_requested", "awaiting_participant", "awaiting_reply"}


def _status_key(status: str | None) -> str:
    return re.sub(r"[\s-]+", "_", (status or "").strip().lower())


def _stored_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _case_audience(owner: str | None) -> tuple[str, ...]:
    owner = (owner or "").strip()
    return (f"user:{owner}",) if USER_PATTERN.match(owner) else ("team",)


def case_deadlines(db: sqlite_utils.Database, settings, calendar: WorkingCalendar) -> list[Deadline]:
    """Deadlines derived from open cases.

    Reads the ``cases`` table's columns ``ref``, ``status``, ``owner``, ``received_at`` and
    ``status_changed_at`` only:

    - status "new": acknowledge the proposal within ``MHHS_CASE_ACK_WORKING_DAYS`` working days of
      ``received_at``;
    - status "clarification requested" (or "awaiting participant"): the participant's reply is due within
      ``MHHS_CASE_REPLY_WORKING_DAYS`` working days of ``status_changed_at``.

    The audience is the case's owner (a Slack user ID) or, with no owner, the team channel.
    """
    if "cases" not in db.table_names():
        return []
    columns = set(db["cases"].columns_dict)
    needed = {"ref", "status", "owner", "received_at", "status_changed_at"}
    if not needed <= columns:
        return []
    result = []
    for ref, status, owner, received_at, changed_at in db.execute(
        "SELECT ref, status, owner, received_at, status_changed_at FROM cases"
    ).fetchall():
        key = _status_key(status)
        if key in ACK_STATUSES:
            start, days = _stored_time(received_at), settings.case_ack_working_days
            kind, name, what = "ack", f"Acknowledge {ref}", f"acknowledge Placing Reliance proposal {ref}"
        elif key in CLARIFICATION_STATUSES:
            start, days = _stored_time(changed_at or received_at), settings.case_reply_working_days
            kind, name = "reply", f"Participant reply on {ref}"
            what = f"the participant's reply to the clarification request on {ref}"
        else:
            continue
        if start is None:
            continue
        day = calendar.add(to_london(start).date(), days)
        result.append(
            Deadline(
                key=f"case:{ref}:{kind}",
                name=name,
                due=london_time(day, DEFAULT_DUE_TIME),
                what=what,
                audience=_case_audience(owner),
                source="case",
                case_ref=ref,
                rule=f"{days} working days after {'receipt' if kind == 'ack' else 'the clarification request'}",
            )
        )
    return result


CASE_DEADLINE_PROVIDERS: list[CaseDeadlineProvider] = [case_deadlines]


def case_owner(db: sqlite_utils.Database, ref: str) -> str | None:
    """The Slack user ID owning case ``ref`` (``cases.owner``), if any."""
    if "cases" not in db.table_names() or "owner" not in db["cases"].columns_dict:
        return None
    row = db.execute("SELECT owner FROM cases WHERE ref = ?", [ref]).fetchone()
    owner = (row[0] or "").strip() if row else ""
    return owner if USER_PATTERN.match(owner) else None


# --- everything together ---------------------------------------------------------------------------------------


def file_deadlines(settings, calendar: WorkingCalendar) -> list[Deadline]:
    if not settings.deadlines_file:
        return []
    return load_deadlines_file(settings.deadlines_file, calendar)


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
