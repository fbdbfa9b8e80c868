"""Knowledge gaps in App Home for the team, and Answer as team: the next asker gets the team's answer, cited."""

import json

from handlers.slack import blocks, gaps
from tests.fixtures.slack_app import ASKER, TEAM_CHANNEL, TEAM_MEMBER, blocks_text

# the guidance names no chair for the QAG, so these are declined (team reply: invented test data)
UNCOVERED = "Which person is the chair of the Qualification Advisory Group?"
SIMILAR = "Who is the chair of the Qualification Advisory Group?"
LATER_QUESTION = "Who chairs the Qualification Advisory Group?"
TEAM_REPLY = "The QAG is chaired by Dana Scott of Elexon; the chair rotates each April."


def open_home(app, user):
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME001", "tab": "home"}
    before = len(app.api.calls_to("views.publish"))
    assert app.send_event(event).status == 200
    call = app.api.wait_for("views.publish", count=before + 1)[before]
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def gap_buttons(view):
    return [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == gaps.ACTION_ANSWER_GAP
    ]


def submit(app, private_metadata, text):
    return app.submit_form(
        gaps.GAP_MODAL, private_metadata, {gaps.GAP_BLOCK: {gaps.GAP_INPUT: text}}, view_id="V0GAP"
    )


def test_the_team_sees_gaps_in_app_home_and_answers_a_group_once_for_later_askers(slack_app):
    slack_app.api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    slack_app.mention(UNCOVERED)
    slack_app.mention(SIMILAR, user="USECOND01")
    slack_app.api.wait_for("chat.postMessage", count=2)
    slack_app.settle()
    assert slack_app.records.question_count() == 2

    outsider = open_home(slack_app, ASKER)
    assert "Knowledge gaps" not in blocks_text(outsider["blocks"])

    home = open_home(slack_app, TEAM_MEMBER)
    text = blocks_text(home["blocks"])
    assert "*Knowledge gaps* (1)" in text and "asked 2× · 2 declined · 0 👎" in text
    [key] = gap_buttons(home)

    slack_app.click(gaps.ACTION_ANSWER_GAP, key, user=TEAM_MEMBER)
    opened = slack_app.api.wait_for("views.open")[0].args
    form = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert form["callback_id"] == gaps.GAP_MODAL
    asked = {UNCOVERED, SIMILAR}  # the group is named after one of its wordings
    assert any(q in blocks_text(form["blocks"]) for q in asked)

    empty = submit(slack_app, form["private_metadata"], "  ")
    assert empty.json() == {
        "response_action": "errors",
        "errors": {gaps.GAP_BLOCK: "Write the answer first."},
    }
    assert submit(slack_app, form["private_metadata"], TEAM_REPLY).status == 200
    stored = slack_app.wait_until(lambda: slack_app.records.team_answer("TA-0001"), what="the team answer")
    assert stored.reply == TEAM_REPLY and stored.answered_by == TEAM_MEMBER and stored.question in asked
    slack_app.settle()
    refreshed = slack_app.api.calls_to("views.publish")[-1].args["view"]
    refreshed = json.loads(refreshed) if isinstance(refreshed, str) else refreshed
    assert gap_buttons(refreshed) == [] and "*Knowledge gaps* (0)" in blocks_text(refreshed["blocks"])

    # the next person asking much the same question gets the team answer, cited as such
    slack_app.mention(LATER_QUESTION, user="UNEXT0001")
    later = slack_app.api.wait_for("chat.postMessage", count=3)[2].args
    later_text = blocks_text(later["blocks"])
    assert "The QAG is chaired by Dana Scott of Elexon" in later_text
    assert f"Answered by the qualification team on {stored.answered_on.isoformat()}" in later_text


def test_a_voted_down_answer_is_a_gap_and_outsiders_cannot_answer(slack_app):
    slack_app.api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER]
    slack_app.mention("Whose signature is required on the final QAD?")
    post = slack_app.api.wait_for("chat.postMessage")[0].args
    question_id = next(
        e["value"]
        for b in post["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == blocks.ACTION_NOT_HELPFUL
    )
    slack_app.click(blocks.ACTION_NOT_HELPFUL, question_id)
    slack_app.settle()
    home = open_home(slack_app, TEAM_MEMBER)
    assert "asked 1× · 0 declined · 1 👎" in blocks_text(home["blocks"])
    [key] = gap_buttons(home)
    slack_app.click(gaps.ACTION_ANSWER_GAP, key, user=ASKER)
    slack_app.settle()
    assert slack_app.api.calls_to("views.open") == []
