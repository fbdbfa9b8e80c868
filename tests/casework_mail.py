"""Mail a participant (or anyone) sends, built for case-work tests."""

from __future__ import annotations

from email.message import EmailMessage

REQUIRED = ("MHHSQualification@elexon.co.uk", "performanceassurance@recmanager.co.uk")
TRACKED_SUBJECT = "MHHS Qualification/Placing Reliance Proposal"


def mail(
    sender: str,
    subject: str,
    message_id: str,
    body: str = "Hello,\nplease see attached.\n",
    to: tuple[str, ...] = REQUIRED,
    form: bool = False,
    date: str = "Tue, 20 Jan 2026 10:00:00 +0000",
    **headers: str,
) -> bytes:
    """One mail as raw bytes; ``headers`` as ``In_Reply_To="<x@y>"`` (underscores become dashes)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = f"<{message_id}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    if form:
        msg.add_attachment(
            b"PK pretend spreadsheet",
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename="PQS form.xlsx",
        )
    return msg.as_bytes()


def proposal(form: bool = True, **kw) -> bytes:
    """Jane Smith of Acme Energy (ACME) sends a proposal to both mailboxes."""
    return mail(
        "Jane Smith <jane.smith@acme-energy.co.uk>",
        TRACKED_SUBJECT,
        kw.pop("message_id", "proposal-100@acme-energy.co.uk"),
        body="Hello,\nplease find our PQS form attached. Our MPID: ACME.\n\nJane Smith\nAcme Energy Ltd\n",
        form=form,
        date="Mon, 12 Jan 2026 09:15:00 +0000",
        **kw,
    )
