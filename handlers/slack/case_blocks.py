"""Block Kit for working cases in Slack: the live case post, the queue, the case view, the note modal and the
App Home tab (pure: values in, message and view payloads out).

Every piece of text that came from a participant's mail (subject, sender, participant, excerpts, file names) or from
a team member (notes) is escaped (&, <, >), so it can never mention @channel or disguise a link. Slack's limits
hold: at most 50 blocks in a message, section text at most 3000 characters, header text at most 150.

Action ids (the listeners are in :mod:`handlers.slack.listeners.cases`):

- ``case_view``: show a case (button value, or a select's option value: the reference)
- ``case_assign_me``: assign the case to the person who clicked (value: the reference)
- ``case_assign``: a users_select; the reference is in its block id (``case_actions:PR-0001``)
- ``case_status``: a static_select of the statuses the case may move to (option value ``PR-0001:accepted``)
- ``case_reopen``: reopen a closed case (value: the reference)
- ``case_note``: open the internal-note modal (value: the reference); the modal's callback id is ``case_note_modal``
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import cases
from bot.core.working_days import to_london
from handlers.slack.mail_posts import case_post
from handlers.slack.render import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT, button, escape, truncate
from handlers.slack.reply_blocks import ACTION_REPLY

ACTION_VIEW = "case_view"
ACTION_ASSIGN_ME = "case_assign_me"
ACTION_ASSIGN = "case_assign"
ACTION_STATUS = "case_status"
ACTION_REOPEN = "case_reopen"
ACTION_NOTE = "case_note"
NOTE_MODAL = "case_note_modal"
NOTE_BLOCK = "case_note_text"
NOTE_INPUT = "note"
ACTIONS_BLOCK_PREFIX = "case_actions:"

MAX_NOTE_CHARS = 3000
QUEUE_LIMIT = 45  # cases listed in one message; the rest are counted
HOME_LIST_LIMIT = 8  # cases listed per group on the App Home tab
MESSAGE_LIMIT = 10  # most recent mails shown in the case view
HISTORY_LIMIT = 20  # most recent audit-trail rows shown in the case view
EXCERPT_LINES = 3
EXCERPT_CHARS = 400

TEAM_ONLY = (
    "Cases are for the qualification team, so I can't show them to you. For questions about MHHS Qualification, "
    "ask me here (`/mhhs <your question>`) or email {enquiries}."
)


@dataclass(frozen=True)
class QueueItem:
    """A case with its age in working days, as listed in queues and on the App Home tab."""

    case: cases.PlacingRelianceCase
    age: int


# --- small pieces -------------------------------------------------------------------------------------------------


def mrkdwn_section(text: str, block_id: str | None = None, accessory: dict | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)},
    }
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT)}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}]}


def status_label(status: str) -> str:
    return cases.STATUS_LABELS.get(status, status)


def person(user_id: str | None) -> str:
    """A Slack user id as a mention; anything else (``triage``) as escaped text."""
    if not user_id:
        return "nobody"
    if user_id[:1] in ("U", "W") and user_id.isalnum() and user_id.isupper():
        return f"<@{user_id}>"
    return escape(user_id)


def when(iso: str | None) -> str:
    """An ISO time as UK wall-clock time, ``2026-01-12 09:15``."""
    if not iso:
        return "-"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return escape(iso)
    return (
        to_london(moment).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else moment.strftime("%Y-%m-%d %H:%M")
    )


def flag_labels(flags: Iterable[str]) -> str:
    return ", ".join(cases.FLAG_LABELS.get(f, f.replace("_", " ")) for f in flags)


def age_text(age: int) -> str:
    return f"{age} working day{'' if age == 1 else 's'}"


def who(participant: str | None, participant_id: str | None, sender: str) -> str:
    text = escape(participant or sender)
    return text + (f" ({escape(participant_id)})" if participant_id else "")


def case_line(item: QueueItem) -> str:
    """``*PR-0001* · Acme Energy (ACME) · 3 working days · Under review · owner @jo · :warning: missing PQS form``"""
    case = item.case
    parts = [
        f"*{case.ref}*",
        who(case.participant, case.participant_id, case.sender),
        age_text(item.age),
        status_label(case.status),
        f"owner {person(case.owner)}" if case.owner else "no owner",
    ]
    if case.all_flags:
        parts.append(f":warning: {flag_labels(case.all_flags)}")
    return " · ".join(parts)


# --- the buttons on a case ----------------------------------------------------------------------------------------


def case_actions(case: dict[str, Any]) -> dict[str, Any]:
    """The actions block of a case: assign to me, assign (people picker), change status or reopen, add a note.

    Only the statuses the case may move to are offered; a closed case offers Reopen instead.
    """
    ref = case["ref"]
    if case.get("merged_into"):  # a pointer only: the work is on the other case
        return {
            "type": "actions",
            "block_id": f"{ACTIONS_BLOCK_PREFIX}{ref}",
            "elements": [button(f"View {case['merged_into']}", ACTION_VIEW, case["merged_into"])],
        }
    assign: dict[str, Any] = {
        "type": "users_select",
        "action_id": ACTION_ASSIGN,
        "placeholder": {"type": "plain_text", "text": "Assign to…"},
    }
    if case.get("owner"):
        assign["initial_user"] = case["owner"]
    elements: list[dict[str, Any]] = [button("Assign to me", ACTION_ASSIGN_ME, ref), assign]
    statuses = cases.next_statuses(case["status"])
    if statuses:
        elements.append(
            {
                "type": "static_select",
                "action_id": ACTION_STATUS,
                "placeholder": {"type": "plain_text", "text": "Change status…"},
                "options": [
                    {"text": {"type": "plain_text", "text": status_label(s)}, "value": f"{ref}:{s}"}
                    for s in statuses
                ],
            }
        )
    else:
        elements.append(button("Reopen", ACTION_REOPEN, ref))
    elements.append(button("Add note", ACTION_NOTE, ref))
    elements.append(button("Reply", ACTION_REPLY, ref, style="primary"))
    return {"type": "actions", "block_id": f"{ACTIONS_BLOCK_PREFIX}{ref}", "elements": elements}


def ref_from_block_id(block_id: str | None) -> str | None:
    if block_id and block_id.startswith(ACTIONS_BLOCK_PREFIX):
        return block_id[len(ACTIONS_BLOCK_PREFIX) :]
    return None


def live_case_post(case: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The case's post in the team channel, with its buttons; rebuilt and updated in place on every change.

    ``case`` as from :func:`bot.cases.case_to_dict` (with ``history`` when the last change should be shown).
    """
    text, blocks = case_post(case)
    if case["status"] != cases.NEW or case.get("owner"):
        text = text.replace("New Placing Reliance case", "Placing Reliance case", 1)
        text += f" · {status_label(case['status'])}" + (
            f" · owner {person(case['owner'])}" if case.get("owner") else ""
        )
    history = case.get("history") or []
    if case.get("merged_into"):
        blocks.append(
            mrkdwn_section(f":twisted_rightwards_arrows: *Merged into {escape(case['merged_into'])}*")
        )
        text += f" · merged into {case['merged_into']}"
    if history and history[-1]["action"] == "answered":
        blocks.append(
            mrkdwn_section(
                f":incoming_envelope: *The participant replied* {when(history[-1]['at'])}: "
                "back with the team (under review)"
            )
        )
        text += " · the participant replied: back with the team"
    if history:
        last = history[-1]
        blocks.append(
            context(
                f"Last change {when(last['at'])} by {person(last['actor'])}: "
                f"{escape(last['action'])} {escape(last['detail'])}"
            )
        )
    blocks.append(case_actions(case))
    return text, blocks[:MAX_BLOCKS]


