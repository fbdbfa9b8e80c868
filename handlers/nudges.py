"""Due deadlines → nudges in Slack, each sent exactly once; the team's morning digest; the scheduler.

When a nudge goes
    At each lead time (``MHHS_NUDGE_LEAD_DAYS``, default 10, 5, 1 working days before and on the day) a nudge is
    planned at ``MHHS_NUDGE_HOUR`` (UK time) on that working day; the on-the-day nudge of a deadline that falls on
    a non-working day goes on the working day before. A planned time at or after the deadline is dropped.

Exactly once
    The sent-log (``nudge_log``) has one row per (deadline, due time, audience, slot). Before the Web API call the
    row is claimed as ``sending`` (a unique key, so two processes cannot both claim it); after the call it becomes
    ``sent``. A call Slack answers with an error is ``failed`` and retried after 2, 4, 8 ... minutes (at most 8
    tries). A row left ``sending`` by a process that stopped mid-call is never simply sent again: once it is 5
    minutes old, the channel history is searched for the message (each nudge carries its row id in Slack message
    metadata); found, it becomes ``sent``; not found, it is retried; if the history cannot be read it becomes
    ``unconfirmed`` and is not sent again.

Downtime
    Nudges whose time passed while the assistant was down are sent when it is back (in the next sending window:
    a working day from the nudge hour), once, marked late when ``MHHS_NUDGE_LATE_AFTER_MINUTES`` or more after their
    planned time. When several are missed only the latest is sent; the others are recorded as ``skipped``. Nothing is
    sent for a deadline that has passed.

Done and Snooze
    ``nudge_state`` holds, per (deadline, due time, audience), "done" (no more nudges) and "snoozed until" (no nudges
    until then; a reminder at that time replaces the nudges missed meanwhile).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlite_utils
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot import storage
from bot.config import Settings
from bot.deadlines import (
    Deadline,
    DeadlineBook,
    DeadlineSources,
    add_team_deadline,
    all_deadlines,
    case_owner,
    file_deadlines,
    parse_due,
    remove_team_deadline,
    upcoming,
)
from bot.deadlines.ics import deadlines_ics  # noqa: F401 - /deadlines.ics and the command line import it here
from bot.errors import AssistantError
from bot.slack_client import web_client
from bot.working_days import WorkingCalendar, calendar_from_settings, london_time, to_london
from handlers.nudge_messages import deadlines_list_message, digest_message, nudge_message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # tries of a nudge Slack refuses, with waits of 2, 4, 8 ... up to 120 minutes between them
RECONCILE_AFTER = timedelta(minutes=5)
METADATA_EVENT = "mhhs_deadline_nudge"
SNOOZE_SPANS = ("working_day", "week")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    """A stored time: ISO 8601 in UTC, so stored times compare as text too."""
    return moment.astimezone(UTC).isoformat()


# --- planning ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedNudge:
    deadline: Deadline
    audience: str  # resolved: "channel:C.." or "user:U.."
    slot: str  # "lead:N" or "snooze:<until>"
    send_at: datetime
    late: bool
    working_days_left: int
    text: str
    blocks: list[dict[str, Any]]
    reason: str

    @property
    def due_key(self) -> str:
        return to_london(self.deadline.due).isoformat()

    def as_json(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline.key,
            "due": self.due_key,
            "send_at": to_london(self.send_at).isoformat(),
            "audience": self.audience,
            "text": self.text,
            "late": self.late,
        }


@dataclass
class NudgePlan:
    to_send: list[PlannedNudge] = field(default_factory=list)
    superseded: list[PlannedNudge] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # why a due nudge is not going now
    earliest_held: datetime | None = None  # the scheduler's mark must not pass this


@dataclass(frozen=True)
class Slot:
    name: str
    lead_days: int | None
    send_at: datetime


def nudge_slots(deadline: Deadline, settings: Settings, calendar: WorkingCalendar) -> list[Slot]:
    """The planned lead-time nudges of ``deadline``, earliest first (one per distinct send time)."""
    leads = deadline.lead_days if deadline.lead_days is not None else settings.nudge_lead_days
    due_day = to_london(deadline.due).date()
    by_time: dict[datetime, int] = {}
    for lead in sorted(leads):
        day = calendar.add(due_day, -lead) if lead else calendar.on_or_before(due_day)
        send_at = london_time(day, time(settings.nudge_hour))
        if send_at >= deadline.due:
            continue
        by_time.setdefault(send_at, lead)  # the smaller lead wins when two fall on the same day
    return [Slot(f"lead:{lead}", lead, at) for at, lead in sorted(by_time.items())]


def resolve_audience(
    audience: str, deadline: Deadline, settings: Settings, db: sqlite_utils.Database
) -> str | None:
    """``team`` and ``case-owner`` → a channel or user; None when nobody can be reached."""
    team = f"channel:{settings.slack_team_channel}" if settings.slack_team_channel else None
    if audience == "team":
        return team
    if audience == "case-owner":
        owner = case_owner(db, deadline.case_ref) if deadline.case_ref else None
        return f"user:{owner}" if owner else team
    return audience


def in_sending_window(now: datetime, due: datetime, settings: Settings, calendar: WorkingCalendar) -> bool:
    """Working days from the nudge hour; outside that, only when the deadline would pass before it reopens."""
    local = to_london(now)
    if calendar.is_working_day(local.date()) and local.hour >= settings.nudge_hour:
        return True
    if calendar.is_working_day(local.date()) and local.hour < settings.nudge_hour:
        opens = london_time(local.date(), time(settings.nudge_hour))
    else:
        opens = london_time(calendar.on_or_after(local.date() + timedelta(days=1)), time(settings.nudge_hour))
    return due <= opens


def _log_rows(db: sqlite_utils.Database) -> dict[tuple[str, str, str], dict[str, dict[str, Any]]]:
    rows: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    cursor = db.execute(
        "SELECT deadline_key, due, audience, slot, state, send_at, attempts, claimed_at FROM nudge_log"
    )
    for key, due, audience, slot, state, send_at, attempts, claimed_at in cursor.fetchall():
        rows.setdefault((key, due, audience), {})[slot] = {
            "state": state,
            "send_at": send_at,
            "attempts": attempts,
            "claimed_at": claimed_at,
        }
    return rows


def _states(db: sqlite_utils.Database) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (row["deadline_key"], row["due"], row["audience"]): row
        for row in db.query("SELECT * FROM nudge_state")
    }


def _retryable(row: dict[str, Any]) -> bool:
    """A nudge Slack refused may be tried again (until MAX_ATTEMPTS)."""
    return row["state"] == "failed" and row["attempts"] < MAX_ATTEMPTS


def _retry_due(row: dict[str, Any], now: datetime) -> bool:
    """Its wait since the last try is over: 2 minutes after the first failure, doubling, at most 2 hours."""
    if not row.get("claimed_at"):
        return True
    wait = timedelta(minutes=min(2 ** max(row["attempts"], 1), 120))
    return now - datetime.fromisoformat(row["claimed_at"]) >= wait


MARK = "nudges"


def read_mark(db: sqlite_utils.Database) -> datetime | None:
    """How far earlier runs have looked (None before the first run)."""
    row = db.execute("SELECT at FROM nudge_marks WHERE name = ?", [MARK]).fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def _advance_mark(db: sqlite_utils.Database, to: datetime) -> None:
    current = read_mark(db)
    if current is None or to > current:
        db.execute(
            "INSERT INTO nudge_marks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
            [MARK, _stamp(to)],
        )


def window_start(db: sqlite_utils.Database, settings: Settings, now: datetime) -> datetime:
    """Nudges planned after this moment are considered at ``now``: the mark of the last run (so nudges missed
    during downtime are caught up), or, before any run, the last ``MHHS_NUDGE_LATE_AFTER_MINUTES``."""
    fresh = now - timedelta(minutes=settings.nudge_late_after_minutes)
    mark = read_mark(db)
    return min(mark, fresh) if mark is not None else fresh


def plan_nudges(
    settings: Settings,
    db: sqlite_utils.Database,
    now: datetime,
    deadlines: list[Deadline],
    calendar: WorkingCalendar,
    since: datetime | None = None,
) -> NudgePlan:
    """What should be sent at ``now`` and why; reads the database, writes nothing.

    A nudge is due when it was planned after ``since`` (default :func:`window_start`) and at or before ``now``
    and is not in the sent-log, or when an earlier try failed and may be retried. A deadline added after one of
    its nudge times does not get that nudge late; it gets its next one.
    """
    since = window_start(db, settings, now) if since is None else since
    plan = NudgePlan()
    logs = _log_rows(db)
    states = _states(db)
    late_after = timedelta(minutes=settings.nudge_late_after_minutes)
    for deadline in deadlines:
        if not deadline.nudge:
            continue
        if deadline.due <= now:
            continue
        due_key = to_london(deadline.due).isoformat()
        lead_slots = nudge_slots(deadline, settings, calendar)
        reached: set[str] = set()
        for wanted in deadline.audience:
            audience = resolve_audience(wanted, deadline, settings, db)
            if audience is None:
                plan.held.append(f"{deadline.key}: audience {wanted!r} needs SLACK_TEAM_CHANNEL")
                continue
            if audience in reached:  # e.g. "team" and the team channel by ID: one nudge
                continue
            reached.add(audience)
            state = states.get((deadline.key, due_key, audience)) or {}
            if state.get("done_at"):
                continue
            snoozed_until = (
                datetime.fromisoformat(state["snoozed_until"]) if state.get("snoozed_until") else None
            )
            if snoozed_until and now < snoozed_until:
                continue
            slots = list(lead_slots)
            if snoozed_until and snoozed_until < deadline.due:
                slots.append(Slot(f"snooze:{snoozed_until.isoformat()}", None, snoozed_until))
            logged = logs.get((deadline.key, due_key, audience), {})
            settled = [datetime.fromisoformat(r["send_at"]) for r in logged.values() if not _retryable(r)]
            latest_settled = max(settled) if settled else None
            candidates = [
                s
                for s in slots
                if s.send_at <= now
                and (
                    (s.name not in logged and s.send_at > since)
                    or (s.name in logged and _retryable(logged[s.name]) and _retry_due(logged[s.name], now))
                )
                and (latest_settled is None or s.send_at > latest_settled)
            ]
            if not candidates:
                continue
            if not in_sending_window(now, deadline.due, settings, calendar):
                plan.held.append(
                    f"{deadline.key} to {audience}: waits for {settings.nudge_hour}:00 on a working day"
                )
                earliest = min(s.send_at for s in candidates)
                if plan.earliest_held is None or earliest < plan.earliest_held:
                    plan.earliest_held = earliest
                continue
            candidates.sort(key=lambda s: (s.send_at, s.name.startswith("snooze:")))
            chosen = candidates[-1]
            left = calendar.working_days_left(now, deadline.due)
            for slot in [chosen] + candidates[:-1]:
                late = now - slot.send_at >= late_after
                text, blocks = nudge_message(
                    deadline,
                    audience=audience,
                    working_days_left=left,
                    late=late,
                    guidance_base_url=settings.guidance_base_url,
                    snooze_reminder=slot.lead_days is None,
                    due_today=to_london(now).date() == to_london(deadline.due).date(),
                )
                if slot is chosen:
                    why = (
                        "snooze ended"
                        if slot.lead_days is None
                        else f"{slot.lead_days} working day(s) before"
                        if slot.lead_days
                        else "on the day"
                    )
                    if late:
                        why += f"; planned for {to_london(slot.send_at).isoformat()}, sent late"
                else:
                    why = f"superseded by the later nudge {chosen.name}"
                nudge = PlannedNudge(
                    deadline, audience, slot.name, slot.send_at, late, left, text, blocks, why
                )
                (plan.to_send if slot is chosen else plan.superseded).append(nudge)
    plan.to_send.sort(key=lambda n: (n.send_at, n.deadline.key, n.audience))
    return plan


# --- sending -------------------------------------------------------------------------------------------------------


@dataclass
class NudgeRunReport:
    sent: list[PlannedNudge] = field(default_factory=list)
    failed: list[tuple[PlannedNudge, str]] = field(default_factory=list)
    skipped: list[PlannedNudge] = field(default_factory=list)
    confirmed: int = 0  # interrupted sends found in the channel history
    unconfirmed: int = 0  # interrupted sends that could not be checked (not sent again)


def nudge_client(settings: Settings) -> WebClient:
    """The Web API client for nudges: rate limits are waited out, but a dropped connection is not retried
    blindly (the request may have reached Slack); the sent-log's reconciliation decides instead."""
    client = web_client(settings)
    client.retry_handlers[:] = [
        h for h in client.retry_handlers if not isinstance(h, ConnectionErrorRetryHandler)
    ]
    return client


