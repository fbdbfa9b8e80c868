"""Working Placing Reliance cases from Slack: ``/mhhs cases``, ``/mhhs case``, the buttons on a case, the note
modal and the App Home tab.

Only the qualification team (:meth:`handlers.slack.team.TeamDirectory.is_team_member`) sees or changes cases;
everyone else is told, privately, that cases are for the team. Case details go only to private (ephemeral)
replies, the team channel's case posts, modals and the team member's own App Home tab.

Every change goes through :mod:`bot.cases` with the Slack user as the actor, so the audit trail records who, when
and what. After a change the case's post in the team channel is rebuilt and updated in place (``chat.update`` on
the channel and ts stored on the case), and the view the change was made from (a private case view, the App Home
tab or a case modal) is refreshed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlite_utils
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import cases, storage
from bot.core.errors import CaseError
from bot.core.working_days import calendar_from_settings
from bot.mail import outbox
from handlers.slack import case_blocks
from handlers.slack.assistant import COMMAND, SlackAssistant
from handlers.slack.failures import acknowledged, report_failure
from handlers.slack.listeners.deadlines import deadlines_reply
from handlers.slack.subcommands import Reply, SubcommandRequest
from handlers.slack.text import plain_reply

logger = logging.getLogger(__name__)

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
NOBODY = {"nobody", "none", "-", "unassign", "unassigned"}

CASE_USAGE = (
    f"`{COMMAND} case PR-0001` shows a case. To change it:\n"
    f"• `{COMMAND} case PR-0001 assign me` (or `@someone`, or `nobody`)\n"
    f"• `{COMMAND} case PR-0001 status under review` (new, under review, clarification requested, accepted, "
    "rejected, withdrawn; a reason may follow)\n"
    f"• `{COMMAND} case PR-0001 reopen [reason]`\n"
    f"• `{COMMAND} case PR-0001 note <text>` (internal: never sent to the participant)\n"
    f"• `{COMMAND} case PR-0008 merge PR-0007` (moves everything of PR-0008 into PR-0007)\n"
    "• the *Reply* button on a case mails the participant"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def refresh_case_post(db: sqlite_utils.Database, client: WebClient, ref: str) -> bool:
    """Rebuild the case's team-channel post and update it in place; False when it has none or Slack refused."""
    case = cases.case_to_dict(db, ref)
    channel, ts = case["slack"]["channel"], case["slack"]["ts"]
    if not channel or not ts:
        return False
    text, blocks = case_blocks.live_case_post(case)
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        logger.warning(
            "could not update the post of %s (%s %s): %s", ref, channel, ts, exc.response.get("error")
        )
        return False
    return True


