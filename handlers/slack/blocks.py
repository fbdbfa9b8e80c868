"""Block Kit messages the Slack assistant sends: pure functions from values to message payloads.

Nothing here talks to Slack or the database. Every piece of text that came from a person or a document is escaped
(``&``, ``<``, ``>``) and cut to Slack's limits before it is placed in a block, so a question can never ping
``@channel`` or smuggle in a link, and a long passage never makes Slack refuse the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handlers.slack.render import (
    MAX_FALLBACK_TEXT,
    SAFE_URL,
    actions,
    bold_lines,
    button,
    context,
    escape,
    fit,
    fit_tail,
    limited,
    link,
    one_line,
    quote,
    section,
)
from knowledge.answer import not_covered_message

QUESTION_SHOWN_CHARS = 500
PASSAGE_SHOWN_CHARS = 1500
SOURCES_SHOWN = 3

# action ids carried by the buttons; listeners match on these
ACTION_HELPFUL = "answer_helpful"
ACTION_NOT_HELPFUL = "answer_not_helpful"
ACTION_SHARE = "answer_share"
ACTION_ASK_TEAM = "answer_ask_team"
ACTION_RETRACT = "team_answer_retract"

TEAM_ANSWER_KIND = "team-answer"

# --- text ------------------------------------------------------------------------------------------------------


def marked_passage(passage: str, highlight: str | None, limit: int = PASSAGE_SHOWN_CHARS) -> str:
    """The passage, escaped and quoted, with the answering sentence in bold.

    When the passage is longer than ``limit``, it is cut around the answering sentence.
    """
    passage = passage.replace("**", "").strip()
    sentence = (highlight or "").replace("**", "").strip()
    start = passage.find(sentence) if sentence else -1
    if start < 0:
        return quote(fit(passage, limit))
    before, after = passage[:start], passage[start + len(sentence) :]
    room = max(limit - len(escape(sentence)), 0)
    before_room = min(len(escape(before)), room // 2)
    after_room = room - before_room
    before_text = fit_tail(before, before_room)
    after_text = fit(after, after_room) if after else ""
    return quote(before_text + bold_lines(fit(sentence, limit)) + after_text)


def _date_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- blocks ----------------------------------------------------------------------------------------------------


# --- answers ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerMessage:
    """A chat message payload: ``text`` is the notification fallback, ``blocks`` what people see."""

    text: str
    blocks: list[dict]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks, "unfurl_links": False, "unfurl_media": False}


def source_line(source: Any) -> str:
    """One source as mrkdwn: title (linked when a web address is known), section, version and date."""
    if getattr(source, "kind", None) == TEAM_ANSWER_KIND:
        when = _date_text(getattr(source, "updated", None))
        return "Answered by the qualification team" + (f" on {escape(when)}" if when else "")
    title = fit(one_line(str(getattr(source, "title", "") or getattr(source, "document", ""))), 150)
    parts = [link(getattr(source, "source", None), f"*{title}*" if title else "*Guidance*")]
    section_name = one_line(str(getattr(source, "section", "") or ""))
    if section_name and section_name != one_line(str(getattr(source, "title", "") or "")):
        parts.append(fit(section_name, 150))
    version = str(getattr(source, "version", "") or "").strip()
    if version:
        parts.append(fit(version if version.lower().startswith("v") else f"v{version}", 40))
    updated = _date_text(getattr(source, "updated", None))
    if updated:
        parts.append(f"updated {fit(updated, 40)}")
    return " · ".join(parts)


def _by_document(sources: Iterable[Any], limit: int) -> list[Any]:
    """The first source of each document, at most ``limit`` documents."""
    seen: set[str] = set()
    chosen = []
    for source in sources:
        key = str(getattr(source, "document", "") or getattr(source, "title", ""))
        if key in seen:
            continue
        seen.add(key)
        chosen.append(source)
        if len(chosen) == limit:
            break
    return chosen


def answer_message(
    answer: Any,
    question_id: str,
    *,
    enquiries_address: str,
    can_ask_team: bool,
    asked_by: str | None = None,
    show_question: bool = False,
    shareable: bool = False,
) -> AnswerMessage:
    """The reply to a question: quoted guidance with the answering sentence marked, its sources and buttons.

    ``answer`` is a ``knowledge.answer.Answer``. When it is not answered, the reply says the guidance does not
    cover the question, where to ask, lists possibly related passages and (``can_ask_team``) offers to ask the
    qualification team. ``asked_by`` (a Slack user id) and ``show_question`` put the question above the answer,
    for private answers and answers shared in a channel.
    """
    question = one_line(str(answer.question))
    blocks: list[dict] = []
    if asked_by or show_question:
        who = f"<@{asked_by}> asked" if asked_by and _is_slack_id(asked_by) else "You asked"
        blocks.append(section(f"{who}: _{fit(question, QUESTION_SHOWN_CHARS)}_"))
    sources = list(answer.sources or [])
    if answer.answered:
        top = sources[0] if sources else None
        fallback = one_line(str(getattr(top, "highlight", None) or answer.answer or "")).replace("**", "")
        if top is not None and getattr(top, "passage", ""):
            blocks.append(section(marked_passage(top.passage, getattr(top, "highlight", None))))
        else:
            blocks.append(section(quote(fit(str(answer.answer), PASSAGE_SHOWN_CHARS))))
        cited = _by_document(sources, SOURCES_SHOWN)
        if cited:
            label = "Source" if len(cited) == 1 else "Sources"
            lines = [f"{i}. {source_line(s)}" for i, s in enumerate(cited, 1)]
            blocks.append(context(f"*{label}*", *lines))
    else:
        where = f"You can ask the qualification team at {escape(enquiries_address)}"
        if can_ask_team:
            where += ", or press *Ask the qualification team* and I will pass your question on"
        reason = str(answer.answer or "").strip()
        if reason and reason != not_covered_message(enquiries_address):
            # the question could not be searched (empty, too long, not English): say why
            fallback = reason
            blocks.append(section(f"{fit(reason, 1000)} {where}."))
        else:
            fallback = "The qualification guidance does not cover this question."
            blocks.append(
                section(f"I could not find an answer to this in the qualification guidance. {where}.")
            )
        related = _by_document(sources, SOURCES_SHOWN)
        if related:
            lines = [f"• {source_line(s)}" for s in related]
            blocks.append(context("*Possibly related*", *lines))
    buttons = []
    if not answer.answered and can_ask_team:
        buttons.append(button("Ask the qualification team", ACTION_ASK_TEAM, question_id, style="primary"))
    buttons.append(button(":+1: Helpful", ACTION_HELPFUL, question_id))
    buttons.append(button(":-1: Not helpful", ACTION_NOT_HELPFUL, question_id))
    if shareable:
        buttons.append(button("Share in channel", ACTION_SHARE, question_id))
    blocks.append(actions(*buttons, block_id=f"answer:{question_id}"[:255]))
    return AnswerMessage(text=fit(fallback, MAX_FALLBACK_TEXT), blocks=limited(blocks))


def _is_slack_id(value: str) -> bool:
    return bool(re.fullmatch(r"[UW][A-Z0-9]{2,}", value))


# --- short replies ---------------------------------------------------------------------------------------------


def rate_limited_text(limit_per_minute: int, wait_seconds: float) -> str:
    seconds = max(1, round(wait_seconds))
    return (
        f"You have asked {limit_per_minute} questions in the last minute, which is as many as I can take from one "
        f"person. Please try again in {seconds} second{'s' if seconds != 1 else ''}."
    )


def vote_receipt(vote: int, previous: int | None) -> str:
    word = "helpful" if vote > 0 else "not helpful"
    if previous is None:
        return f"Thanks, your feedback ({word}) is recorded."
    if previous == vote:
        return f"You have already marked this answer as {word}."
    return f"Thanks, your feedback is changed to {word}."


def help_message(command: str, subcommands: Sequence[tuple[str, str]]) -> str:
    """``/mhhs help``: how to ask, and every subcommand with its help text."""
    lines = [
        "*Ask me about MHHS Qualification.* I answer from the qualification guidance and quote where the answer "
        "comes from.",
        f"• `{command} <question>`: a private answer, with a button to share it in the channel",
        "• Mention me in a channel: I answer in the message's thread; reply in that thread to follow up",
        "• Send me a direct message",
    ]
    for name, help_text in subcommands:
        lines.append(f"• `{command} {name}`: {escape(help_text)}")
    return "\n".join(lines)


# --- escalation ------------------------------------------------------------------------------------------------


def escalation_post(
    question: str, asked_by: str, permalink: str | None, where: str, context_question: str | None
) -> AnswerMessage:
    """The post in the team channel: the question, who asked, and a link to where it was asked."""
    blocks = [
        section(f"*Question for the qualification team* from <@{asked_by}> {where}"),
        section(quote(fit(question, 2500))),
    ]
    if context_question:
        blocks.append(context(f"Earlier question in the thread: _{fit(one_line(context_question), 500)}_"))
    footer = (
        "Reply in this thread: your reply is passed to the person who asked and saved as a team answer. "
        "Start a reply with _internal:_ to keep it within the team."
    )
    if permalink and SAFE_URL.match(permalink):
        footer = f"<{permalink}|Open the question in Slack>. " + footer
    blocks.append(context(footer))
    return AnswerMessage(
        text=f"Question for the qualification team: {fit(one_line(question), 300)}", blocks=blocks
    )


def team_reply_relay(reply: str, answered_on: date, team_answer_id: str) -> AnswerMessage:
    """A team member's reply, relayed into the asker's thread and credited to the team."""
    blocks = [
        section(f"*The qualification team replied* on {answered_on.isoformat()}:"),
        section(quote(fit(reply, 2800))),
        context(f"Answered by the qualification team on {answered_on.isoformat()} · {team_answer_id}"),
    ]
    return AnswerMessage(
        text=f"The qualification team replied: {fit(one_line(reply), 300)}",
        blocks=blocks,
    )


def team_reply_retracted(team_answer_id: str) -> AnswerMessage:
    text = f"The qualification team has withdrawn this answer ({team_answer_id})."
    return AnswerMessage(text=text, blocks=[section(escape(text))])


def team_receipt(team_answer_id: str, asked_by: str) -> AnswerMessage:
    """Posted in the team thread after relaying: confirms it, and carries the Retract button."""
    text = (
        f"Passed to <@{asked_by}> and saved as team answer *{team_answer_id}*; "
        "later answers will cite it. Retract it if it should not be used."
    )
    return AnswerMessage(
        text=f"Saved as team answer {team_answer_id}.",
        blocks=[section(text), actions(button("Retract", ACTION_RETRACT, team_answer_id, style="danger"))],
    )


def team_receipt_retracted(team_answer_id: str, retracted_by: str) -> AnswerMessage:
    text = f"Team answer *{team_answer_id}* was retracted by <@{retracted_by}>; it is no longer cited."
    return AnswerMessage(text=f"Team answer {team_answer_id} retracted.", blocks=[section(text)])
