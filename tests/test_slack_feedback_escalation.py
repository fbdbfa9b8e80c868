"""Feedback votes, escalation to the qualification team, team answers cited later, and retraction."""

from handlers.slack import blocks
from tests.fixtures.slack_app import (
    ASKER,
    GENERAL_CHANNEL,
    TEAM_CHANNEL,
    TEAM_MEMBER,
    blocks_text,
    button_values,
)

# the guidance names no chair for the QAG, so the question is declined (team reply: invented test data)
UNCOVERED = "Which person is the chair of the Qualification Advisory Group?"
LATER_QUESTION = "Who chairs the Qualification Advisory Group?"
TEAM_REPLY = "The QAG is chaired by Dana Scott of Elexon; the chair rotates each April."


def ask_uncovered(app, question=UNCOVERED):
    """Mention the bot with a question the guidance does not cover; return (question ts, answer post args)."""
    _, ts = app.mention(question)
    post = app.api.wait_for("chat.postMessage")[-1].args
    return ts, post


def escalate(app, question_id, **click):
    """Press "Ask the qualification team"; return the escalation once its team post is recorded."""
    app.click(blocks.ACTION_ASK_TEAM, question_id, **click)
    return app.wait_until(
        lambda: (e := app.records.escalation_for_question(question_id)) and e.team_ts and e,
        what="the escalation's team post",
    )


def team_reply(app, escalation, text=TEAM_REPLY, user=TEAM_MEMBER, answer_id="TA-0001"):
    """A reply in the escalation's team thread; return the stored team answer once its messages are recorded."""
    app.message(text, user=user, channel=TEAM_CHANNEL, thread_ts=escalation.team_ts)
    return app.wait_until(
        lambda: (a := app.records.team_answer(answer_id)) and a.receipt_ts and a,
        what="the relayed team answer",
    )


def test_votes_are_stored_with_the_answer_and_a_second_click_changes_the_vote(slack_app):
    _, ts = slack_app.mention("Whose signature is required on the final QAD?")
    post = slack_app.api.wait_for("chat.postMessage")[0].args
    question_id = button_values(post["blocks"])[blocks.ACTION_HELPFUL]

    slack_app.click(blocks.ACTION_HELPFUL, question_id, response_url=slack_app.api.response_url("v1"))
    assert slack_app.wait_for_response("v1")[0]["text"] == "Thanks, your feedback (helpful) is recorded."
    slack_app.click(blocks.ACTION_NOT_HELPFUL, question_id, response_url=slack_app.api.response_url("v2"))
    assert slack_app.wait_for_response("v2")[0]["text"] == "Thanks, your feedback is changed to not helpful."
    slack_app.click(
        blocks.ACTION_HELPFUL, question_id, user="UOTHER001", response_url=slack_app.api.response_url("v3")
    )
    slack_app.wait_for_response("v3")

    rows = list(
        slack_app.records.db.query(
            """SELECT f.user_id, f.vote, f.channel_id, f.voted_at, q.question, q.answer, q.sources, q.user_id AS asker
               FROM slack_feedback f JOIN slack_questions q ON q.id = f.question_id ORDER BY f.user_id"""
        )
    )
    assert [(r["user_id"], r["vote"]) for r in rows] == [(ASKER, -1), ("UOTHER001", 1)]
    assert all(r["channel_id"] == GENERAL_CHANNEL and r["voted_at"] for r in rows)
    assert rows[0]["question"] == "Whose signature is required on the final QAD?"
    assert "Company Director" in rows[0]["answer"] and "06_qad-guide.md" in rows[0]["sources"]
    assert rows[0]["asker"] == ASKER


def test_a_vote_on_an_unknown_answer_is_explained(slack_app):
    slack_app.click(blocks.ACTION_HELPFUL, "Qdoesnotexist", response_url=slack_app.api.response_url("gone"))
    assert "no longer on record" in slack_app.wait_for_response("gone")[0]["text"]


