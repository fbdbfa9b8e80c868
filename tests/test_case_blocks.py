"""Block Kit for case working: participant text escaped, Slack's limits kept, only valid transitions offered."""

from datetime import UTC, datetime

from bot import cases
from handlers.slack import case_blocks, render
from tests.fixtures.slack_app import blocks_text

HOSTILE = "<!channel> Acme & <https://evil.example|click> <@U999>"


def case_dict(**overrides):
    case = {
        "ref": "PR-0007",
        "status": "new",
        "subject": f"MHHS Qualification/Placing Reliance Proposal {HOSTILE}",
        "participant": f"Acme {HOSTILE}",
        "participant_id": "ACME",
        "sender": "jane@acme.example",
        "sender_name": None,
        "received_at": "2026-01-12T09:15:00+00:00",
        "owner": None,
        "attachments": [
            {"filename": "<pqs>.xlsx", "stored_name": "_pqs_.xlsx", "size": 2048, "stored": True},
        ],
        "missing_recipients": ["performanceassurance@recmanager.co.uk"],
        "retired_mailbox": False,
        "pqs_form": True,
        "flags": ["missing_recipient"],
        "slack": {"channel": None, "ts": None},
        "messages": [
            {
                "sender": "jane@acme.example",
                "sender_name": "Jane <Smith>",
                "received_at": "2026-01-12T09:15:00+00:00",
                "subject": "Proposal",
                "excerpt": f"Hello team,\n{HOSTILE}\nthird line\nfourth line not shown",
            }
        ],
        "notes": [{"at": "2026-01-13T10:00:00+00:00", "author": "UTEAM0001", "text": f"call them {HOSTILE}"}],
        "history": [
            {"at": "2026-01-12T09:16:00+00:00", "actor": "triage", "action": "opened", "detail": HOSTILE},
        ],
    }
    case.update(overrides)
    return case


def all_sections_within_limits(blocks):
    assert len(blocks) <= render.MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= render.MAX_SECTION_TEXT
            for field in block.get("fields", []):
                assert len(field["text"]) <= 2000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= render.MAX_HEADER_TEXT


def test_case_view_escapes_participant_text_everywhere():
    view = case_blocks.case_view(case_dict(), age=3)
    rendered = blocks_text(view["blocks"]) + view["text"]
    assert "<!channel>" not in rendered and "<https://" not in rendered and "<@U999>" not in rendered
    assert "&lt;!channel&gt; Acme &amp; &lt;https://evil.example|click&gt;" in rendered
    assert "&lt;pqs&gt;.xlsx (2,048 bytes)" in rendered
    assert "Jane &lt;Smith&gt; &lt;jane@acme.example&gt;" in rendered
    assert "fourth line" not in rendered  # only the first lines of a mail
    assert "<@UTEAM0001>" in rendered  # the note's author is a real mention; the note's text is not
    assert "3 working days ago" in rendered
    assert ":warning: Not sent to performanceassurance@recmanager.co.uk" in rendered
    all_sections_within_limits(view["blocks"])


def test_only_valid_transitions_are_offered_and_a_closed_case_offers_reopen():
    actions = case_blocks.case_actions(case_dict(status="under_review", owner="UTEAM0001"))
    assert actions["block_id"] == "case_actions:PR-0007"
    by_id = {e["action_id"]: e for e in actions["elements"]}
    offered = [o["value"] for o in by_id[case_blocks.ACTION_STATUS]["options"]]
    assert offered == [
        "PR-0007:clarification_requested",
        "PR-0007:accepted",
        "PR-0007:rejected",
        "PR-0007:withdrawn",
    ]
    assert by_id[case_blocks.ACTION_ASSIGN]["initial_user"] == "UTEAM0001"
    assert case_blocks.ACTION_REOPEN not in by_id
    closed = {e["action_id"] for e in case_blocks.case_actions(case_dict(status="accepted"))["elements"]}
    assert closed == {
        case_blocks.ACTION_REPLY,
        case_blocks.ACTION_ASSIGN_ME,
        case_blocks.ACTION_ASSIGN,
        case_blocks.ACTION_REOPEN,
        case_blocks.ACTION_NOTE,
    }


def test_live_post_keeps_the_case_post_blocks_and_adds_the_last_change_and_buttons():
    text, blocks = case_blocks.live_case_post(case_dict())
    ids = [b.get("block_id") for b in blocks]
    assert ids[:3] == ["case_summary", "case_files", "case_flags"]
    assert ids[-1] == "case_actions:PR-0007"
    assert "Last change" in blocks_text(blocks) and "<!channel>" not in blocks_text(blocks)
    assert text.startswith("New Placing Reliance case PR-0007")
    worked, _ = case_blocks.live_case_post(case_dict(status="under_review", owner="UTEAM0001"))
    assert worked.startswith("Placing Reliance case PR-0007") and worked.endswith(
        " · Under review · owner <@UTEAM0001>"
    )


