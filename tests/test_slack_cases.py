"""Working cases from Slack: signed requests through the running app's HTTP endpoint, calls checked at the local
Slack Web API server. Team only; every change audited and shown in place."""

import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot import cases, storage
from handlers.slack import case_blocks
from tests.fixtures.slack_api import TEAM_ID
from tests.fixtures.slack_app import ASKER, GENERAL_CHANNEL, TEAM_CHANNEL, TEAM_MEMBER, blocks_text
from tests.test_mail_triage import eml, run_pass, slack_env

REPO = Path(__file__).resolve().parents[1]
POST_TS = "1700000500.000001"
OTHER_MEMBER = "UTEAM0002"


def seed_case(settings, participant="Acme <Energy> & Co", posted=True) -> str:
    """A case as triage leaves it: one mail with a PQS form, one recipient missing, posted in the team channel."""
    db = storage.connect(settings.database_path)
    try:
        ref = cases.open_case(
            db,
            subject="MHHS Qualification/Placing Reliance Proposal",
            thread_subject="mhhs qualification/placing reliance proposal",
            sender="jane@acme.example",
            sender_name="Jane Smith",
            received_at="2026-01-12T09:15:00+00:00",
            participant=participant,
            participant_id="ACME",
        )
        db.execute(
            """INSERT INTO mail_messages (dedupe_key, message_id, case_ref, decision, target_folder, folder, subject,
                   sender, sender_name, recipients, received_at, checks, excerpt, triaged_at)
               VALUES (?, ?, ?, 'case-opened', 'Triaged', 'INBOX', ?, ?, ?, '{}', ?, '{}', ?, ?)""",
            [
                f"mid:{ref}@acme.example",
                f"{ref}@acme.example",
                ref,
                "MHHS Qualification/Placing Reliance Proposal",
                "jane@acme.example",
                "Jane Smith",
                "2026-01-12T09:15:00+00:00",
                "Please find our PQS form attached.\nWe rely on <!channel> testing by Acme Agents.",
                "2026-01-12T09:16:00+00:00",
            ],
        )
        message_id = db.execute("SELECT max(id) FROM mail_messages").fetchone()[0]
        db.execute(
            """INSERT INTO mail_attachments (message, case_ref, filename, stored_name, content_type, size, sha256,
                   path) VALUES (?, ?, 'PQS form.xlsx', 'PQS_form.xlsx', 'application/vnd.ms-excel', 18432, 'ab',
                   'attachments/PQS_form.xlsx')""",
            [message_id, ref],
        )
        cases.update_checks(
            db,
            ref,
            missing_recipients=["performanceassurance@recmanager.co.uk"],
            retired_mailbox=False,
            pqs_form=True,
            flags=[cases.FLAG_MISSING_RECIPIENT],
        )
        if posted:
            cases.set_slack_post(db, ref, TEAM_CHANNEL, POST_TS)
    finally:
        db.conn.close()
    return ref


def case_now(app, ref="PR-0001") -> dict:
    db = storage.connect(app.settings.database_path)
    try:
        return cases.case_to_dict(db, ref)
    finally:
        db.conn.close()


def act(app, action: dict, user=TEAM_MEMBER, container=None, view=None, response_url=None):
    """A block_actions request: ``action`` is the element as Slack reports it (action_id, value, selected_...)."""
    container = container or {
        "type": "message",
        "message_ts": POST_TS,
        "channel_id": TEAM_CHANNEL,
        "is_ephemeral": False,
    }
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0000001",
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": f"trigger.{time.monotonic_ns()}",
        "actions": [{"block_id": "case_actions:PR-0001", "action_ts": str(time.time()), **action}],
    }
    if container["type"] == "message":
        payload["channel"] = {"id": container["channel_id"], "name": "team"}
        payload["response_url"] = response_url or app.api.response_url(f"act-{time.monotonic_ns()}")
        if not container.get("is_ephemeral"):
            payload["message"] = {"ts": container["message_ts"], "type": "message"}
    if view is not None:
        payload["view"] = view
    return app.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def select_status(app, status, ref="PR-0001", **kw):
    option = {"text": {"type": "plain_text", "text": status}, "value": f"{ref}:{status}"}
    return act(
        app,
        {"action_id": case_blocks.ACTION_STATUS, "type": "static_select", "selected_option": option},
        **kw,
    )


