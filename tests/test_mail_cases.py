"""The case record: references, statuses, owner, notes and the append-only audit trail."""

import sqlite3

import pytest

from bot import cases, storage
from bot.core.errors import CaseError


@pytest.fixture
def db(tmp_path):
    db = storage.connect(tmp_path / "assistant.db")
    yield db
    db.conn.close()


def _open(db, sender="jane@acme.example"):
    return cases.open_case(
        db,
        subject="MHHS Qualification/Placing Reliance Proposal",
        thread_subject="mhhs qualification/placing reliance proposal",
        sender=sender,
        received_at="2026-01-12T09:15:00+00:00",
        participant="Acme Energy",
    )


def test_references_are_allocated_in_order(db):
    assert [_open(db) for _ in range(3)] == ["PR-0001", "PR-0002", "PR-0003"]
    assert [c.ref for c in cases.list_cases(db)] == ["PR-0003", "PR-0002", "PR-0001"]
    assert cases.get_case(db, "pr-2").ref == "PR-0002"


def test_unknown_or_malformed_reference_is_refused(db):
    with pytest.raises(CaseError, match="no case PR-0009"):
        cases.get_case(db, "PR-0009")
    with pytest.raises(CaseError, match="not a case reference"):
        cases.get_case(db, "case 9")


def test_status_path_and_reopen_are_recorded(db):
    ref = _open(db)
    cases.change_status(db, ref, cases.UNDER_REVIEW, "U01")
    cases.change_status(db, ref, cases.CLARIFICATION_REQUESTED, "U01", reason="form unsigned")
    assert cases.FLAG_AWAITING_PARTICIPANT in cases.get_case(db, ref).all_flags
    cases.change_status(db, ref, cases.UNDER_REVIEW, "U01")
    cases.change_status(db, ref, cases.ACCEPTED, "U02")
    case = cases.reopen(db, ref, "U02", reason="PAB query")
    assert case.status == cases.UNDER_REVIEW
    history = [(e["actor"], e["action"], e["detail"]) for e in cases.case_events(db, ref)]
    assert history == [
        ("triage", "opened", "from jane@acme.example: MHHS Qualification/Placing Reliance Proposal"),
        ("U01", "status", "new -> under_review"),
        ("U01", "status", "under_review -> clarification_requested: form unsigned"),
        ("U01", "status", "clarification_requested -> under_review"),
        ("U02", "status", "under_review -> accepted"),
        ("U02", "reopened", "accepted -> under_review: PAB query"),
    ]


@pytest.mark.parametrize(
    "path, refused",
    [
        ([], cases.ACCEPTED),  # new cannot be accepted unreviewed
        ([cases.UNDER_REVIEW, cases.REJECTED], cases.UNDER_REVIEW),  # closed: reopen first
        ([cases.WITHDRAWN], cases.ACCEPTED),
        ([cases.UNDER_REVIEW], cases.UNDER_REVIEW),  # no change
        ([], "archived"),  # not a status
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(db, path, refused):
    ref = _open(db)
    for status in path:
        cases.change_status(db, ref, status, "U01")
    before = cases.get_case(db, ref)
    events = len(cases.case_events(db, ref))
    with pytest.raises(CaseError):
        cases.change_status(db, ref, refused, "U01")
    assert cases.get_case(db, ref).status == before.status
    assert len(cases.case_events(db, ref)) == events


def test_reopen_only_closed_cases(db):
    ref = _open(db)
    with pytest.raises(CaseError, match="not closed"):
        cases.reopen(db, ref, "U01")


def test_owner_and_notes(db):
    ref = _open(db)
    cases.assign_owner(db, ref, "U07", "U01")
    with pytest.raises(CaseError, match="already owned"):
        cases.assign_owner(db, ref, "U07", "U01")
    cases.add_note(db, ref, "Called the participant; form to follow.", "U07")
    with pytest.raises(CaseError, match="empty note"):
        cases.add_note(db, ref, "   ", "U07")
    cases.assign_owner(db, ref, None, "U01")
    data = cases.case_to_dict(db, ref)
    assert data["owner"] is None
    assert [n["text"] for n in data["notes"]] == ["Called the participant; form to follow."]
    assert [e["action"] for e in data["history"]] == ["opened", "owner", "note", "owner"]
    assert data["history"][1]["detail"] == "- -> U07"
    assert cases.list_cases(db, owner="U07") == []


def test_audit_trail_cannot_be_edited_or_deleted(db):
    ref = _open(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE case_events SET detail = 'edited'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM case_events")
    assert len(cases.case_events(db, ref)) == 1


def test_case_to_dict_has_the_documented_fields(db):
    ref = _open(db)
    cases.set_slack_post(db, ref, "C0TEAM", "1700000000.000001")
    data = cases.case_to_dict(db, ref)
    for key in (
        "ref", "status", "subject", "participant", "sender", "received_at", "message_count", "attachments",
        "missing_recipients", "retired_mailbox", "flags", "messages", "history", "owner", "notes",
    ):  # fmt: skip
        assert key in data
    assert data["retired_mailbox"] is False
    assert data["slack"] == {"channel": "C0TEAM", "ts": "1700000000.000001"}
    assert cases.case_to_dict(db, ref, detail=False).keys() >= {"ref", "flags"}


def test_list_filters(db):
    a, b = _open(db), _open(db, sender="bob@other.example")
    cases.change_status(db, b, cases.WITHDRAWN, "U01")
    assert [c.ref for c in cases.list_cases(db, status=cases.WITHDRAWN)] == [b]
    assert [c.ref for c in cases.list_cases(db, open_only=True)] == [a]
    with pytest.raises(CaseError, match="unknown status"):
        cases.list_cases(db, status="closed")
