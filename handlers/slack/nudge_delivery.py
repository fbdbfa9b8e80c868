"""Posting nudges and the morning digest to Slack, each exactly once (the scheduler calls these every tick).

What is due and the sent-log's rules are in :mod:`bot.nudges`; this module makes the Web API calls and tells the
sent-log what happened. Each nudge carries its sent-log row id in Slack message metadata, so a send interrupted
mid-call is settled from the channel history instead of being sent twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot.core.settings import Settings
from bot.core.working_days import WorkingCalendar, calendar_from_settings
from bot.deadlines import Deadline
from bot.nudges import PlannedNudge, digest_content, digest_day, plan_nudges, sent_log
from bot.nudges import digest as digest_log
from handlers.slack.client import web_client
from handlers.slack.nudge_blocks import digest_message, planned_nudge_message
from handlers.slack.render import message

log = logging.getLogger(__name__)

METADATA_EVENT = "mhhs_deadline_nudge"


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


def send_nudge(
    settings: Settings,
    client: WebClient,
    db: sqlite_utils.Database,
    nudge: PlannedNudge,
    row_id: int,
    now: datetime,
) -> str:
    """Post one claimed nudge and record the outcome: 'sent', 'failed' or (interrupted) 'sending'."""
    text, blocks = planned_nudge_message(nudge, settings.deadlines.guidance_base_url)
    try:
        response = client.chat_postMessage(
            channel=_target(nudge.audience),
            **message(text, blocks),
            metadata={"event_type": METADATA_EVENT, "event_payload": {"nudge": str(row_id)}},
        )
    except SlackApiError as exc:
        # Slack answered: the message was not posted.
        error = str(exc.response.get("error") or exc)
        sent_log.record_refused(db, row_id, error)
        log.warning("nudge %s to %s failed: %s", nudge.deadline.key, nudge.audience, error)
        return "failed"
    except Exception as exc:  # noqa: BLE001 - no answer: it may have been posted; reconciled on a later run
        sent_log.record_no_answer(db, row_id, str(exc))
        log.warning(
            "nudge %s to %s: no answer from Slack (%s); checked on a later run",
            nudge.deadline.key,
            nudge.audience,
            exc,
        )
        return "sending"
    sent_log.record_sent(db, row_id, response.get("channel"), response.get("ts"), now)
    return "sent"


def reconcile_interrupted(
    db: sqlite_utils.Database, client: WebClient, now: datetime
) -> tuple[int, int, int]:
    """Settle sent-log rows left 'sending' by an interrupted run, using the channel history.

    Returns (found and marked sent, not found and made retryable, unconfirmed).
    """
    found = retry = unconfirmed = 0
    for row in sent_log.interrupted(db, now):
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
            sent_log.mark_unconfirmed(db, row["id"], str(exc))
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
            sent_log.confirm_sent(db, row["id"], channel, match.get("ts"), now)
            found += 1
        else:
            sent_log.retry_interrupted(db, row["id"])
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
        sent_log.record_skipped(db, nudge, now)
        report.skipped.append(nudge)
    run_id = uuid.uuid4().hex
    for nudge in plan.to_send:
        row_id = sent_log.claim(db, nudge, now, run_id)
        if row_id is None:
            continue
        outcome = send_nudge(settings, client, db, nudge, row_id, now)
        if outcome == "sent":
            report.sent.append(nudge)
        else:
            report.failed.append((nudge, outcome))
    mark = now if plan.earliest_held is None else min(now, plan.earliest_held - timedelta(microseconds=1))
    sent_log.advance_mark(db, mark)
    return report


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
    day = digest_day(settings, now, calendar)
    if day is None:
        return None
    content = digest_content(now, deadlines, calendar)
    text, blocks = digest_message(
        content.week, content.overdue, day=now, guidance_base_url=settings.deadlines.guidance_base_url
    )
    if not digest_log.claim_digest(db, day, text, now):
        return None
    if not content.count:
        digest_log.record_digest_skipped(db, day)
        return "skipped"
    try:
        response = client.chat_postMessage(channel=settings.slack.team_channel, **message(text, blocks))
    except SlackApiError as exc:
        digest_log.record_digest_refused(db, day, str(exc.response.get("error") or exc))
        return "failed"
    except Exception as exc:  # noqa: BLE001 - may have been posted: never sent again (at most once a day)
        digest_log.record_digest_unconfirmed(db, day, str(exc))
        return "sending"
    digest_log.record_digest_sent(db, day, response.get("channel"), response.get("ts"), now)
    return "sent"
