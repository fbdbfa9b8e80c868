"""Slack messages about deadlines: nudges, the team digest and the deadlines list (text + Block Kit).

Pure functions: values in, ``(text, blocks)`` out; nothing here talks to Slack or the database.

Buttons on a nudge (``block_id`` ``nudge_actions``); each button's ``value`` is the JSON of
``{"k": deadline id, "due": ISO due time, "a": audience}``:

- ``nudge_done``: no more nudges for this deadline and audience;
- ``nudge_snooze_working_day``: no nudges until the nudge hour of the next working day, then a reminder;
- ``nudge_snooze_week``: the same, one week later (never past the on-the-day reminder).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.deadlines import Deadline
from bot.working_days import to_london
from handlers.slack.render import escape

ACTION_DONE = "nudge_done"
ACTION_SNOOZE_DAY = "nudge_snooze_working_day"
ACTION_SNOOZE_WEEK = "nudge_snooze_week"
ACTIONS_BLOCK = "nudge_actions"
SECTION_LIMIT = 3000
ACRONYMS = {
    "QAD",
    "QT",
    "PIT",
    "DIP",
    "PQS",
    "RTTM",
    "QAP",
    "LDSO",
    "SIT",
    "FAQ",
    "MHHS",
    "BSC",
    "REC",
    "PAB",
}


def format_due(moment: datetime) -> str:
    """``Tue 31 Mar 2026, 17:00 BST`` (Europe/London)."""
    local = to_london(moment)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y, %H:%M')} {local.tzname()}"


def format_day(moment: datetime) -> str:
    local = to_london(moment)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')}, {local.strftime('%H:%M')}"


def days_left_phrase(days: int, due_today: bool = True) -> str:
    if days < 0:
        return f"overdue by {-days} working day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today" if due_today else "no working days left"
    return f"{days} working day{'s' if days != 1 else ''} left"


def guidance_link(reference: str | None, base_url: str | None) -> str | None:
    """A guidance reference (``13_key-dates-and-deadlines.md#section``) as a Slack link, or as text."""
    if not reference:
        return None
    document, _, section = reference.partition("#")
    words = document.rsplit("/", 1)[-1].removesuffix(".md").split("_", 1)[-1].split("-")
    words = [w.upper() if w.upper() in ACRONYMS else w for w in words]
    label = " ".join(words)
    label = label[:1].upper() + label[1:]
    if section:
        number, _, rest = section.partition("-")
        label += (
            f", section {number} ({rest.replace('-', ' ')})" if number.isdigit() and rest else f", {section}"
        )
    label = escape(label)
    if base_url:
        return f"<{base_url.rstrip('/')}/{reference}|{label}>"
    return f"{label} (`{escape(reference)}`)"


def button_value(deadline: Deadline, audience: str) -> str:
    return json.dumps({"k": deadline.key, "due": to_london(deadline.due).isoformat(), "a": audience})


def _title(deadline: Deadline) -> str:
    title = f"*{escape(deadline.name)}*"
    if deadline.illustrative:
        title += " _(illustrative)_"
    return title


def nudge_message(
    deadline: Deadline,
    *,
    audience: str,
    working_days_left: int,
    late: bool,
    guidance_base_url: str | None = None,
    snooze_reminder: bool = False,
    due_today: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """The nudge for one deadline and audience: what is due, when, working days left, guidance link, buttons."""
    when = format_due(deadline.due)
    left = days_left_phrase(working_days_left, due_today)
    lead = "Reminder (snoozed)" if snooze_reminder else "Deadline reminder"
    if late:
        lead += " - sent late: the assistant was offline at the planned time"
    text = f"{lead}: {deadline.name} is due {when} ({left})."
    lines = [f"{'⏰' if not late else '⚠️'} {escape(lead)}", f"{_title(deadline)} is due *{when}* ({left})."]
    if deadline.what:
        lines.append(f"What is due: {escape(deadline.what)}")
        text += f" What is due: {deadline.what}."
    if deadline.case_ref:
        lines.append(f"Case: `{escape(deadline.case_ref)}`")
    if deadline.rule:
        lines.append(f"Rule: {escape(deadline.rule)}")
    link = guidance_link(deadline.guidance, guidance_base_url)
    if link:
        lines.append(f"Guidance: {link}")
        text += f" Guidance: {deadline.guidance}"
    body = "\n".join(lines)[:SECTION_LIMIT]
    value = button_value(deadline, audience)
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        {
            "type": "actions",
            "block_id": ACTIONS_BLOCK,
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_DONE,
                    "text": {"type": "plain_text", "text": "Done"},
                    "style": "primary",
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": ACTION_SNOOZE_DAY,
                    "text": {"type": "plain_text", "text": "Snooze 1 working day"},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": ACTION_SNOOZE_WEEK,
                    "text": {"type": "plain_text", "text": "Snooze 1 week"},
                    "value": value,
                },
            ],
        },
    ]
    return text, blocks


