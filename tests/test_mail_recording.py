"""Recording mail without a server: the domain queues posts and replies, keeps sync state and failures."""

import pytest

from bot import cases, storage
from bot.core.errors import MailError
from bot.mail import failures, outbox, sync_state
from bot.mail.parse import parse_email
from bot.mail.recording import MailRecorder
from tests.fixtures.mail import settings_from
from tests.test_mail_triage import eml


@pytest.fixture
def settings(tmp_path):
    return settings_from(
        {
            "MHHS_DATA_DIR": str(tmp_path / "data"),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_TEAM_CHANNEL": "C0TEAM",
            "MAIL_SINCE": "2000-01-01",
        },
        tmp_path / "data",
    )


@pytest.fixture
def db(settings):
    db = storage.connect(settings.database_path)
    yield db
    db.conn.close()


def test_a_proposal_opens_a_case_and_queues_its_post_without_sending(settings, db):
    recorded = MailRecorder(settings, db).record(
        parse_email(eml("proposal_complete.eml")), uidvalidity=7, uid=1
    )
    assert (recorded.case_ref, recorded.new_case, recorded.duplicate) == ("PR-0001", True, False)
    assert recorded.target_folder == settings.mail.folder_tracked
    [entry] = outbox.unsent(db)
    assert (entry.kind, entry.case_ref, entry.is_slack) == (outbox.SLACK_CASE, "PR-0001", True)
    again = MailRecorder(settings, db).record(parse_email(eml("proposal_complete.eml")))
    assert again.duplicate and again.case_ref == "PR-0001"
    assert len(outbox.unsent(db)) == 1 and len(cases.list_cases(db)) == 1


def test_outbox_entries_are_marked_sent_or_kept_with_their_reason(db):
    outbox.queue(db, outbox.SLACK_RETIRED, None, {"sender": "a@b.example"})
    outbox.queue_post_refresh(db, "PR-0001")
    outbox.queue_post_refresh(db, "PR-0001")  # once per pass, however many mails joined the case
    first, refresh = outbox.unsent(db)
    assert refresh.kind == outbox.SLACK_REFRESH and first.payload == {"sender": "a@b.example"}
    outbox.mark_failed(db, first, RuntimeError("slack down"))
    outbox.mark_sent(db, refresh)
    [left] = outbox.unsent(db)
    assert left.id == first.id
    assert db.execute("SELECT tries, last_error FROM mail_outbox WHERE id = ?", [first.id]).fetchone() == (
        1,
        "slack down",
    )
    for _ in range(outbox.OUTBOX_MAX_TRIES):
        outbox.mark_failed(db, first, "still down")
    assert outbox.unsent(db) == []  # given up on


def test_one_reply_a_day_per_kind_recipient_and_case(db):
    assert outbox.first_reply_today(db, outbox.ACKNOWLEDGEMENT, "PR-0001", "a@b.example")
    assert not outbox.first_reply_today(db, outbox.ACKNOWLEDGEMENT, "PR-0001", "a@b.example")
    assert outbox.first_reply_today(db, outbox.ACKNOWLEDGEMENT, "PR-0002", "a@b.example")
    assert outbox.first_reply_today(db, outbox.REDIRECT, "", "a@b.example")


def test_a_new_uidvalidity_starts_the_folder_again_with_the_same_since_date(settings, db):
    state = sync_state.folder_state(db, settings, "INBOX", 100)
    assert (state["last_uid"], state["since"]) == (0, "2000-01-01")
    sync_state.advance_last_uid(db, "INBOX", 42)
    sync_state.advance_last_uid(db, "INBOX", 7)  # never moves back
    assert sync_state.folder_state(db, settings, "INBOX", 100)["last_uid"] == 42
    assert sync_state.folder_state(db, settings, "INBOX", 200)["last_uid"] == 0


def test_failed_mail_is_saved_counted_and_released_from_quarantine(settings, db):
    raw = b"garbage"
    for expected in (1, 2):
        failure_id, tries = failures.record_failure(
            db, settings, folder="INBOX", uidvalidity=1, uid=5, raw=raw, exc=ValueError("bad")
        )
        assert tries == expected
    assert sync_state.retry_uids(db, "INBOX", 1) == {5}
    [row] = failures.failures(db, quarantined_only=False)
    assert failures.raw_copy(settings, row).read_bytes() == raw and row["reason"] == "ValueError: bad"
    with pytest.raises(MailError, match="not quarantined"):
        failures.releasable(db, failure_id)
    failures.mark_quarantined(db, "Triaged/Quarantine", [failure_id])
    assert failures.releasable(db, failure_id) == failures.content_digest(raw)
    assert sync_state.retry_uids(db, "INBOX", 1) == set()
    failures.mark_released(db, failure_id, "INBOX")
    failures.resolve_failure(db, raw)
    assert failures.failures(db, quarantined_only=False) == []