def _target(audience: str) -> str:
    return audience.partition(":")[2]


def _claim(db: sqlite_utils.Database, nudge: PlannedNudge, now: datetime, run_id: str) -> int | None:
    """Claim the nudge's sent-log row as 'sending'; its id, or None when another run has it already."""
    values = {
        "deadline_key": nudge.deadline.key,
        "due": nudge.due_key,
        "audience": nudge.audience,
        "slot": nudge.slot,
        "send_at": to_london(nudge.send_at).isoformat(),
        "late": int(nudge.late),
        "text": nudge.text,
        "run_id": run_id,
        "claimed_at": _stamp(now),
    }
    key = [values["deadline_key"], values["due"], values["audience"], values["slot"]]
    cursor = db.execute(
        """INSERT INTO nudge_log (deadline_key, due, audience, slot, state, send_at, late, text, run_id, claimed_at)
           VALUES (:deadline_key, :due, :audience, :slot, 'sending', :send_at, :late, :text, :run_id, :claimed_at)
           ON CONFLICT DO NOTHING""",
        values,
    )
    if cursor.rowcount != 1:
        cursor = db.execute(
            """UPDATE nudge_log SET state = 'sending', late = :late, text = :text, run_id = :run_id,
                   claimed_at = :claimed_at
               WHERE deadline_key = :deadline_key AND due = :due AND audience = :audience AND slot = :slot
                 AND state = 'failed' AND attempts < :max""",
            {**values, "max": MAX_ATTEMPTS},
        )
        if cursor.rowcount != 1:
            return None
    row = db.execute(
        "SELECT id FROM nudge_log WHERE deadline_key = ? AND due = ? AND audience = ? AND slot = ?", key
    ).fetchone()
    return row[0]


