"""Replying from a case, against a real aiosmtpd and Dovecot: the mail and its headers, both mailboxes copied, the
reply stored on the case, the participant's answer threading back; templates; --dry-run sends nothing."""

import base64
import json

from bot import cases
from bot.mail.threads import thread_key
from tests.casework_mail import REQUIRED, TRACKED_SUBJECT, mail, proposal
from tests.test_mail_cli import cli_env, invoke
from tests.test_mail_triage import TRACKED, open_db, run_pass

TEAM = "MHHSQualification@elexon.co.uk"
JANE = "jane.smith@acme-energy.co.uk"


def env_for(imap, tmp_path, smtp_server, **extra):
    return cli_env(
        imap,
        tmp_path,
        SMTP_HOST=smtp_server.host,
        SMTP_PORT=str(smtp_server.port),
        SMTP_SSL="none",
        SMTP_FROM=TEAM,
        **extra,
    )


def case(imap, tmp_path, ref="PR-0001"):
    db = open_db(imap.settings(tmp_path / "data"))
    try:
        return cases.case_to_dict(db, ref)
    finally:
        db.conn.close()


def test_reply_from_the_command_line_and_the_answer_threads_back(imap, tmp_path, smtp_server):
    env = env_for(imap, tmp_path, smtp_server)
    settings = imap.settings(tmp_path / "data")
    imap.append(proposal(form=False))
    run_pass(settings)
    assert case(imap, tmp_path)["flags"] == [cases.FLAG_MISSING_PQS_FORM]

    result = invoke(env, "reply", "PR-0001", "--template", "missing_pqs_form", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    [sent] = smtp_server.wait_for(1)
    msg = sent.message
    assert sorted(sent.rcpt_tos) == sorted([JANE, *REQUIRED])
    assert msg["From"] == TEAM and msg["To"] == JANE
    assert [a.strip() for a in msg["Cc"].split(",")] == list(REQUIRED)
    assert msg["Subject"] == f"[PR-0001] {TRACKED_SUBJECT}"
    assert msg["In-Reply-To"] == "<proposal-100@acme-energy.co.uk>"
    assert msg["References"] == "<proposal-100@acme-energy.co.uk>"
    assert msg["Auto-Submitted"] is None  # a person's reply, not an automatic one
    assert "completed PQS form attached" in msg.get_content() and "PR-0001" in msg.get_content()
    assert printed == {
        "ref": "PR-0001",
        "to": [JANE],
        "cc": list(REQUIRED),
        "subject": f"[PR-0001] {TRACKED_SUBJECT}",
        "in_reply_to": "proposal-100@acme-energy.co.uk",
        "message_id": msg["Message-ID"].strip("<>"),
        "sent": True,
    }
    data = case(imap, tmp_path)
    out = data["messages"][-1]
    assert (out["direction"], out["delivery"], out["message_id"]) == ("out", "sent", printed["message_id"])
    assert data["messages"][0]["direction"] == "in"
    assert data["status"] == cases.CLARIFICATION_REQUESTED  # the template's Status line
    assert any(e["action"] == "reply sent" and printed["message_id"] in e["detail"] for e in data["history"])

    # The copy to the shared mailbox comes back through triage: recognised, filed with the case, not a new mail.
    imap.append(sent.message.as_bytes())
    again = run_pass(settings)
    assert (again.duplicates, again.new_cases) == (1, 0) and imap.count(TRACKED) == 2

    # Jane answers under the reply (In-Reply-To, her own subject): the case goes back to the team.
    answer = mail(
        f"Jane Smith <{JANE}>",
        "RE: the form",
        "answer-1@acme-energy.co.uk",
        form=True,
        to=(TEAM,),
        In_Reply_To=f"<{printed['message_id']}>",
    )
    imap.append(answer)
    assert run_pass(settings).updates == 1
    data = case(imap, tmp_path)
    assert data["status"] == cases.UNDER_REVIEW and data["flags"] == []
    assert [e["action"] for e in data["history"]][-4:] == ["message", "flag cleared", "status", "answered"]
    assert any(
        e["action"] == "flag cleared" and "answer-1@acme-energy.co.uk" in e["detail"] for e in data["history"]
    )

    # A second answer from Outlook with neither In-Reply-To nor the tag, only the Thread-Index of the reply.
    root = base64.b64decode(sent.message["Thread-Index"])[:22]
    assert thread_key(sent.message["Thread-Index"]) == root.hex()
    outlook = mail(
        f"Jane Smith <{JANE}>",
        "RE: signed copy",
        "answer-2@acme-energy.co.uk",
        to=(TEAM,),
        Thread_Index=base64.b64encode(root + b"\0\0\0\0\1").decode(),
        Thread_Topic=TRACKED_SUBJECT,
    )
    # And one with no In-Reply-To, only the [PR-0001] tag in the subject.
    tagged = mail(f"Jane Smith <{JANE}>", f"RE: [PR-0001] {TRACKED_SUBJECT}", "answer-3@acme-energy.co.uk")
    imap.append_many([outlook, tagged])
    summary = run_pass(settings)
    assert (summary.updates, summary.new_cases) == (2, 0)
    ids = [m["message_id"] for m in case(imap, tmp_path)["messages"]]
    assert ids[-2:] == ["answer-2@acme-energy.co.uk", "answer-3@acme-energy.co.uk"]

    # `case --json` shows both directions; the plain view marks the reply.
    shown = invoke(env, "case", "PR-0001")
    assert f"-> {JANE}" in shown.output


def test_dry_run_sends_and_records_nothing(imap, tmp_path, smtp_server):
    env = env_for(imap, tmp_path, smtp_server)
    imap.append(proposal())
    run_pass(imap.settings(tmp_path / "data"))
    before = case(imap, tmp_path)
    result = invoke(env, "reply", "PR-0001", "--text", "Thank you, we will review it.", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sent"] is False
    shown = invoke(
        env,
        "reply",
        "PR-0001",
        "--text",
        "Thank you.",
        "--to",
        "ops@acme-energy.co.uk",
        "--no-cc",
        "--dry-run",
    )
    assert "dry run: nothing sent" in shown.output and "To: ops@acme-energy.co.uk" in shown.output
    assert "Cc:" not in shown.output
    after = case(imap, tmp_path)
    assert after["messages"] == before["messages"] and after["history"] == before["history"]
    assert smtp_server.received == []


def test_reply_options_are_checked(imap, tmp_path, smtp_server):
    env = env_for(imap, tmp_path, smtp_server)
    imap.append(proposal())
    run_pass(imap.settings(tmp_path / "data"))
    refused = invoke(env, "reply", "PR-0001", "--template", "rejected")
    assert refused.exit_code == 1 and "needs a reason" in refused.output
    refused = invoke(env, "reply", "PR-0001", "--text", "hi", "--to", "not an address")
    assert refused.exit_code == 1 and "not a mail address" in refused.output
    refused = invoke(env, "reply", "PR-0001", "--template", "nonsense")
    assert refused.exit_code == 1 and "no reply template 'nonsense'" in refused.output
    assert invoke(env, "reply", "PR-0001").exit_code == 2  # neither --template nor --text
    ok = invoke(
        env, "reply", "PR-0001", "--template", "rejected", "--reason", "The form is not signed.", "--json"
    )
    assert ok.exit_code == 0, ok.output
    [sent] = smtp_server.wait_for(1)
    assert "The form is not signed." in sent.message.get_content()
    assert case(imap, tmp_path)["status"] == cases.REJECTED  # the template's Status line
    # From rejected the case may not go to accepted: the reply goes, the status stays (reopen first).
    assert invoke(env, "reply", "PR-0001", "--template", "accepted").exit_code == 0
    smtp_server.wait_for(2)
    assert case(imap, tmp_path)["status"] == cases.REJECTED


def test_templates_with_unknown_fields_are_refused_with_the_field_name(imap, tmp_path, smtp_server):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "chaser.txt").write_text("Title: Chaser\n\nDear ${participant_name},\nany news on ${ref}?\n")
    env = env_for(imap, tmp_path, smtp_server, MHHS_REPLY_TEMPLATES=str(folder))
    imap.append(proposal())
    run_pass(imap.settings(tmp_path / "data"))
    refused = invoke(env, "reply", "PR-0001", "--text", "hello")
    assert refused.exit_code == 0  # own text needs no templates
    smtp_server.wait_for(1)
    refused = invoke(env, "reply", "PR-0001", "--template", "acknowledgement")
    assert refused.exit_code == 1
    assert "unknown field ${participant_name}" in refused.output and "chaser.txt" in refused.output
    (folder / "chaser.txt").write_text("Title: Chaser\n\nDear ${greeting},\nany news on ${ref}?\n")
    listed = invoke(env, "reply", "--list-templates")
    assert "chaser" in listed.output and "missing_pqs_form" in listed.output
    ok = invoke(env, "reply", "PR-0001", "--template", "chaser", "--json")
    assert ok.exit_code == 0, ok.output
    assert "Dear Jane Smith," in smtp_server.wait_for(2)[1].message.get_content()


def test_cases_status_takes_the_same_words_as_slack(imap, tmp_path):
    env = cli_env(imap, tmp_path)
    imap.append_many(
        [
            proposal(form=False),
            proposal(message_id="p2@other-energy.co.uk").replace(
                b"jane.smith@acme-energy.co.uk", b"sam@other-energy.co.uk"
            ),
        ]
    )
    run_pass(imap.settings(tmp_path / "data"))
    db = open_db(imap.settings(tmp_path / "data"))
    cases.change_status(db, "PR-0002", cases.UNDER_REVIEW, "U1")
    cases.assign_owner(db, "PR-0002", "U1", "U1")
    db.conn.close()

    def refs(*args):
        result = invoke(env, "cases", "--json", *args)
        assert result.exit_code == 0, result.output
        return [c["ref"] for c in json.loads(result.output)]

    assert refs("--status", "open") == ["PR-0002", "PR-0001"]
    assert refs("--status", "flagged") == ["PR-0001"]
    assert refs("--status", "mine", "--user", "U1") == ["PR-0002"]
    assert refs("--status", "all") == ["PR-0002", "PR-0001"]
    assert refs("--status", "under review") == ["PR-0002"]
    assert refs("--status", "new") == ["PR-0001"]
    assert invoke(env, "cases", "--status", "mine").exit_code == 2
    assert invoke(env, "cases", "--status", "archived").exit_code == 2


def test_a_reply_the_server_refuses_is_recorded_as_failed_and_not_as_sent(imap, tmp_path, smtp_server):
    env = env_for(imap, tmp_path, smtp_server)
    imap.append(proposal())
    run_pass(imap.settings(tmp_path / "data"))
    smtp_server.refuse_with = "554 5.7.1 Message rejected"
    result = invoke(env, "reply", "PR-0001", "--text", "Thank you, we will review it.", "--json")
    assert result.exit_code != 0
    assert "554" in result.output or "rejected" in result.output.lower()
    after = case(imap, tmp_path)
    assert [e["action"] for e in after["history"]][-1] == "reply failed"
    assert "reply sent" not in [e["action"] for e in after["history"]]
    outgoing = [m for m in after["messages"] if m["direction"] == "out"]
    assert [m["delivery"] for m in outgoing] == ["failed"]
    assert smtp_server.received == []
