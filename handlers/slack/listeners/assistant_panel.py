"""Listeners for Slack's assistant side panel, through bolt's ``Assistant`` middleware (see
:mod:`handlers.slack.assistant_panel`). Only threads the panel opened are taken; every other message goes on to the
message listeners."""

from __future__ import annotations

from slack_bolt import App, Assistant

from handlers.slack import assistant_panel
from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import acknowledged


def register(app: App, assistant: SlackAssistant) -> None:
    panel = Assistant(thread_context_store=assistant_panel.RecordsThreadContextStore(assistant.records))

    def start_thread(body, client, respond):
        assistant_panel.thread_started(assistant, client, body["event"])

    def answer_in_thread(body, client, respond):
        assistant_panel.user_message(assistant, client, body["event"])

    def known_thread(body) -> bool:
        return assistant_panel.is_assistant_thread_message(assistant, body)

    started = acknowledged(start_thread)
    panel.thread_started(lazy=started["lazy"])(started["ack"])
    answered = acknowledged(answer_in_thread)
    panel.user_message(matchers=[known_thread], lazy=answered["lazy"])(answered["ack"])
    app.assistant(panel)
