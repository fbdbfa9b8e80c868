"""Team-channel posts about the inbox: text and Block Kit blocks, built apart from sending.

Every piece of text that came from a mail is escaped (&, <, >) with :func:`handlers.slack.render.escape`, so a
sender cannot mention @channel, link or format anything in the team channel. The new-case post is stored on the case (channel and ts) and is rebuilt by
:func:`case_post` whenever the case should be shown afresh.
"""

from __future__ import annotations

from typing import Any

from bot import cases
from handlers.slack.render import escape


def _flag_text(flags: list[str], missing_recipients: list[str]) -> str:
    parts = []
    for flag in flags:
        label = cases.FLAG_LABELS.get(flag, flag.replace("_", " "))
        if flag == cases.FLAG_MISSING_RECIPIENT and missing_recipients:
            label += ": " + ", ".join(escape(a) for a in missing_recipients)
        parts.append(label)
    return "; ".join(parts)


def case_post(case: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The team-channel post of a case (``case`` as from :func:`bot.cases.case_to_dict`)."""
    who = escape(case.get("participant") or case["sender"])
    if case.get("participant_id"):
        who += f" ({escape(case['participant_id'])})"
    status = cases.STATUS_LABELS.get(case["status"], case["status"])
    text = f"New Placing Reliance case {case['ref']} from {who}: {escape(case['subject'])}"
    attachments = case.get("attachments") or []
    files = ", ".join(
        f"{escape(a['filename'] or a['stored_name'])} ({a['size']:,} bytes)" for a in attachments
    )
    fields = [
        {"type": "mrkdwn", "text": f"*Participant*\n{who}"},
        {"type": "mrkdwn", "text": f"*Sender*\n{escape(case['sender'])}"},
        {"type": "mrkdwn", "text": f"*Received*\n{escape(case['received_at'])}"},
        {
            "type": "mrkdwn",
            "text": f"*Status*\n{status}" + (f" · owner <@{case['owner']}>" if case.get("owner") else ""),
        },
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "block_id": "case_summary",
            "text": {"type": "mrkdwn", "text": f"*{case['ref']}* · {escape(case['subject'])}"},
            "fields": fields,
        },
        {
            "type": "context",
            "block_id": "case_files",
            "elements": [{"type": "mrkdwn", "text": f"Attachments: {files or 'none'}"}],
        },
    ]
    flags = list(case.get("flags") or [])
    if flags:
        flag_text = _flag_text(flags, list(case.get("missing_recipients") or []))
        text += f" — flagged: {flag_text}"
        blocks.append(
            {
                "type": "section",
                "block_id": "case_flags",
                "text": {"type": "mrkdwn", "text": f":warning: *Flagged:* {flag_text}"},
            }
        )
    return text, blocks


def submission_post(
    case: dict[str, Any], message: dict[str, Any], flags: list[str]
) -> tuple[str, list[dict[str, Any]]]:
    """A follow-up on a case that is incomplete or went to a retired mailbox (posted in the case's thread)."""
    flag_text = _flag_text(flags, list(message.get("missing_recipients") or []))
    text = (
        f"{case['ref']}: new mail from {escape(message['sender'])} "
        f"({escape(message['subject'])}) — flagged: {flag_text}"
    )
    blocks = [
        {
            "type": "section",
            "block_id": "submission",
            "text": {
                "type": "mrkdwn",
                "text": f"*{case['ref']}* · new mail from {escape(message['sender'])}\n"
                f"{escape(message['subject'])}\n:warning: *Flagged:* {flag_text}",
            },
        }
    ]
    return text, blocks


def retired_mailbox_post(hit: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Mail to a retired mailbox outside any case: who sent it, where it went, where it should go."""
    retired = ", ".join(escape(old) for old, _ in hit["retired"])
    replacement = ", ".join(sorted({escape(new) for _, new in hit["retired"]}))
    replied = " The sender was told the new address." if hit.get("redirected") else ""
    text = (
        f"Mail to the retired mailbox {retired} from {escape(hit['sender'])}: {escape(hit['subject'])}. "
        f"It should go to {replacement}.{replied}"
    )
    blocks = [
        {
            "type": "section",
            "block_id": "retired_mailbox",
            "text": {
                "type": "mrkdwn",
                "text": f":rotating_light: *Retired mailbox* {retired}\n"
                f"From {escape(hit['sender'])} · {escape(hit['received_at'])}\n"
                f"{escape(hit['subject'])}\nReplacement: {replacement}.{replied}",
            },
        }
    ]
    return text, blocks
