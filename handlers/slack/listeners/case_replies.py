"""The Reply form on a case: the **Reply** button (case view, team-channel post, case window) opens a form with a
template menu, the text and the recipients pre-filled; sending it mails the participant and stores the reply on
the case (:mod:`bot.mail.case_replies`). Qualification team only; the sender is the person who pressed Send.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import cases
from bot.core.errors import AssistantError, MailError
from bot.mail import case_replies
from handlers.slack import reply_blocks
from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import acknowledged, report_failure
from handlers.slack.listeners.cases import CaseDesk, refresh_case_post

REASON_PLACEHOLDER = "[write the reason here]"


class ReplyDesk:
    def __init__(self, desk: CaseDesk):
        self.desk = desk
        self.settings = desk.settings

    def _tell(self, client: WebClient, user: str, text: str) -> None:
        client.chat_postMessage(channel=user, text=text)

    def _templates(self) -> dict[str, case_replies.ReplyTemplate]:
        return case_replies.load_templates(self.settings)

    def _form(
        self, case: cases.PlacingRelianceCase, to: str, cc: str, text: str, template: str | None, metadata
    ):
        return reply_blocks.reply_modal(
            case.ref,
            f"[{case.ref}] " + (case_replies.strip_subject(case.subject) or case.subject),
            [(t.name, t.title) for t in self._templates().values()],
            to=to,
            cc=cc,
            text=text,
            template=template,
            sender=self.settings.smtp.from_address or "",
            metadata=metadata,
        )

    def open_form(self, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        user = body["user"]["id"]
        if not self.desk.is_team_member(user):
            self.desk._tell(body, client, respond, self.desk.refusal)
            return
        ref = cases.normalise_ref(body["actions"][0]["value"])
        try:
            with self.desk.database() as db:
                case = cases.get_case(db, ref)
            if case.merged_into:
                raise MailError(f"{ref} was merged into {case.merged_into}: reply from that case")
            form = self._form(
                case, case.sender, ", ".join(self.settings.mail.required_recipients), "", None, {}
            )
        except AssistantError as problem:
            self.desk._tell(body, client, respond, f"Cannot reply: {problem}")
            return
        view = body.get("view") or {}
        if (body.get("container") or {}).get("type") == "view" and view.get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=form)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=form)

    def choose_template(self, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        """A template was picked: the text is filled in from it (the recipients typed so far are kept)."""
        user = body["user"]["id"]
        if not self.desk.is_team_member(user):
            return
        view = body["view"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        name = (body["actions"][0].get("selected_option") or {}).get("value")
        typed = reply_blocks.form_values(view)
        with self.desk.database() as db:
            case = cases.get_case(db, metadata["ref"])
        template = self._templates().get(name or "")
        if template is None:
            return
        reason = REASON_PLACEHOLDER if template.needs_reason else None
        text = case_replies.render_template(self.settings, template, case, reason)
        extra = {k: v for k, v in metadata.items() if k not in ("ref", "template")}
        form = self._form(case, typed["to"], typed["cc"], text, template.name, extra)
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=form)

    def check(self, ack: Any, body: dict[str, Any]) -> None:
        """The form's ack: no text, no recipient or a bad address is refused in the form itself."""
        typed = reply_blocks.form_values(body.get("view") or {})
        errors = {}
        if not typed["text"].strip():
            errors[typed["text_block"] or f"{reply_blocks.TEXT_BLOCK_PREFIX}own"] = "Write the reply first."
        elif REASON_PLACEHOLDER in typed["text"]:
            errors[typed["text_block"]] = "Write the reason in place of " + REASON_PLACEHOLDER
        for block, field, required in (
            (reply_blocks.TO_BLOCK, "to", True),
            (reply_blocks.CC_BLOCK, "cc", False),
        ):
            addresses = reply_blocks.split_addresses(typed[field])
            if required and not addresses:
                errors[block] = "Who is it to?"
                continue
            try:
                case_replies.parse_addresses(addresses, field.capitalize())
            except MailError as problem:
                errors[block] = str(problem)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def send(self, body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        if not self.desk.is_team_member(user):
            return
        view = body.get("view") or {}
        metadata = json.loads(view.get("private_metadata") or "{}")
        typed = reply_blocks.form_values(view)
        ref = metadata["ref"]
        send_mail = self.desk.assistant.send_mail
        try:
            if send_mail is None or not self.settings.smtp.host:
                raise MailError("SMTP_HOST is not set: the assistant cannot send mail")
            with self.desk.database() as db:
                reply = case_replies.compose_reply(
                    db,
                    self.settings,
                    ref,
                    text=typed["text"],
                    to=reply_blocks.split_addresses(typed["to"]),
                    cc=reply_blocks.split_addresses(typed["cc"]),
                )
                if metadata.get("template"):
                    template = self._templates().get(metadata["template"])
                    if template and template.status:
                        reply = _with_template(reply, template)
                status = case_replies.deliver(
                    db, self.settings, reply, user, lambda msg: send_mail(self.settings, msg)
                )
                refresh_case_post(db, client, ref)
        except AssistantError as problem:
            self._tell(client, user, f"Reply on {ref} not sent: {problem}")
            return
        moved = f" {ref} is now {cases.STATUS_LABELS[status].lower()}." if status else ""
        copies = f" (cc {', '.join(reply.cc)})" if reply.cc else ""
        self._tell(
            client,
            user,
            f":white_check_mark: Reply on {ref} sent to {', '.join(reply.to)}{copies}: {reply.subject}.{moved}",
        )


def _with_template(
    reply: case_replies.CaseReply, template: case_replies.ReplyTemplate
) -> case_replies.CaseReply:
    """The text was edited, but it started from a template: the template's status move still applies."""
    from dataclasses import replace

    return replace(reply, template=template.name, status=template.status)


def register(app: App, assistant: SlackAssistant, desk: CaseDesk | None = None) -> ReplyDesk:
    """The Reply button, the template menu in the form, and the form itself."""
    replies = ReplyDesk(desk or CaseDesk(assistant))
    app.action(reply_blocks.ACTION_REPLY)(**acknowledged(replies.open_form))
    app.action(reply_blocks.ACTION_REPLY_TEMPLATE)(**acknowledged(replies.choose_template))

    def send_reply(body, client, logger):
        try:
            replies.send(body, client)
        except Exception as error:
            report_failure(error, body, client, logger)

    app.view(reply_blocks.REPLY_MODAL)(ack=replies.check, lazy=[send_reply])
    return replies
