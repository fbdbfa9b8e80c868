"""Listeners for the knowledge gaps: the team section of App Home, the Answer as team button and its form."""

from __future__ import annotations

from slack_bolt import App

from handlers.slack import gaps
from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import acknowledged, report_failure


def register(app: App, assistant: SlackAssistant) -> gaps.GapDesk:
    desk = gaps.GapDesk(assistant)
    assistant.home_sections.append(desk.home_blocks)

    def open_form(body, client, respond):
        desk.open_form(body, client)

    app.action(gaps.ACTION_ANSWER_GAP)(**acknowledged(open_form))

    def save_answer(body, client, logger):
        try:
            if desk.save_answer(body, client) and assistant.publish_home is not None:
                assistant.publish_home(client, body["user"]["id"])
        except Exception as error:
            report_failure(error, body, client, logger)

    app.view(gaps.GAP_MODAL)(ack=desk.check_form, lazy=[save_answer])
    return desk