# --- the queue ------------------------------------------------------------------------------------------------------


def queue_message(title: str, items: Sequence[QueueItem]) -> dict[str, Any]:
    """``/mhhs cases``: one line per case, newest first, each with a View button."""
    if not items:
        text = f"{title}: none."
        return {"text": text, "blocks": [mrkdwn_section(f"*{escape(title)}*: none.")]}
    blocks: list[dict[str, Any]] = [mrkdwn_section(f"*{escape(title)}* ({len(items)}), newest first")]
    for item in items[:QUEUE_LIMIT]:
        blocks.append(mrkdwn_section(case_line(item), accessory=button("View", ACTION_VIEW, item.case.ref)))
    if len(items) > QUEUE_LIMIT:
        blocks.append(context(f"…and {len(items) - QUEUE_LIMIT} more; `mhhs-bot cases` lists them all."))
    text = f"{title}: " + ", ".join(i.case.ref for i in items[:QUEUE_LIMIT])
    return {"text": text, "blocks": blocks[:MAX_BLOCKS]}


# --- one case -------------------------------------------------------------------------------------------------------


def completeness_lines(case: dict[str, Any]) -> list[str]:
    flags = set(case.get("flags") or [])
    missing = case.get("missing_recipients") or []
    lines = [
        f":warning: Not sent to {', '.join(escape(a) for a in missing)}"
        if missing
        else ":white_check_mark: Sent to both required mailboxes",
        ":white_check_mark: PQS form attached" if case.get("pqs_form") else ":warning: No PQS form attached",
    ]
    if cases.FLAG_SUBJECT_NEAR_MISS in flags:
        lines.append(":warning: Subject is a near miss: check this is a Placing Reliance proposal")
    elif cases.FLAG_SUBJECT_NOT_EXACT in flags:
        lines.append(":warning: Subject not exactly as required")
    else:
        lines.append(":white_check_mark: Subject as required")
    if case.get("retired_mailbox"):
        lines.append(":rotating_light: Also sent to the retired mailbox")
    if cases.FLAG_ATTACHMENT_NOT_STORED in flags:
        lines.append(":warning: An attachment was too large to store")
    return lines


