"""Slack messages built from hostile text stay within Slack's limits and escaped, in blocks and in ``text``; what
Slack refused shows in the App Home; odd case references get a clear answer."""

import json
from datetime import UTC, datetime

from bot import storage
from bot.deadlines import Deadline
from handlers.slack.nudge_blocks import deadlines_list_message, nudge_message
from handlers.slack.render import MAX_BLOCKS, MAX_FALLBACK_TEXT, MAX_SECTION_FIELD, MAX_SECTION_TEXT
from tests.fixtures.slack_app import TEAM_MEMBER, blocks_text
from tests.test_mail_triage import TRACKED, run_pass, slack_env
from tests.test_slack_cases import command, team_app  # noqa: F401 - team_app is a fixture

SUBJECT = "MHHS Qualification/Placing Reliance Proposal "


def _huge_proposal() -> bytes:
    """A proposal with a 5,000-character subject (with an ESC sequence) and forty attachments."""
    parts = [
        "From: Big Sender <big@many-files.co.uk>",
        "To: MHHSQualification@elexon.co.uk, performanceassurance@recmanager.co.uk",
        "Subject: " + SUBJECT + "\x1b[2J" + "x" * 5000,
        "Date: Mon, 26 Jan 2026 09:00:00 +0000",
        "Message-ID: <huge-201@many-files.co.uk>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="hh"',
        "",
        "--hh",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Forty files.",
    ]
    for n in range(40):
        name = f"PQS form part {n:02d} {'with a long name ' * 4}.pdf"
        parts += [
            "--hh",
            "Content-Type: application/pdf",
            f'Content-Disposition: attachment; filename="{name}"',
            "",
        ]
        parts.append("%PDF-1.4 pretend")
    parts.append("--hh--")
    return "\r\n".join(parts).encode()


def _within_limits(args: dict) -> None:
    blocks = args["blocks"] if isinstance(args["blocks"], list) else json.loads(args["blocks"])
    assert len(blocks) <= MAX_BLOCKS
    assert len(args["text"]) <= MAX_FALLBACK_TEXT
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
            assert all(len(f["text"]) <= MAX_SECTION_FIELD for f in block.get("fields", []))
        if block["type"] == "context":
            assert all(len(e["text"]) <= MAX_SECTION_TEXT for e in block["elements"])
    assert "\x1b" not in json.dumps(args) and "\\u001b" not in json.dumps(args)


def test_a_huge_case_post_is_cut_to_slacks_limits_and_posted(imap, tmp_path, slack_api):
    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    imap.append(_huge_proposal())
    summary = run_pass(settings)
    assert (summary.new_cases, summary.posts) == (1, 1) and imap.count(TRACKED) == 1
    [post] = slack_api.calls_to("chat.postMessage")
    _within_limits(post.args)
    assert "40: PQS form part 00" in json.dumps(post.args["blocks"])


def test_deadline_names_are_escaped_in_the_notification_text_too():
    deadline = Deadline(
        key="d1",
        name="<!channel> QAD & <https://evil.example|click>",
        due=datetime(2026, 2, 2, 17, tzinfo=UTC),
    )
    text, blocks = nudge_message(deadline, audience="team", working_days_left=3, late=False)
    assert (
        "<!channel>" not in text and "&lt;!channel&gt; QAD &amp; &lt;https://evil.example|click&gt;" in text
    )
    listed, _ = deadlines_list_message([(deadline, 3)])
    assert "<!channel>" not in listed and "&lt;!channel&gt;" in listed


def test_the_app_home_shows_posts_slack_refused(team_app):  # noqa: F811
    app = team_app
    db = storage.connect(app.settings.database_path)
    db.execute(
        """INSERT INTO mail_outbox (kind, case_ref, payload, created_at, tries, last_error)
           VALUES ('slack-case', 'PR-0001', '{}', '2026-01-12T09:16:00+00:00', 20,
                   'Slack refused the post: invalid_blocks')"""
    )
    app.send_event({"type": "app_home_opened", "user": TEAM_MEMBER, "channel": "D0001", "tab": "home",
                    "event_ts": app.next_ts()})  # fmt: skip
    [call] = app.api.wait_for("views.publish")
    view = call.args["view"] if isinstance(call.args["view"], dict) else json.loads(call.args["view"])
    text = blocks_text(view["blocks"])
    assert (
        "*Not delivered* (1)" in text
        and "`PR-0001` slack-case: Slack refused the post: invalid_blocks" in text
    )


def test_odd_case_references_get_a_clear_answer_in_slack(team_app):  # noqa: F811
    for ref in ("PR-²", "PR-" + "9" * 5000, "PR-1234567890"):
        reply = command(team_app, f"case {ref}")
        assert "not a case reference" in reply["text"], reply
        assert "went wrong" not in reply["text"]
