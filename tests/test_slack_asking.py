"""Asking through Slack: mentions, thread follow-ups, DMs, /mhhs, what is ignored, channels, rate limits."""

import json

from bot.core.errors import CaseError
from handlers.slack import blocks, render
from tests.fixtures.slack_app import ASKER, GENERAL_CHANNEL, blocks_text, button_values

QAD_QUESTION = "Whose signature is required on the final QAD?"
SUBJECT_QUESTION = "Reliance proposal email: what heading must it carry?"


def test_a_mention_is_answered_in_its_thread_with_quoted_cited_guidance(slack_app):
    reply, ts = slack_app.mention(QAD_QUESTION)
    assert reply.status == 200
    post = slack_app.api.wait_for("chat.postMessage")[0].args
    assert post["channel"] == GENERAL_CHANNEL and post["thread_ts"] == ts
    text = blocks_text(post["blocks"])
    assert "*" in text and "Company Director" in text
    assert "The Qualification Assessment Document" in text  # the cited document's title
    record = slack_app.records.latest_question_in_thread(GENERAL_CHANNEL, ts)
    assert record.question == QAD_QUESTION and record.answered and record.surface == "mention"
    assert button_values(post["blocks"])[blocks.ACTION_HELPFUL] == record.id
    assert post["unfurl_links"] in (False, "false", "0", 0)


def test_a_follow_up_in_the_thread_is_answered_there_with_the_earlier_question_as_context(slack_app):
    _, ts = slack_app.mention(SUBJECT_QUESTION)
    slack_app.api.wait_for("chat.postMessage")
    slack_app.message("and which addresses?", thread_ts=ts)
    follow_up = slack_app.api.wait_for("chat.postMessage", count=2)[1].args
    assert follow_up["thread_ts"] == ts
    record = slack_app.records.latest_question_in_thread(GENERAL_CHANNEL, ts)
    assert record.surface == "thread"
    assert record.question == "and which addresses?"
    assert record.context == SUBJECT_QUESTION
    assert "recmanager.co.uk" in blocks_text(follow_up["blocks"])
    # thanks in the thread is not a question
    slack_app.message("Thanks! :+1:", thread_ts=ts)
    slack_app.settle()
    assert len(slack_app.api.calls_to("chat.postMessage")) == 2


def test_a_thread_the_assistant_is_not_part_of_is_left_alone(slack_app):
    slack_app.message("Top-level chat that does not mention the bot", channel=GENERAL_CHANNEL)
    slack_app.message("a reply in someone else's thread", thread_ts="1600000000.000100")
    slack_app.settle()
    assert slack_app.api.calls_to("chat.postMessage") == []


def test_a_direct_message_is_answered_in_the_dm(slack_app):
    slack_app.message(QAD_QUESTION, channel="D0ASKER01", channel_type="im")
    post = slack_app.api.wait_for("chat.postMessage")[0].args
    assert post["channel"] == "D0ASKER01"
    assert "thread_ts" not in post
    assert "Company Director" in blocks_text(post["blocks"])


def test_slash_command_answers_privately_with_a_share_button_that_posts_in_channel(slack_app):
    assert slack_app.command(QAD_QUESTION, response_url=slack_app.api.response_url("ask")).status == 200
    private = slack_app.wait_for_response("ask")[0]
    assert private["response_type"] == "ephemeral"
    assert private["blocks"][0]["text"]["text"] == f"You asked: _{QAD_QUESTION}_"
    assert slack_app.api.calls_to("chat.postMessage") == []  # nothing public yet
    question_id = button_values(private["blocks"])[blocks.ACTION_SHARE]

    slack_app.click(
        blocks.ACTION_SHARE, question_id, ephemeral=True, response_url=slack_app.api.response_url("share")
    )
    shared = slack_app.api.wait_for("chat.postMessage")[0].args
    assert shared["channel"] == GENERAL_CHANNEL
    assert shared["blocks"][0]["text"]["text"] == f"<@{ASKER}> asked: _{QAD_QUESTION}_"
    assert "Company Director" in blocks_text(shared["blocks"])
    assert blocks.ACTION_SHARE not in button_values(shared["blocks"])
    done = slack_app.wait_for_response("share")[0]
    assert done["replace_original"] in (True, "true") and done["text"] == "Shared in the channel."


