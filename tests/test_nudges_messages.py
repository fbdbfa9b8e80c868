"""The nudge, list and digest messages (pure builders)."""

import json

from bot.deadlines import Deadline
from handlers.slack.nudge_blocks import (
    ACTION_DONE,
    ACTION_SNOOZE_DAY,
    ACTION_SNOOZE_WEEK,
    digest_message,
    nudge_message,
    resolved_message,
)
from tests.fixtures.deadlines import london

DEADLINE = Deadline(
    key="final-qad",
    name="Final QAD <!channel> & co",
    due=london(2027, 7, 1, 17),
    what="Final QAD signed by a Company Director",
    guidance="06_qad-guide.md#2-two-formal-submissions",
    illustrative=True,
    rule="10 working days after qt-exit",
)


def test_nudge_has_due_date_days_left_guidance_link_and_buttons():
    text, blocks = nudge_message(
        DEADLINE,
        audience="channel:C0TEAM001",
        working_days_left=5,
        late=False,
        guidance_base_url="https://guidance.example.org/pack/",
    )
    body = blocks[0]["text"]["text"]
    assert "*Final QAD &lt;!channel&gt; &amp; co* _(illustrative)_ is due *Thu 1 Jul 2027, 17:00 BST*" in body
    assert "(5 working days left)" in body
    assert "What is due: Final QAD signed by a Company Director" in body
    assert (
        "<https://guidance.example.org/pack/06_qad-guide.md#2-two-formal-submissions|"
        "QAD guide, section 2 (two formal submissions)>" in body
    )
    assert "Rule: 10 working days after qt-exit" in body
    buttons = blocks[1]["elements"]
    assert [b["action_id"] for b in buttons] == [ACTION_DONE, ACTION_SNOOZE_DAY, ACTION_SNOOZE_WEEK]
    assert [b["text"]["text"] for b in buttons] == ["Done", "Snooze 1 working day", "Snooze 1 week"]
    assert json.loads(buttons[0]["value"]) == {
        "k": "final-qad",
        "due": "2027-07-01T17:00:00+01:00",
        "a": "channel:C0TEAM001",
    }
    assert text.startswith("Deadline reminder: Final QAD")


def test_late_nudge_and_guidance_without_a_base_url():
    text, blocks = nudge_message(DEADLINE, audience="user:U1", working_days_left=0, late=True, due_today=True)
    assert "sent late" in text and "(due today)" in text
    assert "(`06_qad-guide.md#2-two-formal-submissions`)" in blocks[0]["text"]["text"]


def test_resolved_message_replaces_the_buttons():
    _, blocks = nudge_message(DEADLINE, audience="user:U1", working_days_left=3, late=False)
    text, updated = resolved_message(blocks, "Marked done by <@U1>")
    assert text == "Marked done by <@U1>"
    assert [b["type"] for b in updated] == ["section", "context"]


def test_digest_stays_within_slack_limits():
    many = [(DEADLINE, i) for i in range(300)]
    text, blocks = digest_message(many, many, day=london(2027, 6, 28, 8))
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "300 deadline(s) in the next 7 days" in text