def _excerpt(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()][:EXCERPT_LINES]
    if not lines:
        return "> (no text)"
    return "\n".join("> " + escape(truncate(line, EXCERPT_CHARS)) for line in lines)


def _history_line(event: dict[str, Any]) -> str:
    detail = f": {escape(truncate(event['detail'], 300))}" if event.get("detail") else ""
    return f"{when(event['at'])} · {person(event['actor'])} · {escape(event['action'])}{detail}"


def _joined_within(lines: list[str], limit: int = MAX_SECTION_TEXT) -> str:
    """Lines joined, keeping the last ones that fit in a section (older ones are counted)."""
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        if size + len(line) + 1 > limit - 60:
            break
        kept.insert(0, line)
        size += len(line) + 1
    dropped = len(lines) - len(kept)
    return (f"_…{dropped} earlier_\n" if dropped else "") + "\n".join(kept)


def case_view_blocks(case: dict[str, Any], age: int, with_actions: bool = True) -> list[dict[str, Any]]:
    """The whole case: summary, completeness checks, mails, attachments, notes, history and its buttons.

    ``case`` as from :func:`bot.cases.case_to_dict` with ``detail=True``.
    """
    ref = case["ref"]
    blocks: list[dict[str, Any]] = [header(f"{ref} · {status_label(case['status'])}")]
    blocks.append(
        {
            "type": "section",
            "block_id": "case_summary",
            "text": {"type": "mrkdwn", "text": truncate(f"*Subject:* {escape(case['subject'])}", 3000)},
            "fields": [
                {
                    "type": "mrkdwn",
                    "text": truncate(
                        f"*Participant*\n{who(case.get('participant'), case.get('participant_id'), case['sender'])}",
                        2000,
                    ),
                },
                {"type": "mrkdwn", "text": truncate(f"*Sender*\n{escape(case['sender'])}", 2000)},
                {"type": "mrkdwn", "text": f"*Received*\n{when(case['received_at'])} ({age_text(age)} ago)"},
                {"type": "mrkdwn", "text": f"*Owner*\n{person(case.get('owner'))}"},
            ],
        }
    )
    blocks.append(
        mrkdwn_section("*Completeness checks*\n" + "\n".join(completeness_lines(case)), "case_checks")
    )
    if case.get("flags"):
        blocks.append(mrkdwn_section(f":warning: *Flagged:* {flag_labels(case['flags'])}", "case_flags"))
    messages = case.get("messages") or []
    blocks.append(mrkdwn_section(f"*Messages* ({len(messages)})", "case_messages"))
    if len(messages) > MESSAGE_LIMIT:
        blocks.append(context(f"…{len(messages) - MESSAGE_LIMIT} earlier messages not shown"))
    for message in messages[-MESSAGE_LIMIT:]:
        sender = escape(message.get("sender_name") or message["sender"])
        if message.get("sender_name"):
            sender += f" &lt;{escape(message['sender'])}&gt;"
        if message.get("direction") == "out":
            to = ", ".join((message.get("recipients") or {}).get("to", []))
            sender = (
                f":outbox_tray: {person(message.get('author'))} → {escape(to)} ({message.get('delivery')})"
            )
        elif message.get("review"):
            sender += f" · :warning: held for review: {escape(message['review'])}"
        blocks.append(
            mrkdwn_section(
                f"*{sender}* · {when(message['received_at'])}\n{escape(truncate(message.get('subject') or '', 300))}"
                f"\n{_excerpt(message.get('excerpt'))}"
            )
        )
    attachments = case.get("attachments") or []
    files = [
        f"• {escape(a.get('filename') or a.get('stored_name'))} ({a['size']:,} bytes)"
        + ("" if a.get("stored", True) else " — not stored")
        for a in attachments
    ]
    blocks.append(
        mrkdwn_section("*Attachments*\n" + (_joined_within(files) if files else "none"), "case_files")
    )
    notes = [
        f"• {when(n['at'])} {person(n['author'])}: {escape(truncate(n['text'], 1000))}"
        for n in case.get("notes") or []
    ]
    blocks.append(
        mrkdwn_section("*Internal notes*\n" + (_joined_within(notes) if notes else "none"), "case_notes")
    )
    history = [_history_line(e) for e in (case.get("history") or [])[-HISTORY_LIMIT:]]
    blocks.append(
        mrkdwn_section("*History*\n" + (_joined_within(history) if history else "none"), "case_history")
    )
    if with_actions:
        blocks.append(case_actions(case))
    return blocks[:MAX_BLOCKS]


