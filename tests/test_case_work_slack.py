"""Case work from Slack, through signed requests to the running app: the Reply form mails the participant over a
real aiosmtpd; /mhhs case PR-0002 merge PR-0001 moves everything and is audited. Merge from the command line too."""

import json
import time
from urllib.parse import urlencode

import pytest

from bot import cases, storage
from handlers.slack import case_blocks, reply_blocks
from tests.fixtures.slack_api import TEAM_ID
from tests.fixtures.slack_app import ASKER, TEAM_CHANNEL, TEAM_MEMBER, blocks_text
from tests.test_slack_cases import OTHER_MEMBER, POST_TS, act, case_now, command, seed_case, updates_of_post

TEAM = "MHHSQualification@elexon.co.uk"
REQUIRED = ["MHHSQualification@elexon.co.uk", "performanceassurance@recmanager.co.uk"]


@pytest.fixture
def mail_app(make_slack_app, smtp_server):
    app = make_slack_app(
        SMTP_HOST=smtp_server.host, SMTP_PORT=str(smtp_server.port), SMTP_SSL="none", SMTP_FROM=TEAM
    )
    app.api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER, OTHER_MEMBER]
    seed_case(app.settings)
    return app


def view_of(call) -> dict:
    view = call.args["view"]
    return view if isinstance(view, dict) else json.loads(view)


def form_state(form: dict, text: str | None = None) -> dict:
    """The form's state as Slack reports it: each input holding its initial value (or ``text`` for the text)."""
    values = {}
    for block in form["blocks"]:
        if block["type"] != "input":
            continue
        value = block["element"].get("initial_value", "")
        if block["block_id"].startswith(reply_blocks.TEXT_BLOCK_PREFIX) and text is not None:
            value = text
        values[block["block_id"]] = {"value": {"type": "plain_text_input", "value": value}}
    return {"values": values}


def view_payload(kind: str, form: dict, state: dict, user=TEAM_MEMBER, **extra) -> str:
    payload = {
        "type": kind,
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0000001",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger.{time.monotonic_ns()}",
        "view": {
            "id": "V0REPLY",
            "hash": "h1",
            "type": "modal",
            "callback_id": form["callback_id"],
            "private_metadata": form["private_metadata"],
            "state": state,
        },
        **extra,
    }
    return urlencode({"payload": json.dumps(payload)})


FORM = "application/x-www-form-urlencoded"


def test_reply_form_sends_the_mail_and_stores_it_on_the_case(mail_app, smtp_server):
    app = mail_app
    act(app, {"action_id": reply_blocks.ACTION_REPLY, "type": "button", "value": "PR-0001"})
    [opened] = app.api.wait_for("views.open")
    form = view_of(opened)
    assert form["callback_id"] == reply_blocks.REPLY_MODAL
    state = form_state(form)["values"]
    assert state[reply_blocks.TO_BLOCK]["value"]["value"] == "jane@acme.example"  # pre-filled
    assert state[reply_blocks.CC_BLOCK]["value"]["value"] == ", ".join(REQUIRED)

    # Picking a template fills the text in.
    pick = {
        "type": "block_actions",
        "container": {"type": "view", "view_id": "V0REPLY"},
        "actions": [
            {
                "action_id": reply_blocks.ACTION_REPLY_TEMPLATE,
                "block_id": reply_blocks.TEMPLATE_BLOCK,
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "Missing PQS form"}, "value": "missing_pqs_form"},
                "action_ts": str(time.time()),
            }
        ],
    }  # fmt: skip
    body = view_payload(
        "block_actions", form, form_state(form), **{k: v for k, v in pick.items() if k != "type"}
    )
    assert app.post(body, FORM).status == 200
    [updated] = app.api.wait_for("views.update")
    filled = view_of(updated)
    text = [b for b in filled["blocks"] if b.get("block_id", "").startswith(reply_blocks.TEXT_BLOCK_PREFIX)][
        0
    ]
    assert (
        "completed PQS form" in text["element"]["initial_value"]
        and "PR-0001" in text["element"]["initial_value"]
    )

    # An empty text is refused in the form; an edited template text is sent.
    empty = app.post(view_payload("view_submission", filled, form_state(filled, text="  ")), FORM)
    assert empty.json()["response_action"] == "errors"
    edited = text["element"]["initial_value"] + "\nP.S. The form must be signed by a director.\n"
    assert (
        app.post(view_payload("view_submission", filled, form_state(filled, text=edited)), FORM).status == 200
    )
    [sent] = smtp_server.wait_for(1)
    assert sorted(sent.rcpt_tos) == sorted(["jane@acme.example", *REQUIRED])
    msg = sent.message
    assert msg["Subject"] == "[PR-0001] MHHS Qualification/Placing Reliance Proposal"
    assert msg["In-Reply-To"] == "<PR-0001@acme.example>" and msg["From"] == TEAM
    assert "signed by a director" in msg.get_content()
    app.settle()
    data = case_now(app)
    out = data["messages"][-1]
    assert (out["direction"], out["author"], out["delivery"]) == ("out", TEAM_MEMBER, "sent")
    assert (
        data["status"] == cases.CLARIFICATION_REQUESTED
    )  # the template's status, though the text was edited
    assert any(e["action"] == "reply sent" and e["actor"] == TEAM_MEMBER for e in data["history"])
    told = [c.args for c in app.api.calls_to("chat.postMessage") if c.args.get("channel") == TEAM_MEMBER]
    assert told and "Reply on PR-0001 sent to jane@acme.example" in told[-1]["text"]
    assert "new -&gt; clarification_requested: reply &lt;" in blocks_text(updates_of_post(app)[-1]["blocks"])