def test_help_and_unknown_subcommands(slack_app):
    slack_app.command("help", response_url=slack_app.api.response_url("help"))
    help_reply = slack_app.wait_for_response("help")[0]
    assert help_reply["response_type"] == "ephemeral"
    assert "`/mhhs <question>`" in help_reply["text"] and "`/mhhs retract`" in help_reply["text"]
    slack_app.command("", response_url=slack_app.api.response_url("empty"))
    assert "`/mhhs <question>`" in slack_app.wait_for_response("empty")[0]["text"]
    slack_app.command("frobnicate", response_url=slack_app.api.response_url("unknown"))
    unknown = slack_app.wait_for_response("unknown")[0]["text"]
    assert unknown.startswith("There is no `/mhhs frobnicate` command.")
    assert "`/mhhs <question>`" in unknown
    assert slack_app.records.question_count() == 0


def test_registered_subcommands_are_dispatched_and_team_only_ones_refused_to_others(slack_app):
    seen = []

    def milestones(request):
        seen.append((request.name, request.args, request.user_id, request.channel_id))
        return {"text": "Next: final QAD", "blocks": [render.section("*Next:* final QAD")]}

    slack_app.assistant.subcommands.register_subcommand("milestones", milestones, "the next milestones")
    slack_app.assistant.subcommands.register_subcommand(
        "team-rota", lambda request: "Jo is on duty", "who is on duty", team_only=True
    )
    slack_app.command("milestones  next week", response_url=slack_app.api.response_url("milestones"))
    reply = slack_app.wait_for_response("milestones")[0]
    assert reply["text"] == "Next: final QAD" and reply["response_type"] == "ephemeral"
    assert seen == [("milestones", "next week", ASKER, GENERAL_CHANNEL)]
    slack_app.command("team-rota", response_url=slack_app.api.response_url("rota"))
    assert (
        slack_app.wait_for_response("rota")[0]["text"] == "`/mhhs team-rota` is for the qualification team."
    )

    def refuse(request):
        raise CaseError("PR-0042 is already accepted")

    slack_app.assistant.subcommands.register_subcommand("accept", refuse, "accept a case")
    slack_app.command("accept PR-0042", response_url=slack_app.api.response_url("refused"))
    refused = slack_app.wait_for_response("refused")[0]
    assert refused["text"] == "Sorry, I could not do that: PR-0042 is already accepted"
    assert refused["response_type"] == "ephemeral"


def test_bots_itself_edits_deletions_and_joins_are_ignored(slack_app):
    channel_thread = slack_app.mention(QAD_QUESTION)[1]
    slack_app.api.wait_for("chat.postMessage")
    ignored = [
        dict(channel_type="im", channel="D0ASKER01", bot_id="B0OTHER01"),  # another bot
        dict(channel_type="im", channel="D0ASKER01", user="UBOT0001"),  # itself
        dict(channel_type="im", channel="D0ASKER01", subtype="message_changed"),
        dict(channel_type="im", channel="D0ASKER01", subtype="message_deleted", user=None),
        dict(channel_type="im", channel="D0ASKER01", subtype="bot_message", user=None, bot_id="B0OTHER01"),
        dict(thread_ts=channel_thread, subtype="channel_join"),
        dict(thread_ts=channel_thread, bot_id="B0OTHER01"),
        dict(thread_ts=channel_thread, edited={"user": ASKER, "ts": "1700009999.000001"}),
    ]
    for fields in ignored:
        user = fields.pop("user", ASKER)
        assert slack_app.message(QAD_QUESTION, user=user, **fields)[0].status == 200
    slack_app.mention(QAD_QUESTION, user="UBOT0001")
    slack_app.settle()
    assert len(slack_app.api.calls_to("chat.postMessage")) == 1
    assert slack_app.records.question_count() == 1


