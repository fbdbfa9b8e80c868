"""Slack listeners. Registration only: each listener kind has its own module with ``register(app, assistant)``;
the behaviour lives in :mod:`handlers.slack.assistant`, the messages in :mod:`handlers.slack.blocks`."""

from __future__ import annotations

from slack_bolt import App

from handlers.slack import actions, commands, messages
from handlers.slack.assistant import SlackAssistant


def register(app: App, assistant: SlackAssistant) -> None:
    messages.register(app, assistant)
    commands.register(app, assistant)
    actions.register(app, assistant)
