"""Triage rules without a server: subject matching, references, automatic mail, participants."""

import pytest

from bot.mail.parse import parse_email
from bot.mail.rules import (
    NEAR_MISS,
    TRACKED_EXACT,
    TRACKED_LOOSE,
    automatic_reason,
    find_reference,
    organisation_from_domain,
    subject_match,
    thread_subject,
)

TRACKED = "MHHS Qualification/Placing Reliance Proposal"


@pytest.mark.parametrize(
    "subject, match",
    [
        ("MHHS Qualification/Placing Reliance Proposal", TRACKED_EXACT),
        ("Re: MHHS Qualification/Placing Reliance Proposal", TRACKED_EXACT),
        ("RE: RE: Fwd: FW: AW: MHHS Qualification/Placing Reliance Proposal", TRACKED_EXACT),
        ("[EXTERNAL] Re: [Ext] MHHS Qualification/Placing Reliance Proposal", TRACKED_EXACT),
        ("Re[2]: MHHS Qualification/Placing Reliance Proposal", TRACKED_EXACT),
        ("Re: [PR-0042] MHHS Qualification/Placing Reliance Proposal", TRACKED_EXACT),
        ("mhhs qualification/placing reliance proposal", TRACKED_LOOSE),
        ("MHHS Qualification / Placing Reliance Proposal", TRACKED_LOOSE),
        ("MHHS  Qualification /Placing   Reliance Proposal", TRACKED_LOOSE),
        ("MHHS Qualification/ Placing Reliance Proposal ", TRACKED_LOOSE),
        ("Placing Reliance proposal form", NEAR_MISS),
        ("MHHS Qualification Placing Reliance Proposal", NEAR_MISS),
        ("MHHS Qualification/Placing Reliance Proposals - Acme", NEAR_MISS),
        ("MHHS Qualification/Placing Reliance Propsal", NEAR_MISS),
        ("QT scheduling question", None),
        ("MHHS Qualification question", None),
        ("", None),
    ],
)
def test_tracked_subject_matching(subject, match):
    assert subject_match(subject, TRACKED) == match


def test_encoded_words_are_decoded_before_matching():
    raw = (
        b"From: a@b.example\r\nSubject: =?utf-8?Q?RE:_MHHS_Qualification/Placing?=\r\n"
        b" =?utf-8?Q?_Reliance_Proposal?=\r\n\r\nbody\r\n"
    )
    email = parse_email(raw)
    assert email.subject == "RE: MHHS Qualification/Placing Reliance Proposal"
    assert subject_match(email.subject, TRACKED) == TRACKED_EXACT


def test_references_and_thread_subjects():
    assert find_reference("Re: [pr-7] revised form") == "PR-0007"
    assert find_reference("Re: PR-0012: query") == "PR-0012"
    assert find_reference("APR-2026 plan") is None
    assert thread_subject("RE: [PR-0001] MHHS Qualification / Placing Reliance Proposal") == thread_subject(
        TRACKED
    )


def _mail(headers: str, sender: str = "jane@acme.example") -> bytes:
    return f"From: {sender}\r\nSubject: x\r\n{headers}\r\nbody\r\n".encode()


@pytest.mark.parametrize(
    "headers, sender, automatic",
    [
        ("", "jane@acme.example", False),
        ("Auto-Submitted: no\r\n", "jane@acme.example", False),
        ("Auto-Submitted: auto-generated\r\n", "jane@acme.example", True),
        ("Precedence: bulk\r\n", "jane@acme.example", True),
        ("Precedence: junk\r\n", "jane@acme.example", True),
        ("List-Id: <news.acme.example>\r\n", "jane@acme.example", True),
        ("X-Auto-Response-Suppress: OOF\r\n", "jane@acme.example", True),
        ("Return-Path: <>\r\n", "jane@acme.example", True),
        ("", "MAILER-DAEMON@mx.acme.example", True),
        ("", "postmaster@acme.example", True),
        ("", "team@elexon.example", True),
    ],
)
def test_automatic_mail_is_recognised(headers, sender, automatic):
    email = parse_email(_mail(headers, sender))
    assert bool(automatic_reason(email, frozenset({"team@elexon.example"}))) is automatic


@pytest.mark.parametrize(
    "domain, name",
    [
        ("acme-energy.co.uk", "Acme Energy"),
        ("mail.nordic-power.com", "Nordic Power"),
        ("brightgrid.org.uk", "Brightgrid"),
        ("example", "Example"),
    ],
)
def test_organisation_from_domain(domain, name):
    assert organisation_from_domain(domain) == name
