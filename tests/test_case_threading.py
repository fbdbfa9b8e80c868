"""Mail threads back to its case against a real Dovecot: by the [PR-…] tag, In-Reply-To, Outlook's Thread-Index,
or the same organisation and subject; a stranger naming a case is held for review and changes nothing of it."""

import base64

from bot import cases
from bot.mail.parse import parse_email
from bot.mail.rules import participant_of
from tests.casework_mail import TRACKED_SUBJECT, mail, proposal
from tests.test_mail_triage import TRACKED, open_db, run_pass


def case(settings, ref="PR-0001"):
    db = open_db(settings)
    try:
        return cases.case_to_dict(db, ref)
    finally:
        db.conn.close()


def actions(data):
    return [(e["action"], e["detail"]) for e in data["history"]]


def test_a_stranger_naming_a_case_is_held_for_review_and_changes_nothing(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append(proposal())
    run_pass(settings)
    before = case(settings)
    assert (before["participant"], before["participant_id"], before["flags"]) == (
        "Acme Energy Ltd",
        "ACME",
        [],
    )
    takeover = mail(
        "Mallory <mallory@rival-power.example>",
        f"PR-0001 {TRACKED_SUBJECT}",
        "takeover-1@rival-power.example",
        body="Our PQS form. MPID: EVIL\n\nMallory\nRival Power Ltd\n",
        to=("MHHSQualification@elexon.co.uk",),  # a missing recipient would raise a flag on a real submission
    )
    imap.append(takeover)
    summary = run_pass(settings)
    assert (summary.new_cases, summary.flagged) == (0, 1)
    after = case(settings)
    # Who the case is stays as it was: participant, MPID, sender, recipients checks.
    for key in ("participant", "participant_id", "sender", "missing_recipients", "pqs_form", "status"):
        assert after[key] == before[key], key
    assert after["flags"] == [cases.FLAG_REFERENCE_OTHER_SENDER]
    held = after["messages"][-1]
    assert (held["sender"], held["review"]) == (
        "mallory@rival-power.example",
        "reference from another sender",
    )
    assert (
        "flagged",
        "reference_other_sender (by mail <takeover-1@rival-power.example> from mallory@rival-power.example)",
    ) in actions(after)
    assert imap.count(TRACKED) == 2  # filed with the case for the team to look at, not lost


def test_a_colleague_from_the_same_organisation_joins_by_reference_or_subject(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    imap.append(proposal(form=False))
    run_pass(settings)
    assert case(settings)["flags"] == [cases.FLAG_MISSING_PQS_FORM]
    # A colleague's Outlook reply with no In-Reply-To and no reference: same organisation, same subject.
    colleague = mail(
        "Bob Jones <bob.jones@acme-energy.co.uk>",
        f"RE: {TRACKED_SUBJECT}",
        "colleague-1@acme-energy.co.uk",
        body="Jane is away; here is the form.\n",
        form=True,
    )
    tagged = mail(
        "Bob Jones <bob.jones@acme-energy.co.uk>",
        "Re: [PR-0001] signed copy",
        "colleague-2@acme-energy.co.uk",
    )
    imap.append_many([colleague, tagged])
    summary = run_pass(settings)
    assert (summary.new_cases, summary.updates) == (0, 2)
    data = case(settings)
    assert len(cases.list_cases(open_db(settings))) == 1
    assert [m["review"] for m in data["messages"]] == [None, None, None]
    assert data["flags"] == [] and data["participant_id"] == "ACME"
    # The history says which mail cleared the flag.
    assert (
        "flag cleared",
        "missing_pqs_form (by mail <colleague-1@acme-energy.co.uk> from bob.jones@acme-energy.co.uk)",
    ) in actions(data)


def test_an_outlook_answer_with_only_thread_index_joins_its_case(imap, tmp_path):
    settings = imap.settings(tmp_path / "data")
    root = base64.b64encode(bytes(range(22))).decode()
    imap.append(proposal(Thread_Index=root, Thread_Topic=TRACKED_SUBJECT))
    run_pass(settings)
    child = base64.b64encode(bytes(range(22)) + b"\x01\x02\x03\x04\x05").decode()
    answer = mail(
        "Jane Smith <jane.smith@acme-energy.co.uk>",
        "RE: your question",  # no tag, no In-Reply-To, a subject of its own
        "answer-1@acme-energy.co.uk",
        Thread_Index=child,
        Thread_Topic="your question",
    )
    imap.append(answer)
    assert run_pass(settings).updates == 1
    assert [m["message_id"] for m in case(settings)["messages"]][-1] == "answer-1@acme-energy.co.uk"


def test_mpid_is_the_id_after_the_label_not_a_word_of_it():
    for text, mpid in [
        ("Market Participant ID (MPID): NTHW", "NTHW"),
        ("Market Participant ID (MPID) NTHW", "NTHW"),
        ("Our MPID: ACME.", "ACME"),
        ("MP ID is ACME", "ACME"),
        ("our MPID (NTHW) and", "NTHW"),
    ]:
        email = parse_email(mail("x@northern.example", "Hello", "m@x", body=text + "\n"))
        assert participant_of(email)[1] == mpid, text