def test_uncovered_question_escalation_round_trip_relays_stores_and_teaches(slack_app):
    api = slack_app.api
    api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER, "UBOT0001"]
    question_ts, answer = ask_uncovered(slack_app)
    text = blocks_text(answer["blocks"])
    assert "could not find an answer" in text and "MHHSQualification@elexon.co.uk" in text
    question_id = button_values(answer["blocks"])[blocks.ACTION_ASK_TEAM]

    # the asker presses "Ask the qualification team"
    slack_app.click(blocks.ACTION_ASK_TEAM, question_id, response_url=api.response_url("escalate"))
    receipt = slack_app.wait_for_response("escalate")[0]
    assert receipt["text"] == "I have asked the qualification team. Their reply will appear in this thread."
    team_post = api.wait_for("chat.postMessage", count=2)[1]
    assert team_post.args["channel"] == TEAM_CHANNEL
    team_text = blocks_text(team_post.args["blocks"])
    assert f"<@{ASKER}>" in team_text and UNCOVERED.replace("'", "'") in team_text
    permalink = api.calls_to("chat.getPermalink")[0].args
    assert permalink["channel"] == GENERAL_CHANNEL and permalink["message_ts"] == question_ts
    assert f"/archives/{GENERAL_CHANNEL}/p" in team_text
    assert "_internal:_ to keep it within the team" in team_text
    escalation = slack_app.records.escalation_for_question(question_id)
    assert escalation.team_ts and escalation.relay_thread_ts == question_ts

    # a second press does not post again
    slack_app.click(blocks.ACTION_ASK_TEAM, question_id, response_url=api.response_url("again"))
    assert "already with the qualification team" in slack_app.wait_for_response("again")[0]["text"]

    # someone outside the team replying in the team thread is not relayed, nor is a team member's internal note
    for text, user in [
        ("I think it's fine?", "UOUTSIDER"),
        ("Internal: check with DIP first", TEAM_MEMBER),
        ("[internal] agreed", TEAM_MEMBER),
    ]:
        slack_app.message(text, user=user, channel=TEAM_CHANNEL, thread_ts=escalation.team_ts)
    slack_app.settle()
    assert len(api.calls_to("chat.postMessage")) == 2

    # a team member replies in the thread: relayed to the asker's thread, credited to the team, stored, indexed
    slack_app.message(TEAM_REPLY, user=TEAM_MEMBER, channel=TEAM_CHANNEL, thread_ts=escalation.team_ts)
    relay, team_receipt = (c.args for c in api.wait_for("chat.postMessage", count=4)[2:4])
    assert relay["channel"] == GENERAL_CHANNEL and relay["thread_ts"] == question_ts
    relay_text = blocks_text(relay["blocks"])
    assert "The qualification team replied" in relay_text and TEAM_REPLY in relay_text
    assert "Answered by the qualification team on" in relay_text and "TA-0001" in relay_text
    assert team_receipt["channel"] == TEAM_CHANNEL and team_receipt["thread_ts"] == escalation.team_ts
    assert button_values(team_receipt["blocks"]) == {blocks.ACTION_RETRACT: "TA-0001"}
    stored = slack_app.wait_until(lambda: slack_app.records.team_answer("TA-0001"))
    assert stored.question == UNCOVERED and stored.reply == TEAM_REPLY and stored.answered_by == TEAM_MEMBER
    assert stored.answered_by_name == f"User {TEAM_MEMBER}"

    # the next person asking much the same question gets the team answer, cited as such
    slack_app.mention(LATER_QUESTION, user="UNEXT0001")
    later = api.wait_for("chat.postMessage", count=5)[4].args
    later_text = blocks_text(later["blocks"])
    assert "The QAG is chaired by Dana Scott of Elexon" in later_text
    assert f"Answered by the qualification team on {stored.answered_on.isoformat()}" in later_text


def test_team_answer_retracted_by_button_is_no_longer_cited(slack_app):
    api = slack_app.api
    api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    question_ts, answer = ask_uncovered(slack_app)
    question_id = button_values(answer["blocks"])[blocks.ACTION_ASK_TEAM]
    escalation = escalate(slack_app, question_id)
    stored = team_reply(slack_app, escalation)

    # only the team may retract
    slack_app.click(blocks.ACTION_RETRACT, "TA-0001", user=ASKER, response_url=api.response_url("refused"))
    assert (
        slack_app.wait_for_response("refused")[0]["text"]
        == "Only the qualification team can retract team answers."
    )
    assert slack_app.records.team_answer("TA-0001").retracted_at is None

    slack_app.click(
        blocks.ACTION_RETRACT,
        "TA-0001",
        user=TEAM_MEMBER,
        channel=TEAM_CHANNEL,
        response_url=api.response_url("ok"),
    )
    assert (
        slack_app.wait_for_response("ok")[0]["text"]
        == "Team answer TA-0001 is retracted and will no longer be cited."
    )
    updates = api.wait_for("chat.update", count=2)
    updated = {c.args["ts"]: blocks_text(c.args["blocks"]) for c in updates}
    assert "withdrawn" in updated[stored.relay_ts]
    assert f"retracted by <@{TEAM_MEMBER}>" in updated[stored.receipt_ts]
    assert slack_app.records.team_answer("TA-0001").retracted_by == TEAM_MEMBER

    slack_app.mention(LATER_QUESTION, user="UNEXT0001")
    later = blocks_text(api.wait_for("chat.postMessage", count=5)[4].args["blocks"])
    assert "Dana Scott" not in later
    assert "Answered by the qualification team" not in later