def case_view(case: dict[str, Any], age: int, notice: str | None = None) -> dict[str, Any]:
    """The case as a (private) message; ``notice`` is a line on top saying what just changed."""
    blocks = case_view_blocks(case, age)
    if notice:
        blocks = [context(notice), *blocks][:MAX_BLOCKS]
    text = f"{case['ref']} · {status_label(case['status'])} · {escape(case['subject'])}"
    return {"text": truncate(text, MAX_SECTION_TEXT), "blocks": blocks}


def case_modal(case: dict[str, Any], age: int) -> dict[str, Any]:
    """The case in a modal (opened from the App Home tab)."""
    return {
        "type": "modal",
        "callback_id": "case_view_modal",
        "private_metadata": case["ref"],
        "title": {"type": "plain_text", "text": truncate(f"Case {case['ref']}", 24)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": case_view_blocks(case, age),
    }


def note_modal(ref: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The internal-note form; ``metadata`` (JSON in ``private_metadata``) says where the case was open."""
    return {
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "private_metadata": json.dumps({"ref": ref, **metadata}),
        "title": {"type": "plain_text", "text": truncate(f"Note on {ref}", 24)},
        "submit": {"type": "plain_text", "text": "Add note"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            context("Internal: seen by the qualification team only, never sent to the participant."),
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_INPUT,
                    "multiline": True,
                    "max_length": MAX_NOTE_CHARS,
                },
            },
        ],
    }


# --- App Home ---------------------------------------------------------------------------------------------------


def _group(title: str, items: Sequence[QueueItem], empty: str) -> dict[str, Any]:
    if not items:
        return mrkdwn_section(f"*{title}*\n{empty}")
    lines = [case_line(i) for i in items[:HOME_LIST_LIMIT]]
    if len(items) > HOME_LIST_LIMIT:
        lines.append(f"_…and {len(items) - HOME_LIST_LIMIT} more_")
    return mrkdwn_section(f"*{title}* ({len(items)})\n" + "\n".join(lines))


def team_home(
    open_items: Sequence[QueueItem],
    mine: Sequence[QueueItem],
    flagged: Sequence[QueueItem],
    deadline_blocks: Sequence[dict[str, Any]],
    updated_at: datetime,
    undelivered: Sequence[dict[str, Any]] = (),
    extra_blocks: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The App Home tab of a team member: open cases by status, their own cases, flagged cases, other sections
    (``extra_blocks``: the knowledge gaps), next deadlines, and the team-channel posts and replies that were not
    delivered (``undelivered`` as from :func:`bot.mail.outbox.undelivered`)."""
    blocks: list[dict[str, Any]] = [
        header("MHHS Qualification: cases"),
        context(
            f"Updated {to_london(updated_at).strftime('%Y-%m-%d %H:%M')} UK time · `/mhhs cases` lists a queue, "
            "`/mhhs case PR-0001` shows a case"
        ),
        mrkdwn_section(f"*Open cases by status* ({len(open_items)})"),
    ]
    for status in cases.STATUSES:
        if status in cases.OPEN_STATUSES:
            group = [i for i in open_items if i.case.status == status]
            blocks.append(_group(status_label(status), group, "none"))
    if open_items:
        blocks.append(
            {
                "type": "actions",
                "block_id": "case_open",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": ACTION_VIEW,
                        "placeholder": {"type": "plain_text", "text": "Open a case…"},
                        "options": [
                            {
                                "text": {
                                    "type": "plain_text",
                                    "text": truncate(
                                        f"{i.case.ref} · {i.case.participant or i.case.sender}", 75
                                    ),
                                },
                                "value": i.case.ref,
                            }
                            for i in open_items[:100]
                        ],
                    }
                ],
            }
        )
    blocks.append({"type": "divider"})
    blocks.append(_group("Your cases", mine, "No open cases are assigned to you."))
    blocks.append({"type": "divider"})
    blocks.append(_group("Flagged", flagged, "Nothing flagged."))
    blocks.extend(list(extra_blocks)[: MAX_BLOCKS - len(blocks) - 6])  # leave room for the next deadlines
    blocks.append({"type": "divider"})
    if undelivered:
        lines = [
            f"`{escape(r['case_ref'] or 'no case')}` {escape(r['kind'])}: {escape(truncate(r['reason'], 200))}"
            for r in undelivered[:20]
        ]
        blocks.append(
            mrkdwn_section(
                f":warning: *Not delivered* ({len(undelivered)}) · `mhhs-bot cases` lists them, "
                "`mhhs-bot cases --resend ID` sends one again\n" + "\n".join(lines)
            )
        )
        blocks.append({"type": "divider"})
    room = MAX_BLOCKS - len(blocks)
    blocks.extend(list(deadline_blocks)[:room])
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def guidance_home(
    enquiries_address: str, proposal_recipients: Sequence[str], proposal_subject: str
) -> dict[str, Any]:
    """The App Home tab of everyone outside the team: how to ask, nothing about cases."""
    recipients = " and ".join(escape(a) for a in proposal_recipients) or escape(enquiries_address)
    return {
        "type": "home",
        "blocks": [
            header("MHHS Qualification Assistant"),
            mrkdwn_section(
                "I answer questions about MHHS Qualification from the published guidance, with the sources.\n"
                "• Mention me in a channel, or send me a direct message\n"
                "• `/mhhs <your question>` for a private answer; `/mhhs help` for more"
            ),
            mrkdwn_section(
                f"*Placing Reliance proposals* go by email to {recipients}, with the subject "
                f"`{escape(proposal_subject)}`.\n"
                f"Other questions for the qualification team: {escape(enquiries_address)}."
            ),
        ],
    }
