"""The triage pass against a real Dovecot: cases, folders, duplicates, attachments, Slack posts, failures."""

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import cases, storage
from handlers.mail.imap import CONNECTION_ERRORS, Mailbox
from handlers.mail.inbox import InboxTriage

DATA = Path(__file__).parent / "data" / "mail"
TRACKED = "Triaged/Placing Reliance"
RETIRED = "Triaged/Retired mailbox"
OTHER = "Triaged/Other"
QUARANTINE = "Triaged/Quarantine"


def eml(name: str) -> bytes:
    return (DATA / name).read_bytes()


def slack_env(slack_api) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack_api.api_url,
        "SLACK_TEAM_CHANNEL": "C0TEAM",
    }


def run_pass(settings, backfill=False):
    db = storage.connect(settings.database_path)
    try:
        with Mailbox.open(settings) as mailbox:
            return InboxTriage(settings, db).run_pass(mailbox, backfill=backfill)
    finally:
        db.conn.close()


def open_db(settings):
    return storage.connect(settings.database_path)


def test_inbox_becomes_cases_flags_and_folders(imap, tmp_path, slack_api):
    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    imap.append(eml("proposal_complete.eml"), received=datetime(2026, 1, 12, 10, 0, 5, tzinfo=UTC))
    for name in (
        "proposal_encoded_subject.eml",
        "near_miss.eml",
        "retired_mailbox.eml",
        "non_utf8_charsets.eml",
        "auto_reply.eml",
        "bounce.eml",
    ):
        imap.append(eml(name))
    summary = run_pass(settings)
    assert summary.line() == (
        "fetched 7, new cases 3, updates 0, flagged 3, quarantined 0, failed 0, duplicates 0"
    )
    assert imap.count("INBOX") == 0
    assert imap.count(TRACKED) == 3
    assert imap.count(RETIRED) == 1
    assert imap.count(OTHER) == 3

    db = open_db(settings)
    found = {c.ref: c for c in cases.list_cases(db)}
    assert sorted(found) == ["PR-0001", "PR-0002", "PR-0003"]
    first = cases.case_to_dict(db, "PR-0001")
    assert first["participant"] == "Acme Energy Ltd"
    assert first["participant_id"] == "ACME"
    assert first["sender"] == "jane.smith@acme-energy.co.uk"
    assert first["received_at"] == "2026-01-12T10:00:05+00:00"  # when the server took it in
    assert first["messages"][0]["sent_at"] == "2026-01-12T09:15:00+00:00"  # the sender's Date header
    assert first["flags"] == []
    assert first["missing_recipients"] == []
    assert first["message_count"] == 1
    assert [a["filename"] for a in first["attachments"]] == ["PQS form - Acme.xlsx"]
    stored = settings.data_dir / first["attachments"][0]["path"]
    assert stored.read_bytes()[:4] == b"PK\x03\x04"
    second = cases.case_to_dict(db, "PR-0002")
    assert second["flags"] == ["missing_recipient", "subject_not_exact"]
    assert second["missing_recipients"] == ["performanceassurance@recmanager.co.uk"]
    third = cases.case_to_dict(db, "PR-0003")
    assert third["flags"] == ["missing_pqs_form", "subject_near_miss"]
    assert [e["actor"] for e in third["history"]] == ["triage", "triage", "triage"]
    assert [e["action"] for e in third["history"]] == ["opened", "message", "flagged"]

    posts = slack_api.wait_for("chat.postMessage", count=4)
    texts = [p.args["text"] for p in posts]
    assert texts[0].startswith("New Placing Reliance case PR-0001 from Acme Energy Ltd (ACME)")
    assert "flagged: missing recipient: performanceassurance@recmanager.co.uk" in texts[1]
    assert "subject near miss" in texts[2]
    assert "retired mailbox ldso_qt@mhhsprogramme.co.uk from sam@localdno.co.uk" in texts[3]
    assert "MHHSQualification@elexon.co.uk" in texts[3]
    assert all(p.args["channel"] == "C0TEAM" for p in posts)
    first_case = cases.get_case(db, "PR-0001")
    assert (first_case.slack_channel, first_case.slack_ts) == ("C0TEAM", "1700000000.000001")

    again = run_pass(settings)  # nothing new: nothing changes
    assert again.fetched == 0 and len(cases.list_cases(db)) == 3
    assert len(slack_api.calls_to("chat.postMessage")) == 4