class CaseDesk:
    """What the case listeners do, bound to the assistant (settings, team directory) and a clock."""

    def __init__(self, assistant: SlackAssistant, clock: Callable[[], datetime] = utc_now):
        self.assistant = assistant
        self.settings = assistant.settings
        self.clock = clock

    # --- helpers ------------------------------------------------------------------------------------------------

    @contextmanager
    def database(self) -> Iterator[sqlite_utils.Database]:
        """A connection of this request's own (worker threads never share one)."""
        db = storage.connect(self.settings.database_path)
        try:
            yield db
        finally:
            db.conn.close()

    def is_team_member(self, user_id: str | None) -> bool:
        return self.assistant.team.is_team_member(user_id)

    @property
    def refusal(self) -> str:
        return case_blocks.TEAM_ONLY.format(enquiries=self.settings.enquiries_address)

    def item(self, case: cases.PlacingRelianceCase, now: datetime) -> case_blocks.QueueItem:
        calendar = calendar_from_settings(self.settings)
        return case_blocks.QueueItem(case, cases.age_in_working_days(case, calendar, now))

    def view_of(self, db: sqlite_utils.Database, ref: str, notice: str | None = None) -> dict[str, Any]:
        case = cases.get_case(db, ref)
        age = self.item(case, self.clock()).age
        return case_blocks.case_view(cases.case_to_dict(db, case), age, notice)

    # --- /mhhs cases, /mhhs case ----------------------------------------------------------------------------

    def list_queue(self, request: SubcommandRequest) -> Reply:
        if not self.is_team_member(request.user_id):
            return self.refusal
        name = (request.args.split() or [cases.QUEUE_OPEN])[0].lower()
        if name not in cases.QUEUES:
            return f"Usage: `{COMMAND} cases [{'|'.join(cases.QUEUES)}]` (default: open)."
        now = self.clock()
        with self.database() as db:
            found = cases.queue(db, name, request.user_id)
        return case_blocks.queue_message(cases.QUEUE_TITLES[name], [self.item(c, now) for c in found])

    def case_command(self, request: SubcommandRequest) -> Reply:
        if not self.is_team_member(request.user_id):
            return self.refusal
        words = request.args.split(maxsplit=2)
        if not words:
            return CASE_USAGE
        ref = cases.normalise_ref(words[0])
        verb = words[1].lower() if len(words) > 1 else ""
        rest = words[2].strip() if len(words) > 2 else ""
        user = request.user_id
        with self.database() as db:
            if not verb:
                return self.view_of(db, ref)
            if verb == "assign":
                owner = self._owner_from_text(rest, user)
                self._check_owner(owner)
                cases.assign_owner(db, ref, owner, actor=user)
                notice = f"Assigned to {case_blocks.person(owner)}." if owner else "Owner cleared."
            elif verb == "status":
                status, reason = self._status_and_reason(rest)
                cases.change_status(db, ref, status, actor=user, reason=reason)
                notice = f"Status changed to {case_blocks.status_label(status)}."
            elif verb == "reopen":
                cases.reopen(db, ref, actor=user, reason=plain_reply(rest, limit=500))
                notice = "Reopened: back under review."
            elif verb == "merge":
                from bot.mail.merging import merge

                target = cases.normalise_ref(rest.split()[0]) if rest.split() else ""
                if not target:
                    return f"Usage: `{COMMAND} case PR-0008 merge PR-0007` (PR-0008 goes into PR-0007)."
                result = merge(db, self.settings, ref, target, actor=user, queue_posts=False)
                refresh_case_post(db, request.client, ref)
                refresh_case_post(db, request.client, target)
                return self.view_of(db, target, notice=f":white_check_mark: {result.line()}.")
            elif verb == "note":
                cases.add_note(db, ref, plain_reply(rest, limit=case_blocks.MAX_NOTE_CHARS), author=user)
                notice = "Internal note added."
            else:
                return CASE_USAGE
            refresh_case_post(db, request.client, ref)
            return self.view_of(db, ref, notice=f":white_check_mark: {notice}")

    def _check_owner(self, owner: str | None) -> None:
        """Cases are owned by the team: anyone else is refused as an owner."""
        if owner and not self.is_team_member(owner):
            raise CaseError(
                f"{case_blocks.person(owner)} is not on the qualification team, so cannot own a case"
            )

    @staticmethod
    def _owner_from_text(text: str, user: str) -> str | None:
        word = text.split()[0] if text.split() else ""
        if word.lower() == "me":
            return user
        if word.lower() in NOBODY:
            return None
        match = MENTION.match(word)
        if not match:
            raise CaseError(
                f"say who: `{COMMAND} case PR-0001 assign me`, `assign @someone` (pick them from the list Slack "
                "offers as you type) or `assign nobody`"
            )
        return match.group(1)

    @staticmethod
    def _status_and_reason(text: str) -> tuple[str, str]:
        words = text.split()
        if not words:
            raise CaseError(f"which status? one of {', '.join(cases.STATUSES)}")
        for n in (2, 1):
            if len(words) >= n:
                try:
                    status = cases.status_from_text(" ".join(words[:n]))
                except CaseError:
                    continue
                return status, plain_reply(" ".join(words[n:]), limit=500)
        return cases.status_from_text(words[0]), ""  # raises with the reason

    # --- buttons --------------------------------------------------------------------------------------------

    def on_action(self, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        """Any case button or select: check the person, apply the change, refresh the post and the view."""
        user = body["user"]["id"]
        if not self.is_team_member(user):
            self._tell(body, client, respond, self.refusal)
            return
        action = body["actions"][0]
        action_id = action["action_id"]
        if action_id == case_blocks.ACTION_VIEW:
            self._show(body, client, respond, _action_value(action))
            return
        if action_id == case_blocks.ACTION_NOTE:
            self._open_note_form(body, client, action["value"])
            return
        try:
            with self.database() as db:
                ref, notice = self._apply(db, action, user)
                refresh_case_post(db, client, ref)
                self._refresh_source(db, body, client, respond, ref, notice)
        except CaseError as refused:
            self._tell(body, client, respond, f"Not changed: {refused}")

    def _apply(self, db: sqlite_utils.Database, action: dict[str, Any], user: str) -> tuple[str, str]:
        action_id = action["action_id"]
        if action_id == case_blocks.ACTION_ASSIGN_ME:
            ref = action["value"]
            cases.assign_owner(db, ref, user, actor=user)
            return ref, f"Assigned to {case_blocks.person(user)}."
        if action_id == case_blocks.ACTION_ASSIGN:
            ref = case_blocks.ref_from_block_id(action.get("block_id"))
            if not ref:
                raise CaseError("this picker is not attached to a case")
            owner = action.get("selected_user")
            self._check_owner(owner)
            cases.assign_owner(db, ref, owner, actor=user)
            return ref, f"Assigned to {case_blocks.person(owner)}."
        if action_id == case_blocks.ACTION_STATUS:
            ref, _, status = _action_value(action).partition(":")
            cases.change_status(db, ref, status, actor=user)
            return ref, f"Status changed to {case_blocks.status_label(status)}."
        if action_id == case_blocks.ACTION_REOPEN:
            ref = action["value"]
            cases.reopen(db, ref, actor=user)
            return ref, "Reopened: back under review."
        raise CaseError(f"unknown case action {action_id!r}")

    def _refresh_source(
        self,
        db: sqlite_utils.Database,
        body: dict[str, Any],
        client: WebClient,
        respond: Any,
        ref: str,
        notice: str,
    ) -> None:
        """Refresh what the change was made from (the team-channel post itself is refreshed already)."""
        container = body.get("container") or {}
        if container.get("type") == "view":
            view = body.get("view") or {}
            if view.get("type") == "home":
                self.publish_home(client, body["user"]["id"])
            elif view.get("id"):
                client.views_update(view_id=view["id"], view=self._modal(db, ref))
            return
        case = cases.get_case(db, ref)
        if container.get("message_ts") == case.slack_ts and container.get("channel_id") == case.slack_channel:
            return
        respond(replace_original=True, **self.view_of(db, ref, notice=f":white_check_mark: {notice}"))

    def _modal(self, db: sqlite_utils.Database, ref: str) -> dict[str, Any]:
        case = cases.get_case(db, ref)
        return case_blocks.case_modal(cases.case_to_dict(db, case), self.item(case, self.clock()).age)

    def _show(self, body: dict[str, Any], client: WebClient, respond: Any, ref: str) -> None:
        try:
            with self.database() as db:
                if (body.get("container") or {}).get("type") == "view":
                    client.views_open(trigger_id=body["trigger_id"], view=self._modal(db, ref))
                else:
                    respond(response_type="ephemeral", replace_original=False, **self.view_of(db, ref))
        except CaseError as problem:
            self._tell(body, client, respond, str(problem))

    def _open_note_form(self, body: dict[str, Any], client: WebClient, ref: str) -> None:
        container = body.get("container") or {}
        view = body.get("view") or {}
        metadata: dict[str, Any] = {}
        if container.get("type") == "view" and view.get("type") == "home":
            metadata["home"] = True
        elif container.get("type") == "view":
            metadata["view_id"] = view.get("id")
        elif body.get("response_url"):
            metadata["response_url"] = body["response_url"]
            metadata["post"] = [container.get("channel_id"), container.get("message_ts")]
        form = case_blocks.note_modal(cases.normalise_ref(ref), metadata)
        if container.get("type") == "view" and view.get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=form)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=form)

    def _tell(self, body: dict[str, Any], client: WebClient, respond: Any, text: str) -> None:
        """Tell the person privately: in the conversation they clicked in, or by direct message from a view."""
        if body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=body["user"]["id"], text=text)

    # --- the note form ------------------------------------------------------------------------------------

    @staticmethod
    def note_text(body: dict[str, Any]) -> str:
        values = (body.get("view") or {}).get("state", {}).get("values", {})
        return (values.get(case_blocks.NOTE_BLOCK, {}).get(case_blocks.NOTE_INPUT, {}).get("value")) or ""

    def check_note(self, ack: Any, body: dict[str, Any]) -> None:
        """The form's ack: an empty note is refused in the form itself."""
        if not self.note_text(body).strip():
            ack(response_action="errors", errors={case_blocks.NOTE_BLOCK: "Write the note first."})
        else:
            ack()

    def save_note(self, body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        if not self.is_team_member(user):
            return
        metadata = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        ref = metadata["ref"]
        with self.database() as db:
            cases.add_note(db, ref, self.note_text(body)[: case_blocks.MAX_NOTE_CHARS], author=user)
            refresh_case_post(db, client, ref)
            if metadata.get("home"):
                self.publish_home(client, user)
            elif metadata.get("view_id"):
                client.views_update(view_id=metadata["view_id"], view=self._modal(db, ref))
            elif metadata.get("response_url"):
                case = cases.get_case(db, ref)
                if metadata.get("post") != [case.slack_channel, case.slack_ts]:
                    view = self.view_of(db, ref, notice=":white_check_mark: Internal note added.")
                    WebhookClient(metadata["response_url"]).send(replace_original=True, **view)

    # --- App Home -------------------------------------------------------------------------------------------

    def home_view(self, user: str) -> dict[str, Any]:
        if not self.is_team_member(user):
            return case_blocks.guidance_home(
                self.settings.enquiries_address,
                self.settings.mail.required_recipients,
                self.settings.mail.tracked_subject,
            )
        now = self.clock()
        with self.database() as db:
            open_items = [self.item(c, now) for c in cases.queue(db, cases.QUEUE_OPEN)]
            _, deadline_blocks = deadlines_reply(self.settings, db, now)
            undelivered = outbox.undelivered(db)
        mine = [i for i in open_items if i.case.owner == user]
        flagged = [i for i in open_items if i.case.all_flags]
        extra = [block for section in self.assistant.home_sections for block in section(user)]
        return case_blocks.team_home(open_items, mine, flagged, deadline_blocks, now, undelivered, extra)

    def publish_home(self, client: WebClient, user: str) -> None:
        client.views_publish(user_id=user, view=self.home_view(user))


def _action_value(action: dict[str, Any]) -> str:
    """A button's value or a select's chosen option."""
    return action.get("value") or (action.get("selected_option") or {}).get("value") or ""


def register(app: App, assistant: SlackAssistant) -> CaseDesk:
    """``/mhhs cases``, ``/mhhs case``, the case buttons, the note form and the App Home tab."""
    desk = CaseDesk(assistant)
    assistant.subcommands.register_subcommand(
        "cases",
        desk.list_queue,
        "`cases [open|mine|flagged|all]`: the Placing Reliance case queue, newest first (qualification team)",
    )
    assistant.subcommands.register_subcommand(
        "case",
        desk.case_command,
        "`case PR-0001`: a case with its mails, checks and history; `assign`, `status`, `reopen`, `note`, "
        "`merge PR-0007` change it (qualification team)",
    )

    def work_case(body, client, respond):
        desk.on_action(body, client, respond)

    for action_id in (
        case_blocks.ACTION_VIEW,
        case_blocks.ACTION_ASSIGN_ME,
        case_blocks.ACTION_ASSIGN,
        case_blocks.ACTION_STATUS,
        case_blocks.ACTION_REOPEN,
        case_blocks.ACTION_NOTE,
    ):
        app.action(action_id)(**acknowledged(work_case))

    def save_note(body, client, logger):
        try:
            desk.save_note(body, client)
        except Exception as error:
            report_failure(error, body, client, logger)

    app.view(case_blocks.NOTE_MODAL)(ack=desk.check_note, lazy=[save_note])

    def home_opened(body, client, respond):
        event = body.get("event") or {}
        if event.get("tab", "home") == "home" and event.get("user"):
            desk.publish_home(client, event["user"])

    app.event("app_home_opened")(**acknowledged(home_opened))
    assistant.publish_home = desk.publish_home
    return desk