def command(app, text, user=TEAM_MEMBER, channel=GENERAL_CHANNEL) -> dict:
    name = f"cmd-{time.monotonic_ns()}"
    reply = app.command(text, user=user, channel=channel, response_url=app.api.response_url(name))
    assert reply.status == 200
    return app.wait_for_response(name)[0]


def updates_of_post(app) -> list[dict]:
    return [c.args for c in app.api.calls_to("chat.update") if c.args.get("ts") == POST_TS]


def history(app, ref="PR-0001") -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], e["detail"]) for e in case_now(app, ref)["history"]]


@pytest.fixture
def team_app(slack_app):
    slack_app.api.channel_members[TEAM_CHANNEL] = [TEAM_MEMBER, OTHER_MEMBER]
    seed_case(slack_app.settings)
    return slack_app


def test_people_outside_the_team_are_told_politely_and_change_nothing(team_app):
    app = team_app
    for text in ("cases", "cases all", "case PR-0001", "case PR-0001 assign me"):
        reply = command(app, text, user=ASKER)
        assert reply["response_type"] == "ephemeral"
        assert reply["text"].startswith("Cases are for the qualification team")
        assert "PR-0001" not in json.dumps(reply) and "Acme" not in json.dumps(reply)
    act(app, {"action_id": case_blocks.ACTION_ASSIGN_ME, "type": "button", "value": "PR-0001"}, user=ASKER)
    refusal = app.wait_until(
        lambda: [a for _, a in app.responses() if "qualification team" in a.get("text", "")],
        what="the refusal",
    )
    assert refusal[0]["response_type"] == "ephemeral"
    select_status(app, "accepted", user=ASKER)
    app.settle()
    assert case_now(app)["owner"] is None and case_now(app)["status"] == "new"
    assert app.api.calls_to("chat.update") == [] and app.api.calls_to("chat.postMessage") == []
    assert [a for a, _, _ in history(app)] == ["triage"]


def test_team_member_gets_the_queue_and_the_case_privately(team_app):
    app = team_app
    seed_case(app.settings, participant="Bolt Power")
    queue = command(app, "cases")
    assert queue["response_type"] == "ephemeral"
    lines = [b["text"]["text"] for b in queue["blocks"] if b.get("accessory")]
    assert lines[0].startswith("*PR-0002* · Bolt Power (ACME) · ") and lines[1].startswith("*PR-0001* · Acme")
    assert "working days · New · no owner · :warning: missing recipient" in lines[1]
    assert "&lt;Energy&gt; &amp; Co" in lines[1]
    assert command(app, "cases mine")["text"] == "Your open cases: none."
    assert command(app, "cases flagged")["text"].startswith("Flagged open cases: PR-0002, PR-0001")
    assert "Usage" in command(app, "cases closed")["text"]

    view = command(app, "case pr-1", channel=GENERAL_CHANNEL)
    assert view["response_type"] == "ephemeral"
    text = blocks_text(view["blocks"])
    assert "*Jane Smith &lt;jane@acme.example&gt;* · 2026-01-12 09:15" in text
    assert "> We rely on &lt;!channel&gt; testing by Acme Agents." in text
    assert "PQS form.xlsx (18,432 bytes)" in text
    assert ":warning: Not sent to performanceassurance@recmanager.co.uk" in text
    assert ":white_check_mark: PQS form attached" in text
    assert "triage · opened: from jane@acme.example" in text
    # nothing about the case was posted anywhere: the replies went to the person alone
    assert app.api.calls_to("chat.postMessage") == [] and app.api.calls_to("chat.postEphemeral") == []
    assert "no case PR-0009" in command(app, "case PR-0009")["text"]


