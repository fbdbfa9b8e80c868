"""Slack listeners. Registration only: each kind has its own module with ``register(app, assistant)``; a new kind is
written as a module here and added to :data:`LISTENER_REGISTRATIONS`."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from handlers.slack.assistant import SlackAssistant
from handlers.slack.listeners import (
    actions,
    assistant_panel,
    case_replies,
    cases,
    commands,
    deadlines,
    gaps,
    messages,
)

Registration = Callable[[App, SlackAssistant], None]

LISTENER_REGISTRATIONS: list[Registration] = [
    assistant_panel.register,
    messages.register,
    commands.register,
    actions.register,
    cases.register,
    case_replies.register,
    deadlines.register,
    gaps.register,
]