def _record_skipped(db: sqlite_utils.Database, nudge: PlannedNudge, now: datetime) -> None:
    db.execute(
        """INSERT INTO nudge_log (deadline_key, due, audience, slot, state, send_at, late, text, error, claimed_at)
           VALUES (?, ?, ?, ?, 'skipped', ?, ?, '', ?, ?)
           ON CONFLICT DO UPDATE SET state = 'skipped', error = excluded.error WHERE state = 'failed'""",
        [
            nudge.deadline.key,
            nudge.due_key,
            nudge.audience,
            nudge.slot,
            to_london(nudge.send_at).isoformat(),
            int(nudge.late),
            nudge.reason,
            _stamp(now),
        ],
    )


def send_nudge(
    client: WebClient, db: sqlite_utils.Database, nudge: PlannedNudge, row_id: int, now: datetime
) -> str:
    """Post one claimed nudge and record the outcome: 'sent', 'failed' or (interrupted) 'sending'."""
    try:
        response = client.chat_postMessage(
            channel=_target(nudge.audience),
            text=nudge.text,
            blocks=nudge.blocks,
            unfurl_links=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"nudge": str(row_id)}},
        )
    except SlackApiError as exc:
        # Slack answered: the message was not posted.
        error = str(exc.response.get("error") or exc)
        db.execute(
            "UPDATE nudge_log SET state = 'failed', attempts = attempts + 1, error = ? WHERE id = ?",
            [error, row_id],
        )
        log.warning("nudge %s to %s failed: %s", nudge.deadline.key, nudge.audience, error)
        return "failed"
    except Exception as exc:  # noqa: BLE001 - no answer: it may have been posted; reconciled on a later run
        db.execute("UPDATE nudge_log SET error = ? WHERE id = ?", [f"no answer from Slack: {exc}", row_id])
        log.warning(
            "nudge %s to %s: no answer from Slack (%s); checked on a later run",
            nudge.deadline.key,
            nudge.audience,
            exc,
        )
        return "sending"
    db.execute(
        "UPDATE nudge_log SET state = 'sent', channel = ?, ts = ?, sent_at = ?, attempts = attempts + 1, error = NULL"
        " WHERE id = ?",
        [response.get("channel"), response.get("ts"), _stamp(now), row_id],
    )
    return "sent"


