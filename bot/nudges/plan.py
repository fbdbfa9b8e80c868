"""Which nudges are due: lead times on UK working days, catch-up after downtime, Done and Snooze.

When a nudge goes
    At each lead time (``MHHS_NUDGE_LEAD_DAYS``, default 10, 5, 1 working days before and on the day) a nudge is
    planned at ``MHHS_NUDGE_HOUR`` (UK time) on that working day; the on-the-day nudge of a deadline that falls on
    a non-working day goes on the working day before. A planned time at or after the deadline is dropped.

Downtime
    Nudges whose time passed while the assistant was down are sent when it is back (in the next sending window:
    a working day from the nudge hour), once, marked late when ``MHHS_NUDGE_LATE_AFTER_MINUTES`` or more after their
    planned time. When several are missed only the latest is sent; the others are recorded as ``skipped``. Nothing is
    sent for a deadline that has passed.

Planning reads the database and writes nothing; the sent-log (:mod:`bot.nudges.sent_log`) makes each planned nudge
go once. Nothing here talks to Slack.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlite_utils

from bot.core.settings import Settings
from bot.core.working_days import WorkingCalendar, london_time, to_london
from bot.deadlines import Deadline, case_owner
from bot.nudges.model import NudgePlan, PlannedNudge, Slot
from bot.nudges.sent_log import log_rows, read_mark, retry_due, retryable
from bot.nudges.state import states
from bot.nudges.wording import nudge_text


def nudge_slots(deadline: Deadline, settings: Settings, calendar: WorkingCalendar) -> list[Slot]:
    """The planned lead-time nudges of ``deadline``, earliest first (one per distinct send time)."""
    leads = deadline.lead_days if deadline.lead_days is not None else settings.deadlines.nudge_lead_days
    due_day = to_london(deadline.due).date()
    by_time: dict[datetime, int] = {}
    for lead in sorted(leads):
        day = calendar.add(due_day, -lead) if lead else calendar.on_or_before(due_day)
        send_at = london_time(day, time(settings.deadlines.nudge_hour))
        if send_at >= deadline.due:
            continue
        by_time.setdefault(send_at, lead)  # the smaller lead wins when two fall on the same day
    return [Slot(f"lead:{lead}", lead, at) for at, lead in sorted(by_time.items())]


def resolve_audience(
    audience: str, deadline: Deadline, settings: Settings, db: sqlite_utils.Database
) -> str | None:
    """``team`` and ``case-owner`` → a channel or user; None when nobody can be reached."""
    team = f"channel:{settings.slack.team_channel}" if settings.slack.team_channel else None
    if audience == "team":
        return team
    if audience == "case-owner":
        owner = case_owner(db, deadline.case_ref) if deadline.case_ref else None
        return f"user:{owner}" if owner else team
    return audience


def in_sending_window(now: datetime, due: datetime, settings: Settings, calendar: WorkingCalendar) -> bool:
    """Working days from the nudge hour; outside that, only when the deadline would pass before it reopens."""
    local = to_london(now)
    if calendar.is_working_day(local.date()) and local.hour >= settings.deadlines.nudge_hour:
        return True
    if calendar.is_working_day(local.date()) and local.hour < settings.deadlines.nudge_hour:
        opens = london_time(local.date(), time(settings.deadlines.nudge_hour))
    else:
        opens = london_time(
            calendar.on_or_after(local.date() + timedelta(days=1)), time(settings.deadlines.nudge_hour)
        )
    return due <= opens


def window_start(db: sqlite_utils.Database, settings: Settings, now: datetime) -> datetime:
    """Nudges planned after this moment are considered at ``now``: the mark of the last run (so nudges missed
    during downtime are caught up), or, before any run, the last ``MHHS_NUDGE_LATE_AFTER_MINUTES``."""
    fresh = now - timedelta(minutes=settings.deadlines.nudge_late_after_minutes)
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
    logs = log_rows(db)
    nudge_states = states(db)
    late_after = timedelta(minutes=settings.deadlines.nudge_late_after_minutes)
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
            state = nudge_states.get((deadline.key, due_key, audience)) or {}
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
            settled = [datetime.fromisoformat(r["send_at"]) for r in logged.values() if not retryable(r)]
            latest_settled = max(settled) if settled else None
            candidates = [
                s
                for s in slots
                if s.send_at <= now
                and (
                    (s.name not in logged and s.send_at > since)
                    or (s.name in logged and retryable(logged[s.name]) and retry_due(logged[s.name], now))
                )
                and (latest_settled is None or s.send_at > latest_settled)
            ]
            if not candidates:
                continue
            if not in_sending_window(now, deadline.due, settings, calendar):
                plan.held.append(
                    f"{deadline.key} to {audience}: waits for {settings.deadlines.nudge_hour}:00 on a working day"
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
                due_today = to_london(now).date() == to_london(deadline.due).date()
                text = nudge_text(
                    deadline,
                    working_days_left=left,
                    late=late,
                    snooze_reminder=slot.lead_days is None,
                    due_today=due_today,
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
                    deadline, audience, slot.name, slot.send_at, late, left, text, why, due_today
                )
                (plan.to_send if slot is chosen else plan.superseded).append(nudge)
    plan.to_send.sort(key=lambda n: (n.send_at, n.deadline.key, n.audience))
    return plan