def test_people_outside_the_team_cannot_open_the_reply_form(mail_app, smtp_server):
    app = mail_app
    act(app, {"action_id": reply_blocks.ACTION_REPLY, "type": "button", "value": "PR-0001"}, user=ASKER)
    app.settle()
    assert app.api.calls_to("views.open") == []
    assert smtp_server.received == []


def test_merge_from_slack_moves_everything_and_is_audited(mail_app):
    app = mail_app
    seed_case(app.settings, posted=False)  # PR-0002, the duplicate
    db = storage.connect(app.settings.database_path)
    cases.add_note(db, "PR-0002", "same proposal as PR-0001", author=TEAM_MEMBER)
    db.conn.close()
    refused = command(app, "case PR-0002 merge PR-0002")
    assert "cannot be merged into itself" in json.dumps(refused)
    outsider = command(app, "case PR-0002 merge PR-0001", user=ASKER)
    assert case_now(app, "PR-0002")["merged_into"] is None and "qualification team" in json.dumps(outsider)
    view = command(app, "case PR-0002 merge PR-0001")
    assert "PR-0002 merged into PR-0001: 1 mails, 1 attachments, 1 notes" in blocks_text(view["blocks"])
    kept, pointer = case_now(app, "PR-0001"), case_now(app, "PR-0002")
    assert kept["message_count"] == 2 and len(kept["attachments"]) == 2
    assert [n["text"] for n in kept["notes"]] == ["same proposal as PR-0001"]
    assert any(e["detail"].startswith("[PR-0002] from jane@acme.example") for e in kept["history"])
    assert (TEAM_MEMBER, "merged") in [(e["actor"], e["action"]) for e in kept["history"]]
    assert (pointer["status"], pointer["merged_into"], pointer["message_count"]) == ("merged", "PR-0001", 0)
    assert pointer["history"][-1]["detail"] == "new -> merged: merged into PR-0001"
    again = command(app, "case PR-0002 reopen")
    assert "merged into PR-0001" in json.dumps(again)
    shown = command(app, "case PR-0002")
    assert "View PR-0001" in json.dumps(shown)


def test_merge_from_the_command_line(imap, tmp_path):
    from tests.casework_mail import proposal
    from tests.test_mail_cli import cli_env, invoke
    from tests.test_mail_triage import run_pass

    env = cli_env(imap, tmp_path)
    settings = imap.settings(tmp_path / "data")
    imap.append(proposal())
    imap.append(
        proposal(message_id="dup@rival.example").replace(b"jane.smith@acme-energy.co.uk", b"sam@acme.example")
    )
    run_pass(settings)
    result = invoke(env, "merge", "PR-0002", "--into", "PR-0001", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "source": "PR-0002", "target": "PR-0001", "messages": 1, "attachments": 1, "notes": 0, "history": 2,
    }  # fmt: skip
    assert invoke(env, "merge", "PR-0002", "--into", "PR-0001").exit_code == 1  # merged already
    # Later mail naming the merged case goes to the case it was merged into.
    from tests.casework_mail import mail

    imap.append(mail("Sam <sam@acme.example>", "Re: [PR-0002] update", "later@acme.example"))
    run_pass(settings)
    db = storage.connect(settings.database_path)
    kept = cases.case_to_dict(db, "PR-0001")
    db.conn.close()
    assert kept["message_count"] == 3 and kept["messages"][-1]["message_id"] == "later@acme.example"
    assert "merged into PR-0001" in invoke(env, "case", "PR-0002").output
    assert POST_TS and case_blocks.ACTION_VIEW  # the ids the Slack tests share