def reconcile_interrupted(
    db: sqlite_utils.Database, client: WebClient, now: datetime
) -> tuple[int, int, int]:
    """Settle sent-log rows left 'sending' by an interrupted run, using the channel history.

    Returns (found and marked sent, not found and made retryable, unconfirmed).
    """
    found = retry = unconfirmed = 0
    stale = now - RECONCILE_AFTER
    rows = [
        row
        for row in db.query("SELECT * FROM nudge_log WHERE state = 'sending'")
        if datetime.fromisoformat(row["claimed_at"]) <= stale
    ]
    for row in rows:
        target = _target(row["audience"])
        try:
            channel = row["channel"] or target
            if row["audience"].startswith("user:"):
                channel = client.conversations_open(users=target)["channel"]["id"]
            claimed = datetime.fromisoformat(row["claimed_at"]).timestamp()
            history = client.conversations_history(
                channel=channel, oldest=f"{claimed - 60:.6f}", include_all_metadata=True, limit=200
            )
            messages = history.get("messages") or []
        except Exception as exc:  # noqa: BLE001 - cannot check: never risk a second copy
            db.execute(
                "UPDATE nudge_log SET state = 'unconfirmed', error = ? WHERE id = ?",
                [f"interrupted; the channel history could not be checked: {exc}", row["id"]],
            )
            log.warning(
                "nudge %s to %s: interrupted and unconfirmed; not sent again",
                row["deadline_key"],
                row["audience"],
            )
            unconfirmed += 1
            continue
        match = next(
            (
                m
                for m in messages
                if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
                and str(((m.get("metadata") or {}).get("event_payload") or {}).get("nudge")) == str(row["id"])
            ),
            None,
        )
        if match:
            db.execute(
                "UPDATE nudge_log SET state = 'sent', channel = ?, ts = ?, sent_at = ?, error = NULL WHERE id = ?",
                [channel, match.get("ts"), _stamp(now), row["id"]],
            )
            found += 1
        else:
            db.execute(
                "UPDATE nudge_log SET state = 'failed', attempts = attempts + 1, error = ? WHERE id = ?",
                ["interrupted before Slack posted it", row["id"]],
            )
            retry += 1
    return found, retry, unconfirmed


