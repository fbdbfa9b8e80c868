"""Slack's assistant side panel: a thread opened from the panel is greeted with suggested prompts; each question in
it gets a status while it is answered, titles the thread (the first one), and is answered by the same engine, with
the same blocks (citations, votes, "ask the team"), read together with the thread's earlier question.

Workspaces without the assistant feature never send ``assistant_thread_started``, so no thread is known as an
assistant thread there and mentions, direct messages and ``/mhhs`` work exactly as without this module.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore
from slack_sdk import WebClient

from bot.answers.records import SlackRecords
from handlers.slack import render
from handlers.slack.assistant import SURFACE_ASSISTANT, SlackAssistant, is_person_message
from handlers.slack.text import plain_text

logger = logging.getLogger(__name__)

GREETING = (
    "Hello! Ask me anything about MHHS Qualification: I answer from the qualification guidance, quote the passage "
    "and cite it, and I say so when the guidance does not cover a question."
)
PROMPTS_TITLE = "For example:"
STARTER_PROMPTS = (
    "Who signs the final QAD?",
    "Where do I send a Placing Reliance proposal?",
    "What are the exit criteria for Qualification Testing?",
)
STATUS = "is reading the guidance…"
MAX_TITLE = 80


class RecordsThreadContextStore(AssistantThreadContextStore):
    """Keeps each assistant thread's context (the channel the person is viewing) in the database."""

    def __init__(self, records: SlackRecords):
        self.records = records

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        self.records.save_thread_context(channel_id, thread_ts, context)

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        context = self.records.thread_context(channel_id, thread_ts)
        return AssistantThreadContext(context) if context else None


def suggested_prompts(assistant: SlackAssistant) -> list[dict[str, str]]:
    """The configured prompts; else the most asked questions; else a few starters (at most four)."""
    prompts = list(assistant.settings.slack.assistant_prompts) or assistant.records.most_asked(4)
    for starter in STARTER_PROMPTS:
        if len(prompts) >= 3:
            break
        if starter not in prompts:
            prompts.append(starter)
    return [{"title": render.truncate(p, 75), "message": p} for p in prompts[:4]]


def thread_started(assistant: SlackAssistant, client: WebClient, event: dict[str, Any]) -> None:
    """``assistant_thread_started``: remember the thread, greet, offer prompts."""
    thread = event["assistant_thread"]
    channel, thread_ts = thread["channel_id"], thread["thread_ts"]
    assistant.records.start_assistant_thread(
        channel, thread_ts, thread.get("user_id", ""), thread.get("context")
    )
    client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=GREETING, blocks=[render.section(render.escape(GREETING))]
    )
    client.assistant_threads_setSuggestedPrompts(
        channel_id=channel, thread_ts=thread_ts, prompts=suggested_prompts(assistant), title=PROMPTS_TITLE
    )


def is_assistant_thread_message(assistant: SlackAssistant, body: dict[str, Any]) -> bool:
    event = body.get("event") or {}
    channel, thread_ts = event.get("channel"), event.get("thread_ts")
    return bool(channel and thread_ts) and assistant.records.is_assistant_thread(channel, thread_ts)


def user_message(assistant: SlackAssistant, client: WebClient, event: dict[str, Any]) -> None:
    """A question in an assistant thread: status, title (first question), the answer in the thread."""
    if not is_person_message(event, assistant.bot_user_id):
        return
    channel, thread_ts = event["channel"], event["thread_ts"]
    earlier = assistant.records.latest_question_in_thread(channel, thread_ts)
    client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread_ts, status=STATUS)
    question = render.one_line(plain_text(event.get("text") or "", assistant.bot_user_id))
    if question and assistant.records.title_thread_once(channel, thread_ts):
        client.assistant_threads_setTitle(
            channel_id=channel, thread_ts=thread_ts, title=render.truncate(question, MAX_TITLE)
        )
    try:
        assistant.answer_message(
            client,
            event,
            surface=SURFACE_ASSISTANT,
            thread_ts=thread_ts,
            context=earlier.question if earlier else None,
        )
    finally:
        # an answer posted in the thread clears the status; when none was posted (thanks, a failure), clear it here
        client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread_ts, status="")