def resolved_message(original_blocks: list[dict[str, Any]], note: str) -> tuple[str, list[dict[str, Any]]]:
    """The nudge after a button: its text kept, the buttons replaced by ``note`` (e.g. who marked it done)."""
    kept = [b for b in original_blocks if b.get("type") != "actions"][:49]
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note[:SECTION_LIMIT]}]})
    return note, kept


def _deadline_line(deadline: Deadline, days_left: int, guidance_base_url: str | None) -> str:
    line = f"• {format_day(deadline.due)} - {_title(deadline)} ({days_left_phrase(days_left)})"
    if deadline.case_ref and deadline.source == "case":
        line += f" `{escape(deadline.case_ref)}`"
    link = guidance_link(deadline.guidance, guidance_base_url)
    if link:
        line += f" - {link}"
    return line


def _sections(lines: list[str]) -> list[dict[str, Any]]:
    """Lines packed into section blocks within Slack's 3000-character limit."""
    blocks: list[dict[str, Any]] = []
    chunk = ""
    for line in lines:
        line = line[: SECTION_LIMIT - 1]
        if chunk and len(chunk) + 1 + len(line) > SECTION_LIMIT:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    return blocks


def deadlines_list_message(
    items: list[tuple[Deadline, int]],
    *,
    guidance_base_url: str | None = None,
    heading: str = "Next deadlines",
) -> tuple[str, list[dict[str, Any]]]:
    """The list ``/mhhs deadlines`` shows: (deadline, working days left) pairs, soonest first."""
    if not items:
        text = "No upcoming deadlines are recorded."
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    lines = [_deadline_line(d, left, guidance_base_url) for d, left in items]
    text = f"{heading}: " + "; ".join(f"{d.name} {format_due(d.due)}" for d, _ in items)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": heading}}] + _sections(lines)
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "UK time; working days exclude weekends and bank holidays."}
            ],
        }
    )
    return text, blocks[:50]


def digest_message(
    week: list[tuple[Deadline, int]],
    overdue_cases: list[tuple[Deadline, int]],
    *,
    day: datetime,
    guidance_base_url: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The team's morning digest: this week's deadlines and overdue case actions."""
    heading = f"Deadlines digest for {to_london(day).strftime('%A')} {to_london(day).day} {to_london(day).strftime('%B %Y')}"
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": heading[:150]}}]
    text = (
        f"{heading}: {len(week)} deadline(s) in the next 7 days, {len(overdue_cases)} overdue case action(s)."
    )
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*This week*"}})
    if week:
        blocks += _sections([_deadline_line(d, left, guidance_base_url) for d, left in week])
    else:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "No deadlines in the next 7 days."}}
        )
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*Overdue case actions*"}})
    if overdue_cases:
        blocks += _sections([_deadline_line(d, left, guidance_base_url) for d, left in overdue_cases])
    else:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "None."}})
    return text, blocks[:50]