def send_due_nudges(
    settings: Settings,
    db: sqlite_utils.Database,
    client: WebClient,
    now: datetime,
    deadlines: list[Deadline],
    calendar: WorkingCalendar | None = None,
) -> NudgeRunReport:
    """One sending run: settle interrupted sends, then send every nudge due at ``now`` once."""
    calendar = calendar or calendar_from_settings(settings)
    report = NudgeRunReport()
    found, _retry, unconfirmed = reconcile_interrupted(db, client, now)
    report.confirmed, report.unconfirmed = found, unconfirmed
    plan = plan_nudges(settings, db, now, deadlines, calendar)
    for nudge in plan.superseded:
        _record_skipped(db, nudge, now)
        report.skipped.append(nudge)
    run_id = uuid.uuid4().hex
    for nudge in plan.to_send:
        row_id = _claim(db, nudge, now, run_id)
        if row_id is None:
            continue
        outcome = send_nudge(client, db, nudge, row_id, now)
        if outcome == "sent":
            report.sent.append(nudge)
        else:
            report.failed.append((nudge, outcome))
    mark = now if plan.earliest_held is None else min(now, plan.earliest_held - timedelta(microseconds=1))
    _advance_mark(db, mark)
    return report


# --- Done and Snooze -------------------------------------------------------------------------------------------


def _upsert_state(
    db: sqlite_utils.Database, key: str, due: str, audience: str, now: datetime, **values: Any
) -> None:
    db["nudge_state"].upsert(
        {"deadline_key": key, "due": due, "audience": audience, "updated_at": _stamp(now), **values},
        pk=("deadline_key", "due", "audience"),
    )


def mark_done(db: sqlite_utils.Database, key: str, due: str, audience: str, user: str, now: datetime) -> None:
    """No more nudges for this deadline and audience."""
    _upsert_state(db, key, due, audience, now, done_at=_stamp(now), done_by=user)


def snooze(
    db: sqlite_utils.Database,
    settings: Settings,
    calendar: WorkingCalendar,
    key: str,
    due: str,
    audience: str,
    user: str,
    now: datetime,
    span: str,
) -> datetime:
    """Hold nudges until the nudge hour one working day (or one week) later; returns that time.

    A snooze never runs past the on-the-day nudge, so the last reminder still comes.
    """
    if span not in SNOOZE_SPANS:
        raise ValueError(f"unknown snooze span {span!r}")
    today = to_london(now).date()
    day = calendar.add(today, 1) if span == "working_day" else calendar.on_or_after(today + timedelta(days=7))
    until = london_time(day, time(settings.nudge_hour))
    due_at = datetime.fromisoformat(due)
    on_the_day = london_time(calendar.on_or_before(to_london(due_at).date()), time(settings.nudge_hour))
    if now < on_the_day < until and on_the_day < due_at:
        until = on_the_day
    _upsert_state(db, key, due, audience, now, snoozed_until=until.isoformat(), snoozed_by=user)
    return until


