"""Deadlines the team adds from Slack or the command line, kept in the ``team_deadlines`` table.

They share the id space of the deadlines file: an id the file uses is refused here (file deadlines are changed in
the file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlite_utils

from bot.core.errors import AssistantError
from bot.core.working_days import LONDON, WorkingCalendar, to_london
from bot.deadlines.file import file_deadlines
from bot.deadlines.model import CHANNEL_PATTERN, ID_PATTERN, USER_PATTERN, Deadline


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
