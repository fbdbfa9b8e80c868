"""Listeners for the buttons on answers and team posts: feedback, share, ask the team, retract."""

from __future__ import annotations

from slack_bolt import App

from handlers.slack import blocks
from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import acknowledged


def _clicked(body: dict) -> tuple[str, str, str | None]:
    """(button value, user id, channel id) of a button click."""
    action = body["actions"][0]
    return action.get("value", ""), body["user"]["id"], (body.get("channel") or {}).get("id")


def _private(respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def register(app: App, assistant: SlackAssistant) -> None:
    def vote_helpful(body, client, respond):
        question_id, user, channel = _clicked(body)
        _private(respond, assistant.record_vote(question_id, user, channel, 1))

    def vote_not_helpful(body, client, respond):
        question_id, user, channel = _clicked(body)
        _private(respond, assistant.record_vote(question_id, user, channel, -1))

    def share_answer(body, client, respond):
        question_id, user, channel = _clicked(body)
        problem = assistant.share(client, question_id, user, channel)
        if problem:
            _private(respond, problem)
        else:
            respond(text="Shared in the channel.", response_type="ephemeral", replace_original=True)

    def ask_team(body, client, respond):
        question_id, user, _ = _clicked(body)
        _private(respond, assistant.escalate(client, question_id, user))

    def retract_team_answer(body, client, respond):
        answer_id, user, _ = _clicked(body)
        _private(respond, assistant.retract(client, answer_id, user))

    app.action(blocks.ACTION_HELPFUL)(**acknowledged(vote_helpful))
    app.action(blocks.ACTION_NOT_HELPFUL)(**acknowledged(vote_not_helpful))
    app.action(blocks.ACTION_SHARE)(**acknowledged(share_answer))
    app.action(blocks.ACTION_ASK_TEAM)(**acknowledged(ask_team))
    app.action(blocks.ACTION_RETRACT)(**acknowledged(retract_team_answer))