def test_team_users_setting_and_retract_command(make_slack_app, slack_api):
    app = make_slack_app(SLACK_TEAM_USERS="ULISTED01")
    _, answer = ask_uncovered(app)
    question_id = button_values(answer["blocks"])[blocks.ACTION_ASK_TEAM]
    escalation = escalate(app, question_id)
    # a configured team user (not in the channel) can answer
    team_reply(app, escalation, user="ULISTED01")

    app.command("retract TA-0001", user=ASKER, response_url=slack_api.response_url("not-team"))
    assert app.wait_for_response("not-team")[0]["text"] == "`/mhhs retract` is for the qualification team."
    app.command("retract ta-0001", user="ULISTED01", response_url=slack_api.response_url("retract"))
    assert (
        app.wait_for_response("retract")[0]["text"]
        == "Team answer TA-0001 is retracted and will no longer be cited."
    )
    app.command("retract TA-0001", user="ULISTED01", response_url=slack_api.response_url("twice"))
    assert app.wait_for_response("twice")[0]["text"] == "Team answer TA-0001 is already retracted."
    app.command("retract TA-0099", user="ULISTED01", response_url=slack_api.response_url("unknown"))
    assert app.wait_for_response("unknown")[0]["text"] == "There is no team answer TA-0099."


def test_escalating_a_private_answer_relays_the_reply_by_direct_message(slack_app):
    api = slack_app.api
    api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    slack_app.command(UNCOVERED, response_url=api.response_url("private"))
    private = slack_app.wait_for_response("private")[0]
    question_id = button_values(private["blocks"])[blocks.ACTION_ASK_TEAM]
    slack_app.click(blocks.ACTION_ASK_TEAM, question_id, ephemeral=True, response_url=api.response_url("esc"))
    assert slack_app.wait_for_response("esc")[0]["text"].endswith("in a direct message from me.")
    team_post = api.wait_for("chat.postMessage")[0].args
    assert team_post["channel"] == TEAM_CHANNEL
    assert f"privately (`/mhhs`) in <#{GENERAL_CHANNEL}>" in blocks_text(team_post["blocks"])
    escalation = slack_app.records.escalation_for_question(question_id)
    team_reply(slack_app, escalation)
    relay = api.wait_for("chat.postMessage", count=2)[1].args
    assert api.calls_to("conversations.open")[0].args["users"] == ASKER
    assert relay["channel"] == "D" + ASKER[1:]
    assert TEAM_REPLY in blocks_text(relay["blocks"])


def test_team_membership_is_cached_briefly(slack_app):
    api = slack_app.api
    api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    team = slack_app.assistant.team
    assert team.is_team_member(TEAM_MEMBER)
    assert not team.is_team_member(ASKER)
    assert not team.is_team_member(None)
    api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER, ASKER]
    assert not team.is_team_member(ASKER)  # still the cached list
    assert len(api.calls_to("conversations.members")) == 1
    team.forget()
    assert team.is_team_member(ASKER)
    assert len(api.calls_to("conversations.members")) == 2


def test_escalation_to_an_unreachable_team_channel_can_be_tried_again(slack_app):
    api = slack_app.api
    _, answer = ask_uncovered(slack_app)
    question_id = button_values(answer["blocks"])[blocks.ACTION_ASK_TEAM]
    api.responses["chat.postMessage"] = lambda args: {"ok": False, "error": "not_in_channel"}
    slack_app.click(blocks.ACTION_ASK_TEAM, question_id, response_url=api.response_url("unreachable"))
    text = slack_app.wait_for_response("unreachable")[0]["text"]
    assert (
        "could not reach the qualification team's channel" in text
        and "MHHSQualification@elexon.co.uk" in text
    )
    assert slack_app.records.escalation_for_question(question_id) is None
    del api.responses["chat.postMessage"]
    escalation = escalate(slack_app, question_id)
    assert escalation.team_channel == TEAM_CHANNEL


def test_escalating_a_direct_message_relays_the_reply_into_the_dm_without_a_link(slack_app):
    api = slack_app.api
    api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    slack_app.message(UNCOVERED, channel="D0ASKER01", channel_type="im")
    answer = api.wait_for("chat.postMessage")[0].args
    question_id = button_values(answer["blocks"])[blocks.ACTION_ASK_TEAM]
    escalation = escalate(slack_app, question_id, channel="D0ASKER01")
    team_text = blocks_text(api.calls_to("chat.postMessage")[1].args["blocks"])
    assert "in a direct message" in team_text and "Open the question in Slack" not in team_text
    assert api.calls_to("chat.getPermalink") == []  # the team cannot open someone else's DM
    team_reply(slack_app, escalation)
    relay = next(
        c.args
        for c in api.calls_to("chat.postMessage")
        if c.args["channel"] == "D0ASKER01"
        and "blocks" in c.args
        and TEAM_REPLY in blocks_text(c.args["blocks"])
    )
    assert "thread_ts" not in relay


def test_sharing_where_the_app_is_not_a_member_is_explained(slack_app):
    api = slack_app.api
    slack_app.command("Whose signature is required on the final QAD?", response_url=api.response_url("ask"))
    question_id = button_values(slack_app.wait_for_response("ask")[0]["blocks"])[blocks.ACTION_SHARE]
    api.responses["chat.postMessage"] = lambda args: {"ok": False, "error": "not_in_channel"}
    slack_app.click(blocks.ACTION_SHARE, question_id, ephemeral=True, response_url=api.response_url("share"))
    reply = slack_app.wait_for_response("share")[0]
    assert reply["text"].startswith("I cannot post in this conversation")
    assert reply["replace_original"] in (False, "false")
