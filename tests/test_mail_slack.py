"""Team-channel posts: built apart from sending, user text escaped; follow-ups go in the case's thread."""

from bot import cases, storage
from handlers.slack import mail_posts
from tests.test_mail_triage import eml, run_pass, slack_env


def test_case_post_escapes_mail_text_and_lists_flags():
    case = {
        "ref": "PR-0007",
        "status": "new",
        "subject": "<!channel> Proposal & <https://evil.example|click>",
        "participant": "Acme <Energy> & Co",
        "participant_id": "ACME",
        "sender": "a@acme.example",
        "received_at": "2026-01-12T09:15:00+00:00",
        "owner": None,
        "attachments": [{"filename": "<form>.xlsx", "stored_name": "_form_.xlsx", "size": 2048}],
        "flags": ["missing_recipient", "retired_mailbox"],
        "missing_recipients": ["performanceassurance@recmanager.co.uk"],
    }
    text, blocks = mail_posts.case_post(case)
    assert text == (
        "New Placing Reliance case PR-0007 from Acme &lt;Energy&gt; &amp; Co (ACME): "
        "&lt;!channel&gt; Proposal &amp; &lt;https://evil.example|click&gt; — flagged: missing recipient: "
        "performanceassurance@recmanager.co.uk; retired mailbox"
    )
    rendered = str(blocks)
    assert "<!channel>" not in rendered and "<https://" not in rendered
    assert "&lt;form&gt;.xlsx (2,048 bytes)" in rendered
    assert [b["block_id"] for b in blocks] == ["case_summary", "case_files", "case_flags"]


def test_retired_mailbox_post_names_the_replacement():
    text, blocks = mail_posts.retired_mailbox_post(
        {
            "sender": "sam@localdno.example",
            "subject": "QT <question>",
            "received_at": "2026-01-16T11:00:00+00:00",
            "retired": [["ldso_qt@mhhsprogramme.co.uk", "MHHSQualification@elexon.co.uk"]],
            "redirected": True,
        }
    )
    assert "QT &lt;question&gt;" in text and "It should go to MHHSQualification@elexon.co.uk" in text
    assert "told the new address" in text
    assert blocks[0]["block_id"] == "retired_mailbox"


def test_incomplete_resubmission_is_posted_in_the_case_thread(imap, tmp_path, slack_api):
    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    imap.append(eml("proposal_complete.eml"))
    run_pass(settings)
    [first] = slack_api.wait_for("chat.postMessage", count=1)
    # The participant sends it again, this time without the REC mailbox and to the retired address.
    again = (
        eml("proposal_complete.eml")
        .replace(b"proposal-001@", b"proposal-001-again@")
        .replace(
            b"MHHSQualification@elexon.co.uk, performanceassurance@recmanager.co.uk",
            b"LDSO_QT@mhhsprogramme.co.uk",
        )
    )
    imap.append(again)
    summary = run_pass(settings)
    assert (summary.updates, summary.flagged) == (1, 1)
    posts = slack_api.wait_for("chat.postMessage", count=2)
    follow_up = posts[1].args
    assert follow_up["thread_ts"] == "1700000000.000001"
    assert "PR-0001: new mail from jane.smith@acme-energy.co.uk" in follow_up["text"]
    assert "retired mailbox" in follow_up["text"] and "missing recipient" in follow_up["text"]
    db = storage.connect(settings.database_path)
    case = cases.case_to_dict(db, "PR-0001")
    assert case["retired_mailbox"] is True
    assert case["missing_recipients"] == [
        "mhhsqualification@elexon.co.uk",
        "performanceassurance@recmanager.co.uk",
    ]
    assert first.args["channel"] == "C0TEAM"


def test_slack_outage_does_not_hold_up_triage(imap, tmp_path, slack_api):
    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    slack_api.responses["chat.postMessage"] = lambda args: {"ok": False, "error": "channel_not_found"}
    imap.append(eml("proposal_complete.eml"))
    summary = run_pass(settings)
    assert summary.new_cases == 1 and summary.posts == 0 and imap.count("INBOX") == 0
    del slack_api.responses["chat.postMessage"]
    assert run_pass(settings).posts == 1  # sent on the next pass
    db = storage.connect(settings.database_path)
    assert cases.get_case(db, "PR-0001").slack_ts is not None
