"""Settings of deadlines and nudges: the deadlines file, closure days, when nudges and the digest go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.core.settings.fields import (
    parse_bool,
    parse_dates,
    parse_hour,
    parse_lead_days,
    parse_optional_path,
    parse_optional_str,
    parse_positive_int,
    setting,
)


@dataclass(frozen=True)
class DeadlineSettings:
    """Deadlines and nudges: the deadlines file, closure days, when nudges and the digest go."""

    file: Path | None = setting(
        "MHHS_DEADLINES_FILE",
        "",
        "Deadlines file (YAML). Empty: no file-based deadlines.",
        parse_optional_path,
    )
    closure_days: tuple[date, ...] = setting(
        "MHHS_CLOSURE_DAYS",
        "",
        "Comma-separated extra non-working days (e.g. the Christmas shutdown), as 2026-12-29.",
        parse_dates,
    )
    nudge_lead_days: tuple[int, ...] = setting(
        "MHHS_NUDGE_LEAD_DAYS",
        "10,5,1,0",
        "Comma-separated working days before a deadline at which nudges go (0: on the day). A deadline may set its own.",
        parse_lead_days,
    )
    nudge_hour: int = setting(
        "MHHS_NUDGE_HOUR",
        "9",
        "Hour of the day (UK time, 0-23) at which nudges go on working days.",
        parse_hour,
    )
    digest_hour: int = setting(
        "MHHS_DIGEST_HOUR",
        "8",
        "Hour of the day (UK time, 0-23) of the team's morning digest on working days (posted to SLACK_TEAM_CHANNEL).",
        parse_hour,
    )
    digest_enabled: bool = setting(
        "MHHS_DIGEST",
        "true",
        "Post the team's morning digest of the week's deadlines and overdue case actions.",
        parse_bool,
    )
    nudge_late_after_minutes: int = setting(
        "MHHS_NUDGE_LATE_AFTER_MINUTES",
        "30",
        "A nudge sent this many minutes or more after its planned time (e.g. after downtime) is marked late.",
        parse_positive_int,
    )
    nudge_interval_seconds: int = setting(
        "MHHS_NUDGE_INTERVAL_SECONDS",
        "60",
        "How often the nudge scheduler in `mhhs-bot serve` looks for due nudges.",
        parse_positive_int,
    )
    case_ack_working_days: int = setting(
        "MHHS_CASE_ACK_WORKING_DAYS",
        "2",
        "A new Placing Reliance case is due to be acknowledged within this many working days of receipt.",
        parse_positive_int,
    )
    case_reply_working_days: int = setting(
        "MHHS_CASE_REPLY_WORKING_DAYS",
        "5",
        "A participant is due to answer a clarification request within this many working days.",
        parse_positive_int,
    )
    guidance_base_url: str | None = setting(
        "MHHS_GUIDANCE_BASE_URL",
        "",
        "Web address the guidance files are published under; a deadline's guidance reference becomes a link. Empty: shown as text.",
        parse_optional_str,
    )
    calendar_token: str | None = setting(
        "MHHS_CALENDAR_TOKEN",
        "",
        "Secret in the calendar feed's address (/deadlines.ics?token=...). Empty: no calendar feed is served.",
        parse_optional_str,
        secret=True,
    )
