"""The scheduler: the loop ``mhhs-bot serve`` runs beside the Slack app, doing the periodic jobs on each tick.

Each tick (every ``MHHS_NUDGE_INTERVAL_SECONDS``) reads the clock once and runs every job from
:func:`scheduled_jobs` in order with that time: today, the deadline nudges and the team's morning digest. A job
that fails is logged and tried again on the next tick; it never stops the scheduler or the jobs after it.

Another periodic job (such as delivering the mail outbox) is a function ``(now) -> None`` bound to what it needs,
added to the list in :func:`scheduled_jobs`; it shares the loop, its clock, its database connection and its stop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import sqlite_utils
from slack_sdk import WebClient

from bot import storage
from bot.core import heartbeat
from bot.core.settings import Settings
from bot.core.working_days import WorkingCalendar, calendar_from_settings
from bot.deadlines import DeadlineBook, all_deadlines, file_deadlines
from bot.nudges import Clock, utc_now
from handlers.slack.nudge_delivery import NudgeRunReport, nudge_client, send_due_nudges, send_team_digest

log = logging.getLogger(__name__)

Job = Callable[[datetime], object]
"""One periodic job: called with the tick's time; what it returns is ignored."""


def run_nudges_once(
    settings: Settings,
    db: sqlite_utils.Database,
    client: WebClient,
    now: datetime,
    book: DeadlineBook | None = None,
) -> NudgeRunReport:
    """One nudge tick: due nudges, then the digest."""
    calendar = book.calendar if book else calendar_from_settings(settings)
    deadlines = book.read(db) if book else all_deadlines(settings, db, calendar)
    report = send_due_nudges(settings, db, client, now, deadlines, calendar)
    send_team_digest(settings, db, client, now, deadlines, calendar)
    return report


def scheduled_jobs(
    settings: Settings, db: sqlite_utils.Database, client: WebClient, calendar: WorkingCalendar
) -> list[tuple[str, Job]]:
    """(name, job) for every periodic job, in the order each tick runs them. Add a new periodic job here."""
    book = DeadlineBook(settings, calendar)

    def nudges(now: datetime) -> NudgeRunReport:
        return run_nudges_once(settings, db, client, now, book)

    return [("nudge", nudges)]


def run_jobs(
    jobs: list[tuple[str, Job]], stop: threading.Event, clock: Clock = utc_now, interval: float = 60
) -> None:
    """Run ``jobs`` every ``interval`` seconds until ``stop`` is set; a failing job is logged, never fatal."""
    while not stop.is_set():
        try:
            now = clock()
        except Exception:  # noqa: BLE001 - one bad tick must not end the scheduler
            log.exception("the scheduler's clock failed; trying again in %s s", interval)
        else:
            for name, job in jobs:
                try:
                    job(now)
                except Exception:  # noqa: BLE001 - one bad job must not end the scheduler or skip the others
                    log.exception("%s run failed; trying again in %s s", name, interval)
            heartbeat.beat("scheduler")
        stop.wait(interval)


def run_nudge_scheduler(
    settings: Settings,
    stop: threading.Event,
    clock: Clock = utc_now,
    client: WebClient | None = None,
    interval: float | None = None,
) -> None:
    """Run the periodic jobs (nudges and digests) until ``stop`` is set; ``mhhs-bot serve`` runs this in a
    background thread.

    ``clock`` returns the current aware datetime (tests inject one). A failing run is logged and retried on the
    next tick; it never stops the scheduler.
    """
    interval = settings.deadlines.nudge_interval_seconds if interval is None else interval
    db = storage.connect(settings.database_path)
    client = client or nudge_client(settings)
    try:
        run_jobs(
            scheduled_jobs(settings, db, client, calendar_from_settings(settings)), stop, clock, interval
        )
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
