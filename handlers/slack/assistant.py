"""What the Slack assistant does: answer questions, record feedback, escalate to the team, relay and retract team
answers.

:class:`SlackAssistant` holds everything the listeners need (settings, the knowledge base, the Slack records, the
team directory, the rate limiter and the ``/mhhs`` subcommand registry). The listeners in this package are thin:
they pass the event or payload to one method here. Every method takes the ``WebClient`` to send with.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers.records import EscalationRecord, QuestionRecord, SlackRecords, TeamAnswerRecord
from bot.core.settings import Settings
from handlers.slack import blocks, render
from handlers.slack.rate_limit import QuestionRateLimiter
from handlers.slack.subcommands import (
    SubcommandRegistry,
    SubcommandRequest,
    looks_like_unknown_subcommand,
    split_command_text,
)
from handlers.slack.team import TeamDirectory
from handlers.slack.text import mentions, plain_reply, plain_text
from knowledge.answer import Answer, Source

logger = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
COMMAND = "/mhhs"

SURFACE_MENTION = "mention"
SURFACE_THREAD = "thread"
SURFACE_DM = "dm"
SURFACE_COMMAND = "command"
SURFACE_ASSISTANT = "assistant"  # a thread in Slack's assistant side panel
PRIVATE_SURFACES = (SURFACE_DM, SURFACE_ASSISTANT)  # conversations only the asker and the assistant see


def london_today() -> date:
    return datetime.now(LONDON).date()


# message subtypes that are still a person writing something new (a thread reply also sent to the channel, a
# message with a file); every other subtype (edits, deletions, joins, bot messages...) is ignored
PERSON_SUBTYPES = {None, "thread_broadcast", "file_share"}
HELP_WORDS = {"help", "?", "hello", "hi"}
# a team reply starting like this stays in the team thread: it is neither relayed nor saved
INTERNAL_NOTE = re.compile(r"^\s*[\[(]?internal\b", re.IGNORECASE)
# replies in a conversation that are not questions: no answer is sent
THANKS = {
    "thanks", "thank you", "thanks a lot", "many thanks", "thank you very much", "thx", "ty", "cheers", "ok",
    "okay", "great", "perfect", "brilliant", "got it", "understood", "noted",
}  # fmt: skip


def is_person_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A new message written by a person: not a bot (nor the assistant itself), an edit, a deletion or a join."""
    return (
        bool(event.get("user"))
        and event.get("subtype") in PERSON_SUBTYPES
        and not event.get("bot_id")
        and not event.get("bot_profile")
        and "edited" not in event
        and event.get("user") != bot_user_id
    )


def answer_from_record(record: QuestionRecord) -> Answer:
    """The answer as it was given, rebuilt from the stored question."""
    return Answer(
        question=record.question,
        answered=record.answered,
        confidence=record.confidence,
        answer=record.answer,
        sources=[Source(**source) for source in record.sources],
    )