def test_only_configured_channels_are_answered(make_slack_app, slack_api):
    app = make_slack_app(SLACK_ANSWER_CHANNELS="CALLOWED1")
    app.mention(QAD_QUESTION, channel="COTHER001")
    app.settle()
    assert slack_api.calls_to("chat.postMessage") == []
    app.mention(QAD_QUESTION, channel="CALLOWED1")
    assert slack_api.wait_for("chat.postMessage")[0].args["channel"] == "CALLOWED1"
    app.message(QAD_QUESTION, channel="D0ASKER01", channel_type="im")  # direct messages are always answered
    assert slack_api.wait_for("chat.postMessage", count=2)[1].args["channel"] == "D0ASKER01"


def test_per_user_rate_limit_replies_politely_once(make_slack_app, slack_api):
    app = make_slack_app(SLACK_RATE_LIMIT_PER_MINUTE="2")
    for _ in range(4):
        app.mention(QAD_QUESTION)
    slack_api.wait_for("chat.postMessage", count=2)
    notice = slack_api.wait_for("chat.postEphemeral")[0].args
    app.settle()
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert len(slack_api.calls_to("chat.postEphemeral")) == 1  # told once, not for every question
    assert notice["user"] == ASKER
    assert notice["text"].startswith("You have asked 2 questions in the last minute")
    # someone else is not held back
    app.mention(QAD_QUESTION, user="UOTHER001")
    slack_api.wait_for("chat.postMessage", count=3)
    app.command(QAD_QUESTION, response_url=slack_api.response_url("limited"))
    assert "Please try again in" in app.wait_for_response("limited")[0]["text"]


def test_long_and_hostile_questions_are_truncated_and_escaped(slack_app):
    hostile = (
        "<!channel> <!here> <https://evil.example/login|Reset your Elexon password> & who signs the final QAD? "
        + "padding " * 600
    )
    slack_app.command(hostile, response_url=slack_app.api.response_url("hostile"))
    reply = slack_app.wait_for_response("hostile")[0]
    payload = json.dumps(reply["blocks"]) + reply["text"]
    for forbidden in ("<!channel>", "<!here>", "<https://evil", "|Reset your"):
        assert forbidden not in payload
    shown = reply["blocks"][0]["text"]["text"]
    assert shown.startswith(
        "You asked: _@channel @here Reset your Elexon password (https://evil.example/login) &amp;"
    )
    assert reply["blocks"][0]["text"]["verbatim"] is True
    assert len(shown) < 600
    for block in reply["blocks"]:
        if "text" in block:
            assert len(block["text"]["text"]) <= 3000
    assert (
        len(slack_app.records.question(button_values(reply["blocks"])[blocks.ACTION_HELPFUL]).question)
        <= 1000
    )


def test_an_empty_mention_or_help_gets_usage_and_thread_broadcasts_count_as_follow_ups(slack_app):
    _, ts = slack_app.mention("")
    usage = slack_app.api.wait_for("chat.postMessage")[0].args
    assert usage["thread_ts"] == ts and "`/mhhs <question>`" in blocks_text(usage["blocks"])
    slack_app.message("help", channel="D0ASKER01", channel_type="im")
    assert "`/mhhs <question>`" in blocks_text(
        slack_app.api.wait_for("chat.postMessage", count=2)[1].args["blocks"]
    )
    assert slack_app.records.question_count() == 0

    _, ts = slack_app.mention(SUBJECT_QUESTION)
    slack_app.api.wait_for("chat.postMessage", count=3)
    slack_app.message("and which addresses?", thread_ts=ts, subtype="thread_broadcast")
    assert slack_app.api.wait_for("chat.postMessage", count=4)[3].args["thread_ts"] == ts
