"""The team's knowledge gaps in App Home, and **Answer as team**.

The team section lists the groups of :mod:`bot.answers.gaps` (declined questions and 👎 answers, grouped by similar
question). **Answer as team** opens a form; the answer is saved as a team answer for the group's question the way a
team reply to an escalation is (a TA-nnnn record, indexed at once, cited to later askers as answered by the
qualification team), and the group leaves the report.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from slack_sdk import WebClient

from handlers.slack import render
from handlers.slack.assistant import SlackAssistant

logger = logging.getLogger(__name__)

ACTION_ANSWER_GAP = "gap_answer_team"
GAP_MODAL = "gap_answer_form"
GAP_BLOCK = "gap_answer"
GAP_INPUT = "gap_answer_text"
HOME_GROUPS = 5


def gap_section(groups: list[Any]) -> list[dict[str, Any]]:
    """App Home blocks for the team: the largest gap groups, each with its Answer as team button."""
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        render.section(
            f"*Knowledge gaps* ({len(groups)})\n"
            "Questions the guidance did not cover and answers voted 👎, grouped by similar question. "
            "Answer a group once and later askers get the team's answer, cited."
        ),
    ]
    if not groups:
        blocks.append(render.context("No gaps: nothing declined or voted down since the last team answers."))
        return blocks
    for group in groups[:HOME_GROUPS]:
        lines = [
            f"*{render.escape(render.truncate(group.group, 300))}*",
            f"asked {group.count}× · {group.declined} declined · {group.downvotes} 👎",
        ]
        others = [e for e in group.examples if e != group.group]
        if others:
            lines.append("_Also:_ " + " · ".join(render.escape(render.truncate(e, 150)) for e in others))
        if group.nearest:
            nearest = group.nearest
            lines.append(
                f"Nearest: {render.escape(nearest.get('title') or nearest.get('document') or '')} › "
                f"{render.escape(nearest.get('section') or '')} (👍 {nearest['up']} / 👎 {nearest['down']})"
            )
        button = render.button("Answer as team", ACTION_ANSWER_GAP, group.key, style="primary")
        blocks.append(render.section("\n".join(lines), accessory=button))
    if len(groups) > HOME_GROUPS:
        blocks.append(
            render.context(f"…and {len(groups) - HOME_GROUPS} more: `mhhs-bot gaps` lists them all.")
        )
    return blocks


def answer_form(key: str, question: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": GAP_MODAL,
        "private_metadata": json.dumps({"key": key}),
        "title": {"type": "plain_text", "text": "Answer as team"},
        "submit": {"type": "plain_text", "text": "Save the answer"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            render.section(f"*Question*\n{render.escape(render.truncate(question, 2500))}"),
            {
                "type": "input",
                "block_id": GAP_BLOCK,
                "label": {"type": "plain_text", "text": "The qualification team's answer"},
                "element": {"type": "plain_text_input", "action_id": GAP_INPUT, "multiline": True},
            },
            render.context("Saved as a team answer: cited to everyone who asks this from now on."),
        ],
    }


class GapDesk:
    """Builds the gap section and records team answers for gap groups."""

    def __init__(self, assistant: SlackAssistant):
        self.assistant = assistant
        self._vectors: dict[str, np.ndarray] = {}  # question -> its vector: a question never changes

    def embed(self, texts: list[str]) -> np.ndarray:
        """The questions' vectors; each question is embedded once per process, not on every App Home open."""
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            for text, vector in zip(new, self.assistant.knowledge_base.embedder.encode(new), strict=True):
                self._vectors[text] = np.asarray(vector, dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)

    def groups(self) -> list[Any]:
        return self.assistant.records.knowledge_gaps(self.embed)

    def home_blocks(self, user: str) -> list[dict[str, Any]]:
        """The team section of App Home (nothing for people outside the team)."""
        if not self.assistant.team.is_team_member(user):
            return []
        return gap_section(self.groups())

    def open_form(self, body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        if not self.assistant.team.is_team_member(user):
            return
        key = body["actions"][0].get("value") or ""
        group = next((g for g in self.groups() if g.key == key), None)
        if group is None:
            client.chat_postMessage(channel=user, text="That group has been answered already, or is gone.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=answer_form(key, group.group))

    @staticmethod
    def answer_text(body: dict[str, Any]) -> str:
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        return ((values.get(GAP_BLOCK) or {}).get(GAP_INPUT) or {}).get("value") or ""

    def check_form(self, ack: Any, body: dict[str, Any]) -> None:
        if not self.answer_text(body).strip():
            ack(response_action="errors", errors={GAP_BLOCK: "Write the answer first."})
        else:
            ack()

    def save_answer(self, body: dict[str, Any], client: WebClient) -> str | None:
        """Record the team answer for the group; returns its id (None when nothing was saved)."""
        member = body["user"]["id"]
        reply = self.answer_text(body).strip()
        if not reply or not self.assistant.team.is_team_member(member):
            return None
        key = json.loads((body.get("view") or {}).get("private_metadata") or "{}").get("key")
        group = next((g for g in self.groups() if g.key == key), None)
        if group is None:
            client.chat_postMessage(
                channel=member, text="That group was answered meanwhile; nothing was saved."
            )
            return None
        team_answer = self.assistant.answer_as_team(client, group.key, group.group, reply, member)
        self.assistant.records.mark_gap_answered(group.question_ids, team_answer.id)
        logger.info("team answer %s recorded for a gap group of %d questions", team_answer.id, group.count)
        return team_answer.id
