"""Golden .eml files -> Email values and triage decisions (tests/data/mail/expected.json holds the answers)."""

import json
from pathlib import Path

import pytest

from bot.core.errors import MailError
from bot.core.settings import load_settings
from bot.mail.parse import parse_email, safe_filename
from bot.mail.rules import MailRules, decide

DATA = Path(__file__).parent / "data" / "mail"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    empty = tmp_path_factory.mktemp("env") / ".env"
    empty.touch()
    return MailRules.from_settings(load_settings(environ={}, env_file=empty))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_mail_parses_to_expected_values(name, rules):
    want = EXPECTED[name]
    email = parse_email((DATA / name).read_bytes())
    assert email.subject == want["subject"]
    assert email.sender == want["sender"]
    assert email.sender_name == want["sender_name"]
    assert email.message_id == want["message_id"]
    assert (email.date.isoformat() if email.date else None) == want["date"]
    got = [
        [a.filename, safe_filename(a.filename, fallback=f"attachment-{n}"), a.size]
        for n, a in enumerate(email.attachments, start=1)
    ]
    assert got == want["attachments"]
    assert want["text_contains"] in email.text

    decision = decide(email, rules)
    assert decision.subject_match == want["subject_match"]
    assert list(decision.missing_recipients) == want["missing_recipients"]
    assert [list(p) for p in decision.retired_hits] == want["retired"]
    assert decision.pqs_form is want["pqs_form"]
    assert bool(decision.automatic) is want["automatic"]
    assert decision.participant == want["participant"]
    assert decision.participant_id == want["participant_id"]
    assert decision.message_flags() == want["flags"]


def test_every_golden_file_has_expected_values_or_is_a_known_special_case():
    special = {"not_a_mail.eml", "duplicate_message_id_b.eml", "reply_by_in_reply_to.eml"}
    names = {p.name for p in DATA.glob("*.eml")}
    assert names - special == set(EXPECTED)


def test_bytes_that_are_not_a_mail_raise_mail_error():
    with pytest.raises(MailError, match="not a mail"):
        parse_email((DATA / "not_a_mail.eml").read_bytes())
    with pytest.raises(MailError, match="empty"):
        parse_email(b"  \r\n")


def test_same_message_id_gives_the_same_dedupe_key_and_no_id_falls_back_to_content():
    a = parse_email((DATA / "duplicate_message_id_a.eml").read_bytes())
    b = parse_email((DATA / "duplicate_message_id_b.eml").read_bytes())
    assert a.dedupe_key == b.dedupe_key == "mid:dup-011@acme-energy.co.uk"
    raw = (DATA / "retired_delivered_to_no_message_id.eml").read_bytes()
    c = parse_email(raw)
    relayed = parse_email(b"Received: from relay.example by mx.example\r\n" + raw)
    assert c.dedupe_key.startswith("sha256:")
    assert c.dedupe_key == relayed.dedupe_key  # a Received line added on the way is not a different mail
    assert parse_email(raw.replace(b"4.2", b"4.3")).dedupe_key != c.dedupe_key


def test_in_reply_to_and_references_are_read_without_brackets():
    email = parse_email((DATA / "reply_by_in_reply_to.eml").read_bytes())
    assert email.in_reply_to == "proposal-001@acme-energy.co.uk"
    assert email.references == ("proposal-001@acme-energy.co.uk",)


@pytest.mark.parametrize(
    "name, safe",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/abs/path/form.xlsx", "form.xlsx"),
        ("a\x00b\x1fc\x7f.pdf", "abc.pdf"),
        ("...", "attachment"),
        ("", "attachment"),
        ("rapport été.docx", "rapport été.docx"),
        ('a//b<>:"|?*.pdf', "b_.pdf"),
        ("x" * 300 + ".xlsx", "x" * 115 + ".xlsx"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe
