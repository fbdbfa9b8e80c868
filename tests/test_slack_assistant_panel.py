"""Slack's assistant side panel through the signed HTTP endpoint: greeting and suggested prompts, status, title,
the same answer blocks, follow-ups, the thread's context; DMs outside panel threads stay as they were."""

import json

from handlers.slack import blocks
from tests.fixtures.slack_app import ASKER, blocks_text, button_values

DM = "D0ASKER01"
THREAD = "1700005000.000001"
QAD_QUESTION = "Whose signature is required on the final QAD?"


def start_thread(app, thread_ts=THREAD, context=None):
    event = {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": ASKER,
            "context": context or {"channel_id": "CGENERAL1", "team_id": "T0000001", "enterprise_id": None},
            "channel_id": DM,
            "thread_ts": thread_ts,
        },
        "event_ts": "1700005000.000002",
    }
    assert app.send_event(event).status == 200


def ask_in_thread(app, text, thread_ts=THREAD):
    reply, ts = app.message(text, channel=DM, channel_type="im", thread_ts=thread_ts)
    assert reply.status == 200
    return ts


def test_a_thread_is_greeted_with_suggested_prompts(slack_app):
    start_thread(slack_app)
    greeting = slack_app.api.wait_for("chat.postMessage")[0].args
    assert greeting["channel"] == DM and greeting["thread_ts"] == THREAD
    assert "MHHS Qualification" in greeting["text"]
    prompts = slack_app.api.wait_for("assistant.threads.setSuggestedPrompts")[0].args
    assert prompts["channel_id"] == DM and prompts["thread_ts"] == THREAD
    listed = json.loads(prompts["prompts"]) if isinstance(prompts["prompts"], str) else prompts["prompts"]
    assert [p["message"] for p in listed] == [
        "Who signs the final QAD?",
        "Where do I send a Placing Reliance proposal?",
        "What are the exit criteria for Qualification Testing?",
    ]


def test_a_question_gets_a_status_a_title_and_the_usual_answer_and_follow_ups_read_the_thread(slack_app):
    start_thread(slack_app)
    slack_app.settle()
    ask_in_thread(slack_app, QAD_QUESTION)
    status = slack_app.api.wait_for("assistant.threads.setStatus")[0].args
    assert status == {**status, "channel_id": DM, "thread_ts": THREAD, "status": "is reading the guidance…"}
    title = slack_app.api.wait_for("assistant.threads.setTitle")[0].args
    assert title["title"] == QAD_QUESTION and title["thread_ts"] == THREAD
    answer = slack_app.api.wait_for("chat.postMessage", count=2)[1].args
    assert answer["channel"] == DM and answer["thread_ts"] == THREAD
    assert "Company Director" in blocks_text(answer["blocks"])
    buttons = button_values(answer["blocks"])
    assert {blocks.ACTION_HELPFUL, blocks.ACTION_NOT_HELPFUL} <= set(buttons)
    record = slack_app.records.question(buttons[blocks.ACTION_HELPFUL])
    assert record.surface == "assistant" and record.thread_ts == THREAD

    slack_app.settle()
    ask_in_thread(slack_app, "and when is it due?")
    slack_app.api.wait_for("chat.postMessage", count=3)
    slack_app.settle()
    follow_up = slack_app.records.latest_question_in_thread(DM, THREAD)
    assert follow_up.question == "and when is it due?" and follow_up.context == QAD_QUESTION
    assert (
        len(slack_app.api.calls_to("assistant.threads.setTitle")) == 1
    )  # titled once, by the first question


def test_the_thread_context_is_kept(slack_app):
    start_thread(slack_app)
    slack_app.settle()
    changed = {
        "type": "assistant_thread_context_changed",
        "assistant_thread": {
            "user_id": ASKER,
            "context": {"channel_id": "CPROJECT1", "team_id": "T0000001", "enterprise_id": None},
            "channel_id": DM,
            "thread_ts": THREAD,
        },
        "event_ts": "1700005000.000009",
    }
    assert slack_app.send_event(changed).status == 200
    slack_app.settle()
    assert slack_app.records.thread_context(DM, THREAD)["channel_id"] == "CPROJECT1"


def test_prompts_are_configurable_or_drawn_from_the_most_asked_questions(make_slack_app, slack_api):
    configured = make_slack_app(SLACK_ASSISTANT_PROMPTS="What is PIT? | Who approves QT exit?")
    start_thread(configured)
    listed = slack_api.wait_for("assistant.threads.setSuggestedPrompts")[0].args["prompts"]
    listed = json.loads(listed) if isinstance(listed, str) else listed
    assert [p["message"] for p in listed][:2] == ["What is PIT?", "Who approves QT exit?"]
    configured.settle()
    slack_api.reset()

    app = make_slack_app()
    app.mention(QAD_QUESTION)
    app.mention(QAD_QUESTION)
    slack_api.wait_for("chat.postMessage", count=2)
    app.settle()
    start_thread(app, thread_ts="1700005100.000001")
    listed = slack_api.wait_for("assistant.threads.setSuggestedPrompts")[0].args["prompts"]
    listed = json.loads(listed) if isinstance(listed, str) else listed
    assert listed[0]["message"] == QAD_QUESTION


def test_direct_message_threads_outside_the_panel_are_answered_as_before(slack_app):
    _, ts = slack_app.message(QAD_QUESTION, channel=DM, channel_type="im")
    slack_app.api.wait_for("chat.postMessage")
    slack_app.settle()
    slack_app.message("and when is it due?", channel=DM, channel_type="im", thread_ts=ts)
    slack_app.api.wait_for("chat.postMessage", count=2)
    slack_app.settle()
    assert not [c for c in slack_app.api.calls if c.method.startswith("assistant.")]
    record = slack_app.records.latest_question_in_thread(DM, ts)
    assert record.surface == "dm" and record.context == QAD_QUESTION


def test_ask_the_team_from_a_panel_thread_relays_the_reply_into_that_thread(slack_app):
    from tests.fixtures.slack_app import TEAM_CHANNEL, TEAM_MEMBER

    api = slack_app.api
    api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    start_thread(slack_app)
    slack_app.settle()
    ask_in_thread(slack_app, "Which person is the chair of the Qualification Advisory Group?")
    answer = api.wait_for("chat.postMessage", count=2)[1].args
    question_id = button_values(answer["blocks"])[blocks.ACTION_ASK_TEAM]
    slack_app.settle()
    slack_app.click(blocks.ACTION_ASK_TEAM, question_id, channel=DM, response_url=api.response_url("esc"))
    assert slack_app.wait_for_response("esc")[0]["text"].endswith("in this conversation.")
    team_post = api.wait_for("chat.postMessage", count=3)[2].args
    assert team_post["channel"] == TEAM_CHANNEL and "in the assistant panel" in blocks_text(
        team_post["blocks"]
    )
    assert api.calls_to("chat.getPermalink") == []  # the team cannot open someone's assistant thread
    escalation = slack_app.wait_until(
        lambda: (e := slack_app.records.escalation_for_question(question_id)) and e.team_ts and e
    )
    slack_app.message(
        "It is Dana Scott.", user=TEAM_MEMBER, channel=TEAM_CHANNEL, thread_ts=escalation.team_ts
    )
    relay = api.wait_for("chat.postMessage", count=4)[3].args
    assert relay["channel"] == DM and relay["thread_ts"] == THREAD
    assert "It is Dana Scott." in blocks_text(relay["blocks"])
