"""Acknowledgements and redirects over SMTP (aiosmtpd): threaded, marked automatic, never to automatic mail."""

from bot import cases, storage
from tests.test_mail_triage import eml, run_pass


def reply_env(smtp_server, **extra):
    return {
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": str(smtp_server.port),
        "SMTP_SSL": "none",
        "SMTP_FROM": "MHHSQualification@elexon.co.uk",
        **extra,
    }


def test_acknowledgement_once_per_sender_per_case_per_day(imap, tmp_path, smtp_server):
    settings = imap.settings(tmp_path / "data", **reply_env(smtp_server, MAIL_ACKNOWLEDGE="true"))
    imap.append(eml("proposal_encoded_subject.eml"))
    summary = run_pass(settings)
    assert summary.replies == 1
    [ack] = smtp_server.wait_for(1)
    assert ack.rcpt_tos == ["bjorn@nordic-power.com"]
    msg = ack.message
    assert str(msg["Subject"]).strip() == "Re: [PR-0001] mhhs qualification / placing reliance PROPOSAL"
    assert msg["In-Reply-To"] == "<enc-002@nordic-power.com>"
    assert msg["Auto-Submitted"] == "auto-replied"
    body = msg.get_content()
    assert "PR-0001" in body and "performanceassurance@recmanager.co.uk" in body
    # The same sender resubmits the same day: joins the case, no second acknowledgement.
    resubmission = eml("proposal_encoded_subject.eml").replace(b"enc-002@", b"enc-002-again@")
    imap.append(resubmission)
    second = run_pass(settings)
    assert (second.updates, second.replies) == (1, 0)
    db = storage.connect(settings.database_path)
    assert [e["action"] for e in cases.case_events(db, "PR-0001")].count("acknowledged") == 1
    assert len(smtp_server.received) == 1


def test_no_reply_to_automatic_mail_or_own_addresses(imap, tmp_path, smtp_server):
    settings = imap.settings(
        tmp_path / "data",
        **reply_env(smtp_server, MAIL_ACKNOWLEDGE="true", MAIL_REDIRECT_REPLY="true"),
        MAIL_OWN_ADDRESSES="team@elexon.co.uk",
    )
    own = eml("proposal_complete.eml").replace(
        b"From: Jane Smith <Jane.Smith@acme-energy.co.uk>", b"From: team@elexon.co.uk"
    )
    retired_list = eml("retired_mailbox.eml").replace(
        b"Subject:", b"List-Id: <qt.localdno.co.uk>\r\nSubject:"
    )
    imap.append_many([eml("auto_reply.eml"), eml("bounce.eml"), own, retired_list])
    summary = run_pass(settings)
    assert summary.replies == 0 and summary.new_cases == 0
    assert smtp_server.received == []


def test_redirect_reply_from_the_retired_mailbox(imap, tmp_path, smtp_server):
    settings = imap.settings(tmp_path / "data", **reply_env(smtp_server, MAIL_REDIRECT_REPLY="true"))
    imap.append(eml("retired_mailbox.eml"))
    imap.append(eml("retired_mailbox.eml").replace(b"retired-005@", b"retired-005-b@"))
    run_pass(settings)
    [redirect] = smtp_server.wait_for(1)
    assert redirect.rcpt_tos == ["sam@localdno.co.uk"]
    assert redirect.message["In-Reply-To"] == "<retired-005@localdno.co.uk>"
    assert redirect.message["Auto-Submitted"] == "auto-replied"
    assert "MHHSQualification@elexon.co.uk" in redirect.message.get_content()
    assert len(smtp_server.received) == 1  # once a day per sender


def test_unreachable_smtp_keeps_the_reply_queued(imap, tmp_path, smtp_server):
    from tests.fixtures.mail import free_port

    down = reply_env(smtp_server, MAIL_ACKNOWLEDGE="true")
    down["SMTP_PORT"] = str(free_port())  # nothing listens there
    settings = imap.settings(tmp_path / "data", **down)
    imap.append(eml("proposal_complete.eml"))
    summary = run_pass(settings)
    assert summary.new_cases == 1 and summary.replies == 0  # the case is not held up
    db = storage.connect(settings.database_path)
    [row] = db.query("SELECT * FROM mail_outbox")
    assert row["sent_at"] is None and "cannot send mail" in row["last_error"]
    settings = imap.settings(tmp_path / "data", **reply_env(smtp_server, MAIL_ACKNOWLEDGE="true"))
    assert run_pass(settings).replies == 1
    assert str(smtp_server.wait_for(1)[0].message["Subject"]).strip().startswith("Re: [PR-0001]")
