"""Team-channel posts about the inbox: text and Block Kit blocks, built apart from sending.

Every piece of text that came from a mail is escaped (&, <, >) and cut to Slack's limits with
:mod:`handlers.slack.render`, so a sender cannot mention @channel, link or format anything in the team channel, and
a 5,000-character subject or forty attachments never make Slack refuse the post. The new-case post is stored on the case (channel and ts) and is rebuilt by
:func:`case_post` whenever the case should be shown afresh.
"""

from __future__ import annotations

from typing import Any

from bot import cases
from handlers.slack.render import (
    MAX_SECTION_FIELD,
    MAX_SECTION_TEXT,
    context,
    escape,
    fallback_text,
    fit,
    section,
)

SUBJECT_CHARS = 300  # of a mail's subject in a post; the case keeps it whole


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
    who = fit(case.get("participant") or case["sender"], 200)
    if case.get("participant_id"):
        who += f" ({fit(case['participant_id'], 20)})"
    status = cases.STATUS_LABELS.get(case["status"], case["status"])
    subject = fit(case["subject"], SUBJECT_CHARS)
    text = f"New Placing Reliance case {case['ref']} from {who}: {subject}"
    attachments = case.get("attachments") or []
    files = fit(
        ", ".join(f"{a['filename'] or a['stored_name']} ({a['size']:,} bytes)" for a in attachments),
        MAX_SECTION_TEXT - 100,
    )
    if len(attachments) > 1:
        files = f"{len(attachments)}: {files}"
    fields = [
        f"*Participant*\n{who}",
        f"*Sender*\n{fit(case['sender'], MAX_SECTION_FIELD - 20)}",
        f"*Received*\n{escape(case['received_at'])}",
        f"*Status*\n{status}" + (f" · owner <@{case['owner']}>" if case.get("owner") else ""),
    ]
    blocks: list[dict[str, Any]] = [
        section(f"*{case['ref']}* · {subject}", block_id="case_summary", fields=fields),
        context(f"Attachments: {files or 'none'}", block_id="case_files"),
    ]
    flags = list(case.get("flags") or [])
    if flags:
        flag_text = _flag_text(flags, list(case.get("missing_recipients") or []))
        text += f" — flagged: {flag_text}"
        blocks.append(section(f":warning: *Flagged:* {flag_text}", block_id="case_flags"))
    return fallback_text(text), blocks


def submission_post(
    case: dict[str, Any], message: dict[str, Any], flags: list[str]
) -> tuple[str, list[dict[str, Any]]]:
    """A follow-up on a case that is incomplete or went to a retired mailbox (posted in the case's thread)."""
    flag_text = _flag_text(flags, list(message.get("missing_recipients") or []))
    sender, subject = fit(message["sender"], 300), fit(message["subject"], SUBJECT_CHARS)
    text = f"{case['ref']}: new mail from {sender} ({subject}) — flagged: {flag_text}"
    blocks = [
        section(
            f"*{case['ref']}* · new mail from {sender}\n{subject}\n:warning: *Flagged:* {flag_text}",
            block_id="submission",
        )
    ]
    return fallback_text(text), blocks


def retired_mailbox_post(hit: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Mail to a retired mailbox outside any case: who sent it, where it went, where it should go."""
    retired = ", ".join(escape(old) for old, _ in hit["retired"])
    replacement = ", ".join(sorted({escape(new) for _, new in hit["retired"]}))
    replied = " The sender was told the new address." if hit.get("redirected") else ""
    sender, subject = fit(hit["sender"], 300), fit(hit["subject"], SUBJECT_CHARS)
    text = f"Mail to the retired mailbox {retired} from {sender}: {subject}. It should go to {replacement}.{replied}"
    blocks = [
        section(
            f":rotating_light: *Retired mailbox* {retired}\n"
            f"From {sender} · {escape(hit['received_at'])}\n"
            f"{subject}\nReplacement: {replacement}.{replied}",
            block_id="retired_mailbox",
        )
    ]
    return fallback_text(text), blocks
