"""Slack messages about deadlines: nudges, the team digest and the deadlines list (text + Block Kit).

Pure functions: values in, ``(text, blocks)`` out; nothing here talks to Slack or the database. Escaping and Slack's
limits come from :mod:`handlers.slack.render`; the plain-text wording from :mod:`bot.nudges.wording`.

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

from bot.core.working_days import to_london
from bot.deadlines import Deadline
from bot.nudges import PlannedNudge
from bot.nudges.wording import days_left_phrase, format_day, format_due, nudge_lead, nudge_text
from handlers.slack.render import (
    MAX_SECTION_TEXT,
    actions,
    button,
    context,
    escape,
    fallback_text,
    header,
    limited,
    link,
    section,
    truncate,
)

ACTION_DONE = "nudge_done"
ACTION_SNOOZE_DAY = "nudge_snooze_working_day"
ACTION_SNOOZE_WEEK = "nudge_snooze_week"
ACTIONS_BLOCK = "nudge_actions"
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


def guidance_link(reference: str | None, base_url: str | None) -> str | None:
    """A guidance reference (``13_key-dates-and-deadlines.md#section``) as a Slack link, or as text."""
    if not reference:
        return None
    document, _, part = reference.partition("#")
    words = document.rsplit("/", 1)[-1].removesuffix(".md").split("_", 1)[-1].split("-")
    words = [w.upper() if w.upper() in ACRONYMS else w for w in words]
    label = " ".join(words)
    label = label[:1].upper() + label[1:]
    if part:
        number, _, rest = part.partition("-")
        label += (
            f", section {number} ({rest.replace('-', ' ')})" if number.isdigit() and rest else f", {part}"
        )
    label = escape(label)
    if base_url:
        return link(f"{base_url.rstrip('/')}/{reference}", label)
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
    text = nudge_text(
        deadline,
        working_days_left=working_days_left,
        late=late,
        snooze_reminder=snooze_reminder,
        due_today=due_today,
    )
    when = format_due(deadline.due)
    left = days_left_phrase(working_days_left, due_today)
    lead = nudge_lead(late, snooze_reminder)
    lines = [f"{'⏰' if not late else '⚠️'} {escape(lead)}", f"{_title(deadline)} is due *{when}* ({left})."]
    if deadline.what:
        lines.append(f"What is due: {escape(deadline.what)}")
    if deadline.case_ref:
        lines.append(f"Case: `{escape(deadline.case_ref)}`")
    if deadline.rule:
        lines.append(f"Rule: {escape(deadline.rule)}")
    guidance = guidance_link(deadline.guidance, guidance_base_url)
    if guidance:
        lines.append(f"Guidance: {guidance}")
    value = button_value(deadline, audience)
    blocks = [
        section("\n".join(lines)),
        actions(
            button("Done", ACTION_DONE, value, style="primary"),
            button("Snooze 1 working day", ACTION_SNOOZE_DAY, value),
            button("Snooze 1 week", ACTION_SNOOZE_WEEK, value),
            block_id=ACTIONS_BLOCK,
        ),
    ]
    return fallback_text(escape(text)), blocks


def planned_nudge_message(
    nudge: PlannedNudge, guidance_base_url: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The message of a nudge the plan (:func:`bot.nudges.plan_nudges`) decided to send."""
    return nudge_message(
        nudge.deadline,
        audience=nudge.audience,
        working_days_left=nudge.working_days_left,
        late=nudge.late,
        guidance_base_url=guidance_base_url,
        snooze_reminder=nudge.snooze_reminder,
        due_today=nudge.due_today,
    )


def resolved_message(original_blocks: list[dict[str, Any]], note: str) -> tuple[str, list[dict[str, Any]]]:
    """The nudge after a button: its text kept, the buttons replaced by ``note`` (e.g. who marked it done)."""
    kept = [b for b in original_blocks if b.get("type") != "actions"]
    return note, limited(kept + [context(note)])


def _deadline_line(deadline: Deadline, days_left: int, guidance_base_url: str | None) -> str:
    line = f"• {format_day(deadline.due)} - {_title(deadline)} ({days_left_phrase(days_left)})"
    if deadline.case_ref and deadline.source == "case":
        line += f" `{escape(deadline.case_ref)}`"
    guidance = guidance_link(deadline.guidance, guidance_base_url)
    if guidance:
        line += f" - {guidance}"
    return line


def _sections(lines: list[str]) -> list[dict[str, Any]]:
    """Lines packed into as few section blocks as Slack's section limit allows."""
    blocks: list[dict[str, Any]] = []
    chunk = ""
    for line in lines:
        line = truncate(line, MAX_SECTION_TEXT - 1)
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
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
        return text, [section(text)]
    lines = [_deadline_line(d, left, guidance_base_url) for d, left in items]
    text = fallback_text(
        f"{heading}: " + "; ".join(f"{escape(d.name)} {format_due(d.due)}" for d, _ in items)
    )
    blocks = [header(heading), *_sections(lines)]
    blocks.append(context("UK time; working days exclude weekends and bank holidays."))
    return text, limited(blocks, keep_last=False)


def digest_message(
    week: list[tuple[Deadline, int]],
    overdue_cases: list[tuple[Deadline, int]],
    *,
    day: datetime,
    guidance_base_url: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The team's morning digest: this week's deadlines and overdue case actions."""
    local = to_london(day)
    heading = f"Deadlines digest for {local.strftime('%A')} {local.day} {local.strftime('%B %Y')}"
    blocks: list[dict[str, Any]] = [header(heading)]
    text = fallback_text(
        f"{heading}: {len(week)} deadline(s) in the next 7 days, {len(overdue_cases)} overdue case action(s)."
    )
    blocks.append(section("*This week*"))
    if week:
        blocks += _sections([_deadline_line(d, left, guidance_base_url) for d, left in week])
    else:
        blocks.append(section("No deadlines in the next 7 days."))
    blocks.append(section("*Overdue case actions*"))
    if overdue_cases:
        blocks += _sections([_deadline_line(d, left, guidance_base_url) for d, left in overdue_cases])
    else:
        blocks.append(section("None."))
    return text, limited(blocks, keep_last=False)