# --- the team's morning digest ---------------------------------------------------------------------------------


def digest_content(
    settings: Settings, now: datetime, deadlines: list[Deadline], calendar: WorkingCalendar
) -> tuple[str, list[dict[str, Any]], int]:
    """(text, blocks, number of items) of the digest at ``now``."""
    week_end = now + timedelta(days=7)
    week = [(d, calendar.working_days_left(now, d.due)) for d in deadlines if now < d.due <= week_end]
    overdue = [
        (d, calendar.working_days_left(now, d.due)) for d in deadlines if d.source == "case" and d.due <= now
    ]
    text, blocks = digest_message(week, overdue, day=now, guidance_base_url=settings.guidance_base_url)
    return text, blocks, len(week) + len(overdue)


def send_team_digest(
    settings: Settings,
    db: sqlite_utils.Database,
    client: WebClient,
    now: datetime,
    deadlines: list[Deadline],
    calendar: WorkingCalendar | None = None,
) -> str | None:
    """Post the day's digest to the team channel once (from ``MHHS_DIGEST_HOUR`` on working days).

    Returns the outcome ('sent', 'skipped' when there is nothing to list, 'failed', 'sending' when interrupted)
    or None when no digest is due now.
    """
    calendar = calendar or calendar_from_settings(settings)
    if not settings.digest_enabled or not settings.slack_team_channel:
        return None
    local = to_london(now)
    if not calendar.is_working_day(local.date()) or local.hour < settings.digest_hour:
        return None
    day = local.date().isoformat()
    text, blocks, count = digest_content(settings, now, deadlines, calendar)
    cursor = db.execute(
        "INSERT INTO digest_log (day, state, text, claimed_at) VALUES (?, 'sending', ?, ?) ON CONFLICT DO NOTHING",
        [day, text, _stamp(now)],
    )
    if cursor.rowcount != 1:
        cursor = db.execute(
            "UPDATE digest_log SET state = 'sending', claimed_at = ? WHERE day = ? AND state = 'failed' AND attempts < ?",
            [_stamp(now), day, MAX_ATTEMPTS],
        )
        if cursor.rowcount != 1:
            return None
    if not count:
        db.execute("UPDATE digest_log SET state = 'skipped', error = 'nothing to list' WHERE day = ?", [day])
        return "skipped"
    try:
        response = client.chat_postMessage(
            channel=settings.slack_team_channel, text=text, blocks=blocks, unfurl_links=False
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc)
        db.execute(
            "UPDATE digest_log SET state = 'failed', attempts = attempts + 1, error = ? WHERE day = ?",
            [error, day],
        )
        return "failed"
    except Exception as exc:  # noqa: BLE001 - may have been posted: never sent again (at most once a day)
        db.execute("UPDATE digest_log SET state = 'unconfirmed', error = ? WHERE day = ?", [str(exc), day])
        return "sending"
    db.execute(
        "UPDATE digest_log SET state = 'sent', channel = ?, ts = ?, sent_at = ?, attempts = attempts + 1 WHERE day = ?",
        [response.get("channel"), response.get("ts"), _stamp(now), day],
    )
    return "sent"


# --- the scheduler -----------------------------------------------------------------------------------------------


def run_nudges_once(
    settings: Settings,
    db: sqlite_utils.Database,
    client: WebClient,
    now: datetime,
    book: DeadlineBook | None = None,
) -> NudgeRunReport:
    """One scheduler tick: due nudges, then the digest."""
    calendar = book.calendar if book else calendar_from_settings(settings)
    deadlines = book.read(db) if book else all_deadlines(settings, db, calendar)
    report = send_due_nudges(settings, db, client, now, deadlines, calendar)
    send_team_digest(settings, db, client, now, deadlines, calendar)
    return report