def test_status_changes_update_the_post_in_place_and_invalid_ones_are_refused(team_app, tmp_path):
    app = team_app
    select_status(app, "under_review")
    [update] = app.wait_until(lambda: updates_of_post(app), what="the post update")
    assert update["channel"] == TEAM_CHANNEL and update["ts"] == POST_TS
    assert "*Status*\nUnder review" in blocks_text(update["blocks"])
    offered = [
        o["value"]
        for b in update["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == case_blocks.ACTION_STATUS
        for o in e["options"]
    ]
    assert "PR-0001:under_review" not in offered and "PR-0001:accepted" in offered

    select_status(app, "accepted")
    app.wait_until(lambda: len(updates_of_post(app)) == 2, what="the second update")
    # A stale post still offers "under review": choosing it now is refused with the reason.
    select_status(app, "under_review")
    refusal = app.wait_until(
        lambda: [a for _, a in app.responses() if a.get("text", "").startswith("Not changed")],
        what="the refusal",
    )
    assert refusal[0]["text"] == (
        "Not changed: PR-0001 cannot go from accepted to under review (reopen it first)"
    )
    assert refusal[0]["response_type"] == "ephemeral"
    assert case_now(app)["status"] == "accepted"

    latest = updates_of_post(app)[-1]
    assert [e["action_id"] for e in latest["blocks"][-1]["elements"]][2] == case_blocks.ACTION_REOPEN
    act(app, {"action_id": case_blocks.ACTION_REOPEN, "type": "button", "value": "PR-0001"})
    app.wait_until(lambda: len(updates_of_post(app)) == 3, what="the update after reopening")
    assert case_now(app)["status"] == "under_review"
    assert history(app)[1:] == [
        (TEAM_MEMBER, "status", "new -> under_review"),
        (TEAM_MEMBER, "status", "under_review -> accepted"),
        (TEAM_MEMBER, "reopened", "accepted -> under_review"),
    ]

    # the same audit trail from the command line
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "case", "PR-0001", "--json"],
        cwd=REPO,
        env={"MHHS_DATA_DIR": str(app.settings.data_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "under_review"
    assert [(e["actor"], e["action"]) for e in data["history"]] == [
        ("triage", "opened"),
        (TEAM_MEMBER, "status"),
        (TEAM_MEMBER, "status"),
        (TEAM_MEMBER, "reopened"),
    ]
    assert all(e["at"] for e in data["history"])


def test_status_by_command_with_a_reason_and_refusals(team_app):
    app = team_app
    reply = command(app, "case PR-0001 status clarification requested form not signed")
    assert (
        reply["blocks"][0]["elements"][0]["text"]
        == ":white_check_mark: Status changed to Clarification requested."
    )
    assert history(app)[-1] == (TEAM_MEMBER, "status", "new -> clarification_requested: form not signed")
    assert "awaiting participant" in blocks_text(reply["blocks"])
    assert command(app, "case PR-0001 status maybe")["text"].startswith(
        "Sorry, I could not do that: unknown status"
    )
    assert "nothing to reopen" in command(app, "case PR-0001 reopen")["text"]
    assert command(app, "case PR-0001 frobnicate")["text"].startswith("`/mhhs case PR-0001` shows a case")
    assert len(updates_of_post(app)) == 1


def test_assignment_by_picker_by_command_and_to_me(team_app):
    app = team_app
    act(app, {"action_id": case_blocks.ACTION_ASSIGN, "type": "users_select", "selected_user": OTHER_MEMBER})
    app.wait_until(lambda: case_now(app)["owner"] == OTHER_MEMBER, what="the owner")
    update = app.wait_until(lambda: updates_of_post(app), what="the post update")[-1]
    assert f"owner <@{OTHER_MEMBER}>" in blocks_text(update["blocks"])
    act(app, {"action_id": case_blocks.ACTION_ASSIGN_ME, "type": "button", "value": "PR-0001"})
    app.wait_until(lambda: case_now(app)["owner"] == TEAM_MEMBER, what="assigned to me")
    assert command(app, "cases mine")["text"] == "Your open cases: PR-0001"
    reply = command(app, f"case PR-0001 assign <@{OTHER_MEMBER}|other>")
    assert reply["blocks"][0]["elements"][0]["text"] == f":white_check_mark: Assigned to <@{OTHER_MEMBER}>."
    assert "already owned" in command(app, f"case PR-0001 assign <@{OTHER_MEMBER}>")["text"]
    assert "say who" in command(app, "case PR-0001 assign jo")["text"]
    command(app, "case PR-0001 assign nobody")
    assert history(app)[1:] == [
        (TEAM_MEMBER, "owner", f"- -> {OTHER_MEMBER}"),
        (TEAM_MEMBER, "owner", f"{OTHER_MEMBER} -> {TEAM_MEMBER}"),
        (TEAM_MEMBER, "owner", f"{TEAM_MEMBER} -> {OTHER_MEMBER}"),
        (TEAM_MEMBER, "owner", f"{OTHER_MEMBER} -> -"),
    ]
    assert case_now(app)["owner"] is None


def test_notes_from_the_form_and_the_command(team_app):
    app = team_app
    act(app, {"action_id": case_blocks.ACTION_NOTE, "type": "button", "value": "PR-0001"})
    [opened] = app.api.wait_for("views.open")
    form = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert form["callback_id"] == case_blocks.NOTE_MODAL and opened.args["trigger_id"].startswith("trigger.")

    def submit(text):
        values = {case_blocks.NOTE_BLOCK: {case_blocks.NOTE_INPUT: text}}
        return app.submit_form(case_blocks.NOTE_MODAL, form["private_metadata"], values, view_id="V0NOTE")

    empty = submit("   ")
    assert empty.status == 200
    assert empty.json() == {
        "response_action": "errors",
        "errors": {case_blocks.NOTE_BLOCK: "Write the note first."},
    }
    assert submit("Called Jane <@U999>: signed form to follow").status == 200
    app.wait_until(lambda: case_now(app)["notes"], what="the note")
    update = app.wait_until(lambda: updates_of_post(app), what="the post update")[-1]
    assert "note" in blocks_text(update["blocks"])
    command(app, "case PR-0001 note chased by phone")
    notes = [(n["author"], n["text"]) for n in case_now(app)["notes"]]
    assert notes == [
        (TEAM_MEMBER, "Called Jane <@U999>: signed form to follow"),
        (TEAM_MEMBER, "chased by phone"),
    ]
    assert history(app)[-2:] == [
        (TEAM_MEMBER, "note", "Called Jane <@U999>: signed form to follow"),
        (TEAM_MEMBER, "note", "chased by phone"),
    ]
    view = command(app, "case PR-0001")
    assert "Called Jane &lt;@U999&gt;" in blocks_text(view["blocks"])


def test_a_change_from_a_private_case_view_replaces_that_view(team_app):
    app = team_app
    container = {
        "type": "message",
        "message_ts": "1700000900.000001",
        "channel_id": GENERAL_CHANNEL,
        "is_ephemeral": True,
    }
    act(
        app,
        {"action_id": case_blocks.ACTION_ASSIGN_ME, "type": "button", "value": "PR-0001"},
        container=container,
        response_url=app.api.response_url("private-view"),
    )
    [replaced] = app.wait_for_response("private-view")
    assert replaced["replace_original"] is True
    assert replaced["blocks"][0]["elements"][0]["text"] == f":white_check_mark: Assigned to <@{TEAM_MEMBER}>."
    assert "*Owner*\n<@UTEAM0001>" in blocks_text(replaced["blocks"])
    assert len(app.wait_until(lambda: updates_of_post(app), what="the team post update")) == 1


def test_app_home_is_published_per_user(team_app):
    app = team_app
    command(app, "case PR-0001 assign me")
    for user in (TEAM_MEMBER, ASKER):
        ts = app.next_ts()
        app.send_event(
            {"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home", "event_ts": ts}
        )
    calls = app.api.wait_for("views.publish", count=2)
    views = {c.args["user_id"]: c.args["view"] for c in calls}
    views = {u: v if isinstance(v, dict) else json.loads(v) for u, v in views.items()}
    team_text = blocks_text(views[TEAM_MEMBER]["blocks"])
    assert views[TEAM_MEMBER]["type"] == "home"
    assert "*Open cases by status* (1)" in team_text and "*New* (1)" in team_text
    assert "*Your cases* (1)\n*PR-0001*" in team_text and "*Flagged* (1)" in team_text
    assert "Next deadlines" in team_text or "No upcoming deadlines" in team_text
    asker_text = blocks_text(views[ASKER]["blocks"])
    assert "PR-0001" not in asker_text and "Acme" not in asker_text
    assert "/mhhs <your question>" in asker_text

    # "Open a case" from the home tab opens it in a modal; a change there refreshes the modal
    home = {"type": "view", "view_id": "VHOME"}
    option = {"text": {"type": "plain_text", "text": "PR-0001"}, "value": "PR-0001"}
    act(app, {"action_id": case_blocks.ACTION_VIEW, "type": "static_select", "selected_option": option},
        container=home, view={"id": "VHOME", "type": "home"})  # fmt: skip
    [opened] = app.api.wait_for("views.open")
    modal = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert modal["type"] == "modal" and "PQS form.xlsx" in blocks_text(modal["blocks"])
    select_status(
        app, "rejected", container={"type": "view", "view_id": "VCASE"}, view={"id": "VCASE", "type": "modal"}
    )
    [updated] = app.api.wait_for("views.update")
    assert updated.args["view_id"] == "VCASE"
    assert case_now(app)["status"] == "rejected"


def test_triage_updates_the_case_post_in_place_when_a_reply_joins(imap, tmp_path, slack_api):
    settings = imap.settings(tmp_path / "data", **slack_env(slack_api))
    imap.append(eml("proposal_complete.eml"))
    run_pass(settings)
    [post] = slack_api.wait_for("chat.postMessage")
    actions = post.args["blocks"][-1]
    assert actions["type"] == "actions" and actions["block_id"] == "case_actions:PR-0001"
    imap.append(eml("reply_with_reference.eml"))
    run_pass(settings)
    [update] = slack_api.wait_for("chat.update")
    db = storage.connect(settings.database_path)
    stored = cases.get_case(db, "PR-0001")
    db.conn.close()
    assert (update.args["channel"], update.args["ts"]) == (stored.slack_channel, stored.slack_ts)
    assert "Last change" in blocks_text(update.args["blocks"])
    later_posts = slack_api.calls_to("chat.postMessage")[1:]  # follow-ups, if any, stay in the case's thread
    assert [c.args.get("thread_ts") for c in later_posts] == [stored.slack_ts] * len(later_posts)


def test_only_team_members_can_own_a_case(team_app):
    app = team_app
    act(app, {"action_id": case_blocks.ACTION_ASSIGN, "type": "users_select", "selected_user": ASKER})
    refusal = app.wait_until(
        lambda: [a for _, a in app.responses() if a.get("text", "").startswith("Not changed")],
        what="the refusal",
    )
    assert (
        refusal[0]["text"]
        == f"Not changed: <@{ASKER}> is not on the qualification team, so cannot own a case"
    )
    assert "not on the qualification team" in command(app, f"case PR-0001 assign <@{ASKER}>")["text"]
    assert case_now(app)["owner"] is None and updates_of_post(app) == []


def test_a_note_added_from_the_home_tab_refreshes_the_home_tab(team_app):
    app = team_app
    home = {"type": "view", "view_id": "VHOME"}
    act(
        app,
        {"action_id": case_blocks.ACTION_NOTE, "type": "button", "value": "PR-0001"},
        container=home,
        view={"id": "VHOME", "type": "home"},
    )
    [opened] = app.api.wait_for("views.open")
    form = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert json.loads(form["private_metadata"]) == {"ref": "PR-0001", "home": True}
    # from inside a case window the form is pushed on top of it instead
    act(
        app,
        {"action_id": case_blocks.ACTION_NOTE, "type": "button", "value": "PR-0001"},
        container={"type": "view", "view_id": "VCASE"},
        view={"id": "VCASE", "type": "modal"},
    )
    [pushed] = app.api.wait_for("views.push")
    pushed_form = (
        pushed.args["view"] if isinstance(pushed.args["view"], dict) else json.loads(pushed.args["view"])
    )
    assert json.loads(pushed_form["private_metadata"]) == {"ref": "PR-0001", "view_id": "VCASE"}

    values = {case_blocks.NOTE_BLOCK: {case_blocks.NOTE_INPUT: "PAB on Thursday"}}
    app.submit_form(case_blocks.NOTE_MODAL, form["private_metadata"], values, view_id="V0NOTE")
    [published] = app.api.wait_for("views.publish")
    assert published.args["user_id"] == TEAM_MEMBER
    assert [n["text"] for n in case_now(app)["notes"]] == ["PAB on Thursday"]
    assert app.wait_until(lambda: updates_of_post(app), what="the post update")


def test_help_lists_the_case_subcommands(team_app):
    help_text = command(team_app, "help", user=ASKER)["text"]
    assert "`cases [open|mine|flagged|all]`" in help_text and "`case PR-0001`" in help_text