def test_huge_case_stays_within_slack_limits():
    long_text = "x" * 10_000
    case = case_dict(
        subject=long_text,
        participant=long_text,
        messages=[
            {
                "sender": f"s{i}@a.example",
                "received_at": "2026-01-12T09:15:00+00:00",
                "subject": long_text,
                "excerpt": long_text,
            }
            for i in range(80)
        ],  # fmt: skip
        attachments=[
            {"filename": f"{i}-{long_text[:200]}.pdf", "size": 1, "stored": True} for i in range(200)
        ],
        notes=[{"at": "2026-01-13T10:00:00+00:00", "author": "U1", "text": long_text} for _ in range(50)],
        history=[{"at": "2026-01-13T10:00:00+00:00", "actor": "U1", "action": "note", "detail": long_text}]
        * 300,
    )
    view = case_blocks.case_view(case, age=1, notice="done")
    all_sections_within_limits(view["blocks"])
    assert "earlier messages not shown" in blocks_text(view["blocks"])
    assert view["blocks"][-1]["type"] == "actions"  # the buttons are never cut off
    _, post = case_blocks.live_case_post(case)
    assert len(post) <= 50


def _items(n, status="new", owner=None, flags=()):
    base = dict(
        status=status, subject="s", thread_subject="s", participant="P <&>", participant_id=None,
        sender="a@b.example", sender_name=None, received_at="2026-01-12T09:15:00+00:00",
        opened_at="x", updated_at="x", owner=owner, missing_recipients=(), retired_mailbox=False,
        pqs_form=True, flags=tuple(flags), slack_channel=None, slack_ts=None,
    )  # fmt: skip
    return [
        case_blocks.QueueItem(cases.PlacingRelianceCase(ref=cases.format_ref(i), number=i, **base), age=i)
        for i in range(n, 0, -1)
    ]


def test_queue_lists_at_most_what_fits_and_counts_the_rest():
    message = case_blocks.queue_message(
        "Open cases", _items(60, owner="UTEAM0001", flags=["missing_pqs_form"])
    )
    blocks = message["blocks"]
    all_sections_within_limits(blocks)
    assert blocks[1]["text"]["text"] == (
        "*PR-0060* · P &lt;&amp;&gt; · 60 working days · New · owner <@UTEAM0001> · :warning: missing PQS form"
    )
    assert blocks[1]["accessory"]["action_id"] == case_blocks.ACTION_VIEW
    assert "and 15 more" in blocks_text(blocks)
    assert case_blocks.queue_message("Open cases", [])["text"] == "Open cases: none."


def test_team_home_groups_by_status_and_keeps_within_limits():
    items = _items(30) + _items(5, status="under_review", owner="UTEAM0001")
    deadlines = [{"type": "section", "text": {"type": "mrkdwn", "text": f"deadline {i}"}} for i in range(40)]
    view = case_blocks.team_home(items, items[-5:], [], deadlines, datetime(2026, 1, 14, 9, tzinfo=UTC))
    assert view["type"] == "home"
    all_sections_within_limits(view["blocks"])
    text = blocks_text(view["blocks"])
    assert "*New* (30)" in text and "*Under review* (5)" in text and "and 22 more" in text
    assert "*Your cases* (5)" in text and "Nothing flagged." in text and "deadline 0" in text


def test_guidance_home_says_nothing_about_cases():
    view = case_blocks.guidance_home("enquiries@example.org", ["a@x.example", "b@y.example"], "Subject <x>")
    text = blocks_text(view["blocks"])
    assert "PR-" not in text and "owner" not in text and "Flagged" not in text
    assert "a@x.example and b@y.example" in text and "Subject &lt;x&gt;" in text


def test_readme_documents_the_case_subcommands_and_action_ids():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Working cases in Slack", 1)[1].split("\n## ", 1)[0]
    assert "| `/mhhs cases [open" in readme and "| `/mhhs case PR-0001" in readme
    for action_id in (
        case_blocks.ACTION_VIEW,
        case_blocks.ACTION_ASSIGN_ME,
        case_blocks.ACTION_ASSIGN,
        case_blocks.ACTION_STATUS,
        case_blocks.ACTION_REOPEN,
        case_blocks.ACTION_NOTE,
        case_blocks.NOTE_MODAL,
    ):
        assert f"`{action_id}`" in section


def test_the_live_post_says_when_the_participant_replied_and_the_case_is_back_with_the_team():
    answered = {"at": "2026-01-20T11:00:00+00:00", "actor": "triage", "action": "answered", "detail": "jane"}
    case = case_dict(status="under_review", history=[*case_dict()["history"], answered])
    text, blocks = case_blocks.live_case_post(case)
    assert "the participant replied: back with the team" in text
    assert "*The participant replied*" in blocks_text(blocks)
    quiet_text, quiet_blocks = case_blocks.live_case_post(case_dict(status="under_review"))
    assert "participant replied" not in quiet_text
    assert "The participant replied" not in blocks_text(quiet_blocks)