def run_nudge_scheduler(
    settings: Settings,
    stop: threading.Event,
    clock: Clock = utc_now,
    client: WebClient | None = None,
    interval: float | None = None,
) -> None:
    """Send nudges and digests until ``stop`` is set; ``mhhs-bot serve`` runs this in a background thread.

    ``clock`` returns the current aware datetime (tests inject one). A failing run is logged and retried on the
    next tick; it never stops the scheduler.
    """
    interval = settings.nudge_interval_seconds if interval is None else interval
    db = storage.connect(settings.database_path)
    client = client or nudge_client(settings)
    calendar = calendar_from_settings(settings)
    book = DeadlineBook(settings, calendar)
    try:
        while not stop.is_set():
            try:
                run_nudges_once(settings, db, client, clock(), book)
            except Exception:  # noqa: BLE001 - one bad tick must not end the scheduler
                log.exception("nudge run failed; trying again in %s s", interval)
            stop.wait(interval)
    finally:
        db.conn.close()


def start_nudge_scheduler(
    settings: Settings, clock: Clock = utc_now, client: WebClient | None = None
) -> tuple[threading.Thread, threading.Event]:
    """Check the deadlines file (a bad one raises DeadlinesFileError here, before anything starts), then run
    :func:`run_nudge_scheduler` in a daemon thread. Set the returned event to stop it; join the thread."""
    file_deadlines(settings, calendar_from_settings(settings))
    stop = threading.Event()
    thread = threading.Thread(
        target=run_nudge_scheduler,
        args=(settings, stop),
        kwargs={"clock": clock, "client": client},
        name="nudge-scheduler",
        daemon=True,
    )
    thread.start()
    return thread, stop


# --- what Slack and HTTP show ------------------------------------------------------------------------------------


def deadlines_reply(
    settings: Settings, db: sqlite_utils.Database, now: datetime, limit: int = 10
) -> tuple[str, list[dict[str, Any]]]:
    """``/mhhs deadlines``: the next programme and team deadlines (case deadlines are for the team only)."""
    calendar = calendar_from_settings(settings)
    sources = DeadlineSources(cases=False)
    items = upcoming(all_deadlines(settings, db, calendar, sources), now, include_cases=False)[:limit]
    return deadlines_list_message(
        [(d, calendar.working_days_left(now, d.due)) for d in items],
        guidance_base_url=settings.guidance_base_url,
    )


def sent_log(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The sent-log, newest first (for the command line)."""
    return list(db.query("SELECT * FROM nudge_log ORDER BY id DESC"))


def json_dumps(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False)


DEADLINES_USAGE = (
    "`/mhhs deadlines` lists the next deadlines. The team can also use "
    "`/mhhs deadlines add ID YYYY-MM-DD [HH:MM] Name of the deadline` (nudges the team channel) and "
    "`/mhhs deadlines remove ID`."
)


def deadlines_subcommand(
    settings: Settings, db: sqlite_utils.Database, now: datetime, args: str, user: str, is_team_member: bool
) -> tuple[str, list[dict[str, Any]]]:
    """``/mhhs deadlines [add ID DATE [TIME] NAME | remove ID]``: list, or (team only) add and remove."""
    words = args.split()
    if not words:
        return deadlines_reply(settings, db, now)
    verb = words[0].lower()
    if verb not in ("add", "remove"):
        return DEADLINES_USAGE, [{"type": "section", "text": {"type": "mrkdwn", "text": DEADLINES_USAGE}}]
    if not is_team_member:
        text = "Only the qualification team can add or remove deadlines."
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    calendar = calendar_from_settings(settings)
    try:
        if verb == "remove" and len(words) == 2:
            remove_team_deadline(db, settings, calendar, words[1])
            text = f"Removed deadline `{words[1]}`."
        elif verb == "add" and len(words) >= 4:
            key, day, rest = words[1], words[2], words[3:]
            if rest and len(rest[0]) in (4, 5) and ":" in rest[0]:
                day, rest = f"{day} {rest[0]}", rest[1:]
            if not rest:
                raise AssistantError("a name is needed after the date")
            deadline = add_team_deadline(
                db,
                settings,
                calendar,
                key=key,
                name=" ".join(rest),
                due=parse_due(day),
                audience=("team",),
                created_by=user,
                now=now,
            )
            text = f"Added deadline `{deadline.key}`: {deadline.name}, due {deadline.due_london.strftime('%a %d %b %Y %H:%M')}."
        else:
            text = DEADLINES_USAGE
    except (AssistantError, ValueError) as exc:
        text = f"Not done: {exc}"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