def test_replies_join_their_case_and_the_same_mail_never_counts_twice(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append(eml("proposal_complete.eml"))
    assert run_pass(settings).new_cases == 1
    imap.append_many(
        [
            eml("reply_with_reference.eml"),  # by PR-0001 in the subject
            eml("reply_by_in_reply_to.eml"),  # by In-Reply-To
            eml("proposal_complete.eml"),  # the same mail again (same Message-ID)
            eml("duplicate_message_id_a.eml"),  # same sender and subject: joins as a resubmission
            eml("duplicate_message_id_b.eml"),  # same Message-ID as the one before
        ]
    )
    summary = run_pass(settings)
    assert (summary.fetched, summary.new_cases, summary.updates, summary.duplicates) == (5, 0, 3, 2)
    assert imap.count("INBOX") == 0 and imap.count(TRACKED) == 6
    db = open_db(settings)
    data = cases.case_to_dict(db, "PR-0001")
    assert data["message_count"] == 4
    assert [a["filename"] for a in data["attachments"]] == ["PQS form - Acme.xlsx", "PQS form v2.xls"]
    # The resubmission without a form is the latest submission; a form is on the case already.
    assert data["pqs_form"] is True and data["flags"] == []
    assert [e["action"] for e in data["history"]].count("message") == 4


def test_mail_without_message_id_is_recognised_by_content(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    raw = eml("retired_delivered_to_no_message_id.eml")
    imap.append(raw)
    run_pass(settings)
    imap.append(b"Received: from relay.example by mx.example\r\n" + raw)
    summary = run_pass(settings)
    assert summary.duplicates == 1
    assert imap.count(RETIRED) == 2
    db = open_db(settings)
    assert db.execute("SELECT count(*) FROM mail_messages").fetchone()[0] == 1


def test_hostile_attachment_names_are_stored_safely(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append(eml("hostile_attachment_names.eml"))
    run_pass(settings)
    db = open_db(settings)
    attachments = cases.case_to_dict(db, "PR-0001")["attachments"]
    base = (settings.data_dir / "mail" / "attachments").resolve()
    assert [a["stored_name"] for a in attachments] == [
        "passwd",
        "absolute.pdf",
        "evil.docx",
        "ctlchars.xlsx",
        "attachment-5",
    ]
    for a in attachments:
        path = (settings.data_dir / a["path"]).resolve()
        assert path.is_relative_to(base) and path.is_file()
        assert path.stat().st_size == a["size"] == 100
        assert len(a["sha256"]) == 64
    assert not (tmp_path / "etc").exists()


def test_oversized_attachment_is_recorded_not_stored(imap, tmp_path):
    settings = imap.settings(tmp_path / "data", MAIL_MAX_ATTACHMENT_MB="0.05")
    imap.append(eml("large_part.eml"))
    run_pass(settings)
    db = open_db(settings)
    data = cases.case_to_dict(db, "PR-0001")
    [scan] = data["attachments"]
    assert scan["stored"] is False and scan["path"] is None
    assert scan["size"] == 80009 and len(scan["sha256"]) == 64
    assert "not stored" in scan["note"]
    assert "attachment_not_stored" in data["flags"]
    assert not list((settings.data_dir / "mail").rglob("scan.pdf"))


def test_first_run_takes_mail_since_the_date_unless_backfill(imap, tmp_path):
    old = eml("retired_mailbox.eml")
    imap.append(old)  # INTERNALDATE is now: move the window past it
    settings = imap.settings(tmp_path / "data", MAIL_SINCE="2999-01-01")
    assert run_pass(settings).fetched == 0
    assert imap.count("INBOX") == 1
    assert run_pass(settings, backfill=True).fetched == 1
    assert imap.count("INBOX") == 0


def test_uidvalidity_change_resyncs_without_duplicates(imap, tmp_path, slack_api):
    settings = imap.settings(tmp_path / "data", IMAP_FOLDER="Shared", **slack_env(slack_api))
    mails = [
        eml("proposal_complete.eml"),
        eml("near_miss.eml"),
        eml("retired_delivered_to_no_message_id.eml"),
    ]
    imap.append_many(mails, folder="Shared")
    assert run_pass(settings).new_cases == 2
    db = open_db(settings)
    before = db.execute("SELECT uidvalidity FROM mail_folders").fetchone()[0]
    # The folder is deleted and restored with the same mail (and one new): a new UIDVALIDITY.
    with imap.client() as c:
        c.delete_folder("Shared")
    imap.append_many([*mails, eml("proposal_encoded_subject.eml")], folder="Shared")
    summary = run_pass(settings)
    assert db.execute("SELECT uidvalidity FROM mail_folders").fetchone()[0] != before
    assert (summary.fetched, summary.duplicates, summary.new_cases) == (4, 3, 1)
    assert [c.ref for c in cases.list_cases(db)] == ["PR-0003", "PR-0002", "PR-0001"]
    assert imap.count("Shared") == 0
    assert len(slack_api.wait_for("chat.postMessage", count=4)) == 4


def test_a_dropped_connection_mid_batch_loses_and_duplicates_nothing(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append_many([eml("proposal_complete.eml"), eml("near_miss.eml"), eml("retired_mailbox.eml")])
    db = open_db(settings)
    triage = InboxTriage(settings, db)
    mailbox = Mailbox.open(settings)

    def drop_link(uids):
        mailbox.client.socket().shutdown(socket.SHUT_RDWR)  # the link drops after the commit, before the move

    triage.before_move = drop_link
    with pytest.raises(CONNECTION_ERRORS):
        triage.run_pass(mailbox)
    assert len(cases.list_cases(db)) == 2  # committed
    assert imap.count("INBOX") == 3  # not moved yet
    summary = run_pass(settings)
    assert (summary.duplicates, summary.new_cases) == (3, 0)
    assert imap.count("INBOX") == 0 and imap.count(TRACKED) == 2 and imap.count(RETIRED) == 1
    assert db.execute("SELECT count(*) FROM mail_messages WHERE moved = 0").fetchone()[0] == 0
    assert len(cases.list_cases(db)) == 2


def test_broken_mail_is_kept_retried_quarantined_and_never_blocks_the_rest(imap, tmp_path):
    settings = imap.settings(tmp_path / "data", MAIL_MAX_TRIES="3")
    broken = eml("not_a_mail.eml")
    imap.append_many([eml("proposal_complete.eml"), broken, eml("near_miss.eml")])
    [broken] = [m for m in imap.messages("INBOX") if b"garbage" in m]  # as the server keeps it (NUL -> 0x80)
    first = run_pass(settings)
    assert (first.new_cases, first.failed, first.quarantined) == (2, 1, 0)
    assert imap.messages("INBOX") == [broken]
    db = open_db(settings)
    [failure] = db.query("SELECT * FROM mail_failures")
    assert (settings.data_dir / failure["raw_path"]).read_bytes() == broken
    assert failure["reason"] == "MailError: not a mail: no header fields"
    imap.append(eml("retired_mailbox.eml"))
    second = run_pass(settings)
    assert (second.fetched, second.failed, second.quarantined) == (2, 1, 0)
    third = run_pass(settings)
    assert (third.fetched, third.failed, third.quarantined) == (1, 0, 1)
    assert imap.messages(QUARANTINE) == [broken]
    assert imap.count("INBOX") == 0
    [failure] = db.query("SELECT * FROM mail_failures")
    assert (failure["tries"], failure["quarantined"], failure["folder"]) == (3, 1, QUARANTINE)
    assert run_pass(settings).fetched == 0  # quarantined mail is left alone


def test_quarantined_mail_can_be_reprocessed(imap, tmp_path):
    settings = imap.settings(tmp_path / "data", MAIL_MAX_TRIES="2")
    # The attachments folder is blocked by a file: storing the form fails until someone fixes the disk.
    blocker = settings.data_dir / "mail" / "attachments"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    imap.append(eml("proposal_complete.eml"))
    run_pass(settings)
    assert run_pass(settings).quarantined == 1
    db = open_db(settings)
    assert cases.list_cases(db) == []
    [failure] = db.query("SELECT * FROM mail_failures")
    assert "NotADirectoryError" in failure["reason"] or "FileExistsError" in failure["reason"]
    blocker.unlink()
    db2 = open_db(settings)
    triage = InboxTriage(settings, db2)
    with Mailbox.open(settings) as mailbox:
        triage.release_quarantined(mailbox, failure["id"])
        summary = triage.run_pass(mailbox)
    assert summary.new_cases == 1
    assert imap.count(QUARANTINE) == 0 and imap.count(TRACKED) == 1
    [failure] = db.query("SELECT * FROM mail_failures")
    assert failure["resolved_at"] is not None
    assert json.loads(json.dumps(cases.case_to_dict(db, "PR-0001")))["attachments"][0]["stored"] is True


def test_large_mails_are_fetched_in_smaller_groups(imap, tmp_path, monkeypatch):
    from handlers.mail import imap as mail_imap

    monkeypatch.setattr(mail_imap, "FETCH_BATCH_BYTES", 2000)  # each of these mails is larger than that
    settings = imap.settings(tmp_path / "data")
    imap.append_many(
        [eml("proposal_complete.eml"), eml("proposal_encoded_subject.eml"), eml("large_part.eml")]
    )
    with Mailbox.open(settings) as mailbox:
        mailbox.select("INBOX")
        fetched = list(mailbox.fetch(mailbox.all_uids()))
    assert [len(m.raw) for m in fetched] == [len(r) for r in imap.messages("INBOX")]
    assert run_pass(settings).new_cases == 3