@dataclass
class SlackAssistant:
    settings: Settings
    knowledge_base: Any  # bot.knowledge_base.KnowledgeBase
    records: SlackRecords
    team: TeamDirectory
    rate_limiter: QuestionRateLimiter
    subcommands: SubcommandRegistry = field(default_factory=SubcommandRegistry)
    client: WebClient | None = None  # the app's Web API client, for work started outside a request
    bot_user_id: str | None = None
    today: Callable[[], date] = london_today
    # Sends one mail over SMTP (``handlers.mail.smtp.send``), given by whoever starts the app: Slack sits below
    # the mail handlers, so it is handed the sender rather than importing it. None: replies cannot be sent.
    send_mail: Callable[[Settings, Any], None] | None = None
    # extra App Home sections for a user, after the case desk's (each: user id -> blocks)
    home_sections: list[Callable[[str], list[dict[str, Any]]]] = field(default_factory=list)
    publish_home: Callable[[WebClient, str], None] | None = None  # set by the App Home listener

    # --- where it answers -----------------------------------------------------------------------------------

    def answers_in(self, channel: str) -> bool:
        allowed = self.settings.slack.answer_channels
        return not allowed or channel in allowed

    @property
    def can_escalate(self) -> bool:
        return bool(self.settings.slack.team_channel)

    def is_escalation_thread(self, channel: str, thread_ts: str | None) -> bool:
        return (
            bool(thread_ts)
            and channel == self.settings.slack.team_channel
            and self.records.escalation_by_team_post(channel, thread_ts) is not None
        )

    # --- message events -------------------------------------------------------------------------------------

    def on_mention(self, client: WebClient, event: dict[str, Any]) -> None:
        """@mention in a channel: answer in the message's thread (or the thread it was written in)."""
        if not is_person_message(event, self.bot_user_id):
            return
        channel = event["channel"]
        thread_ts = event.get("thread_ts")
        if not self.answers_in(channel) or self.is_escalation_thread(channel, thread_ts):
            return
        earlier = self.records.latest_question_in_thread(channel, thread_ts) if thread_ts else None
        self.answer_message(
            client,
            event,
            surface=SURFACE_MENTION,
            thread_ts=thread_ts or event["ts"],
            context=earlier.question if earlier else None,
        )

    def on_message(self, client: WebClient, event: dict[str, Any]) -> None:
        """Any message event: direct messages, follow-ups in threads it answered, team replies to escalations."""
        if not is_person_message(event, self.bot_user_id):
            return
        channel = event["channel"]
        thread_ts = event.get("thread_ts")
        in_thread = bool(thread_ts) and thread_ts != event.get("ts")
        if event.get("channel_type") == "im":
            earlier = self.records.latest_question_in_thread(channel, thread_ts) if in_thread else None
            self.answer_message(
                client,
                event,
                surface=SURFACE_DM,
                thread_ts=thread_ts if in_thread else None,
                context=earlier.question if earlier else None,
            )
            return
        if not in_thread:
            return
        if channel == self.settings.slack.team_channel:
            escalation = self.records.escalation_by_team_post(channel, thread_ts)
            if escalation is not None:
                self.relay_team_reply(client, event, escalation)
                return
        if mentions(event.get("text", ""), self.bot_user_id) or not self.answers_in(channel):
            return  # a mention is answered by on_mention
        earlier = self.records.latest_question_in_thread(channel, thread_ts)
        if earlier is None:
            return  # a thread the assistant is not part of
        self.answer_message(
            client, event, surface=SURFACE_THREAD, thread_ts=thread_ts, context=earlier.question
        )

    def answer_message(
        self,
        client: WebClient,
        event: dict[str, Any],
        *,
        surface: str,
        thread_ts: str | None,
        context: str | None,
    ) -> None:
        user, channel = event["user"], event["channel"]
        question = plain_text(event.get("text", ""), self.bot_user_id)
        if surface in (SURFACE_THREAD, *PRIVATE_SURFACES) and _words(question) in THANKS:
            return
        decision = self.rate_limiter.check(user)
        if not decision.allowed:
            if decision.tell_user:
                text = blocks.rate_limited_text(self.rate_limiter.per_minute, decision.wait_seconds)
                if surface in PRIVATE_SURFACES:
                    client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
                else:
                    client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)
            return
        if not question or question.lower().strip(" !.") in HELP_WORDS:
            client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text="Ask me a question about MHHS Qualification.",
                blocks=[render.section(blocks.help_message(COMMAND, self.subcommands.listing()))],
            )
            return
        answer = self.knowledge_base.ask(question, context=context)
        record = self.records.save_question(
            answer=answer,
            user_id=user,
            channel_id=channel,
            surface=surface,
            message_ts=event.get("ts"),
            thread_ts=thread_ts,
            context=context,
        )
        message = blocks.answer_message(
            answer,
            record.id,
            enquiries_address=self.settings.enquiries_address,
            can_ask_team=self.can_escalate,
        )
        response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message.as_kwargs())
        self.records.set_reply(record.id, channel, response.get("ts"))
        logger.info(
            "answered %s %s (%s, confidence %.2f)",
            surface,
            record.id,
            "cited" if answer.answered else "not covered",
            answer.confidence,
        )

    # --- the slash command ----------------------------------------------------------------------------------

    def help_text(self) -> str:
        return blocks.help_message(COMMAND, self.subcommands.listing())

    def on_command(self, client: WebClient, payload: dict[str, Any]) -> dict[str, Any]:
        """``/mhhs ...``: the reply to send to the person (always private unless a subcommand says otherwise)."""
        text = payload.get("text") or ""
        user, channel = payload["user_id"], payload["channel_id"]
        name, args = split_command_text(text)
        if not name or name == "help":
            return _private(self.help_text())
        subcommand = self.subcommands.get(name)
        if subcommand is not None:
            if subcommand.team_only and not self.team.is_team_member(user):
                return _private(f"`{COMMAND} {name}` is for the qualification team.")
            reply = subcommand.handler(SubcommandRequest(name, args, user, channel, payload, client))
            return _private(reply) if isinstance(reply, str) else {"response_type": "ephemeral", **reply}
        if looks_like_unknown_subcommand(text):
            unknown = (
                f"There is no `{COMMAND} {render.escape(name)}` command. To ask a question, write it out in full, "
                f"for example `{COMMAND} who signs the final QAD?`\n\n"
            )
            return _private(unknown + self.help_text())
        decision = self.rate_limiter.check(user)
        if not decision.allowed:
            return _private(blocks.rate_limited_text(self.rate_limiter.per_minute, decision.wait_seconds))
        question = plain_text(text, self.bot_user_id)
        answer = self.knowledge_base.ask(question)
        record = self.records.save_question(
            answer=answer,
            user_id=user,
            channel_id=channel,
            surface=SURFACE_COMMAND,
            message_ts=None,
            thread_ts=None,
            context=None,
        )
        message = blocks.answer_message(
            answer,
            record.id,
            enquiries_address=self.settings.enquiries_address,
            can_ask_team=self.can_escalate,
            show_question=True,
            shareable=True,
        )
        return {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}

    # --- buttons --------------------------------------------------------------------------------------------

    def record_vote(self, question_id: str, user_id: str, channel_id: str | None, vote: int) -> str:
        """A 👍 / 👎 click; returns the private receipt for the voter."""
        if self.records.question(question_id) is None:
            return "That answer is no longer on record, so the feedback could not be saved."
        previous = self.records.vote(question_id, user_id, channel_id, vote)
        return blocks.vote_receipt(vote, previous)

    def share(self, client: WebClient, question_id: str, user_id: str, channel_id: str) -> str | None:
        """ "Share in channel" on a private answer: post it in the channel, crediting who asked.

        Returns None when shared, or the reason it could not be.
        """
        record = self.records.question(question_id)
        if record is None:
            return "That answer is no longer on record; please ask again."
        message = blocks.answer_message(
            answer_from_record(record),
            record.id,
            enquiries_address=self.settings.enquiries_address,
            can_ask_team=self.can_escalate,
            asked_by=record.user_id,
        )
        try:
            response = client.chat_postMessage(channel=channel_id, **message.as_kwargs())
        except SlackApiError as exc:
            if exc.response.get("error") in ("not_in_channel", "channel_not_found", "is_archived"):
                return "I cannot post in this conversation; add me to the channel first, or mention me there."
            raise
        self.records.set_reply(record.id, channel_id, response.get("ts"))
        return None

    # --- escalation -----------------------------------------------------------------------------------------

    def escalate(self, client: WebClient, question_id: str, user_id: str) -> str:
        """ "Ask the qualification team": post the question in the team channel. Returns the receipt text."""
        team_channel = self.settings.slack.team_channel
        if not team_channel:
            return f"Please email the qualification team at {self.settings.enquiries_address}."
        record = self.records.question(question_id)
        if record is None:
            return "That question is no longer on record; please ask again."
        relay_channel, relay_thread_ts, where_reply = self._relay_target(client, record)
        escalation = self.records.reserve_escalation(
            question_id, user_id, team_channel, relay_channel, relay_thread_ts
        )
        if escalation is None:
            return "This question is already with the qualification team; their reply will come to you here."
        post = blocks.escalation_post(
            record.question,
            record.user_id,
            self._permalink(client, record),
            self._where(record),
            record.context,
        )
        try:
            response = client.chat_postMessage(channel=team_channel, **post.as_kwargs())
        except SlackApiError as exc:
            self.records.cancel_escalation(escalation.id)
            logger.error("could not post an escalation in team channel %s: %s", team_channel, exc)
            return (
                "Sorry, I could not reach the qualification team's channel just now. Please try again later, or "
                f"email {self.settings.enquiries_address}."
            )
        except Exception:
            self.records.cancel_escalation(escalation.id)
            raise
        self.records.set_team_post(escalation.id, response["ts"])
        return f"I have asked the qualification team. Their reply will appear {where_reply}."

    def _relay_target(self, client: WebClient, record: QuestionRecord) -> tuple[str, str | None, str]:
        """Where the team's reply goes: the question's thread, the DM, or (a private answer) a DM to the asker."""
        if record.surface == SURFACE_COMMAND and not record.reply_ts:
            dm = client.conversations_open(users=record.user_id)["channel"]["id"]
            return dm, None, "in a direct message from me"
        if record.surface in PRIVATE_SURFACES:
            return record.channel_id, record.thread_ts, "in this conversation"
        channel = record.reply_channel or record.channel_id
        return channel, record.thread_ts or record.reply_ts, "in this thread"

    @staticmethod
    def _where(record: QuestionRecord) -> str:
        if record.surface == SURFACE_DM:
            return "in a direct message"
        if record.surface == SURFACE_ASSISTANT:
            return "in the assistant panel"
        if record.surface == SURFACE_COMMAND:
            return f"privately (`{COMMAND}`) in <#{record.channel_id}>"
        return f"in <#{record.channel_id}>"

    @staticmethod
    def _permalink(client: WebClient, record: QuestionRecord) -> str | None:
        if record.surface in PRIVATE_SURFACES:
            return None  # the team cannot open someone else's direct messages
        ts = record.message_ts or record.reply_ts
        if not ts:
            return None
        try:
            return client.chat_getPermalink(channel=record.reply_channel or record.channel_id, message_ts=ts)[
                "permalink"
            ]
        except SlackApiError as exc:
            logger.warning("no permalink for question %s: %s", record.id, exc.response.get("error"))
            return None

    def relay_team_reply(
        self, client: WebClient, event: dict[str, Any], escalation: EscalationRecord
    ) -> None:
        """A team member's reply in an escalation's thread: store it as a team answer and relay it to the asker."""
        member = event["user"]
        if not self.team.is_team_member(member):
            return
        reply = plain_reply(event.get("text", ""))
        record = self.records.question(escalation.question_id)
        if not reply or record is None or INTERNAL_NOTE.match(reply):
            return
        answered_on = self.today()
        team_answer = self.records.add_team_answer(
            escalation_id=escalation.id,
            question=record.question,
            reply=reply,
            answered_by=member,
            answered_by_name=self._display_name(client, member),
            answered_on=answered_on,
            reply_ts=event["ts"],
        )
        self.knowledge_base.add_team_answer(
            team_answer.id, record.question, reply, team_answer.answered_by_name, answered_on
        )
        relay = blocks.team_reply_relay(reply, answered_on, team_answer.id)
        relayed = client.chat_postMessage(
            channel=escalation.relay_channel, thread_ts=escalation.relay_thread_ts, **relay.as_kwargs()
        )
        receipt = client.chat_postMessage(
            channel=escalation.team_channel,
            thread_ts=escalation.team_ts,
            **blocks.team_receipt(team_answer.id, record.user_id).as_kwargs(),
        )
        self.records.set_team_answer_messages(
            team_answer.id, escalation.relay_channel, relayed.get("ts"), receipt.get("ts")
        )

    def answer_as_team(
        self, client: WebClient, question_id: str, question: str, reply: str, member: str
    ) -> TeamAnswerRecord:
        """A team answer written from App Home for a question (a knowledge gap): recorded against the question's
        escalation (opened now if there is none, without a team-channel post) and indexed, as a relayed reply is."""
        record = self.records.question(question_id)
        escalation = self.records.escalation_for_question(question_id)
        if escalation is None and record is not None:
            team_channel = self.settings.slack.team_channel or record.channel_id
            escalation = self.records.reserve_escalation(
                question_id, member, team_channel, record.reply_channel or record.channel_id, record.thread_ts
            )
        if escalation is None:
            raise ValueError(f"question {question_id} is not on record")
        answered_on = self.today()
        team_answer = self.records.add_team_answer(
            escalation_id=escalation.id,
            question=question,
            reply=reply,
            answered_by=member,
            answered_by_name=self._display_name(client, member),
            answered_on=answered_on,
            reply_ts="",
        )
        self.knowledge_base.add_team_answer(
            team_answer.id, question, reply, team_answer.answered_by_name, answered_on
        )
        return team_answer

    @staticmethod
    def _display_name(client: WebClient, user_id: str) -> str:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError:
            return user_id
        profile = user.get("profile") or {}
        return profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user_id

    def retract(self, client: WebClient, answer_id: str, user_id: str) -> str:
        """Withdraw a team answer: no longer cited, and its relayed message says so. Team members only."""
        if not self.team.is_team_member(user_id):
            return "Only the qualification team can retract team answers."
        answer_id = answer_id.strip().upper()
        team_answer = self.records.team_answer(answer_id)
        if team_answer is None:
            return f"There is no team answer {render.escape(answer_id)}."
        if not self.records.retract_team_answer(answer_id, user_id):
            return f"Team answer {answer_id} is already retracted."
        self.knowledge_base.remove_team_answer(answer_id)
        if team_answer.relay_channel and team_answer.relay_ts:
            client.chat_update(
                channel=team_answer.relay_channel,
                ts=team_answer.relay_ts,
                **_update_kwargs(blocks.team_reply_retracted(answer_id)),
            )
        escalation = self.records.escalation(team_answer.escalation_id)
        if escalation is not None and team_answer.receipt_ts:
            client.chat_update(
                channel=escalation.team_channel,
                ts=team_answer.receipt_ts,
                **_update_kwargs(blocks.team_receipt_retracted(answer_id, user_id)),
            )
        return f"Team answer {answer_id} is retracted and will no longer be cited."


def _words(text: str) -> str:
    """Lower-case words only: no emoji codes (``:+1:``), no punctuation."""
    text = re.sub(r":[a-z0-9_+'-]+:", " ", text.lower())
    return " ".join(re.sub(r"[^\w\s']", " ", text).split())


def _private(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}


def _update_kwargs(message: blocks.AnswerMessage) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks}
