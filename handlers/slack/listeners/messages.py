"""Listeners for messages: @mentions, direct messages, thread follow-ups and team replies to escalations."""

from __future__ import annotations

from slack_bolt import App

from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import acknowledged


def register(app: App, assistant: SlackAssistant) -> None:
    def answer_mention(body, client, respond):
        assistant.on_mention(client, body["event"])

    def answer_message(body, client, respond):
        assistant.on_message(client, body["event"])

    app.event("app_mention")(**acknowledged(answer_mention))
    app.event("message")(**acknowledged(answer_message))
