"""The Reply form of a case (pure: values in, a modal out): template, editable text, recipients pre-filled.

Ids: the **Reply** button is ``case_reply`` (value: the reference); in the form, the template menu is
``case_reply_template`` (choosing one fills the text in), the form's callback id is ``case_reply_modal``, and its
inputs are the blocks ``reply_to``, ``reply_cc`` and ``reply_text:<template>`` (a new block id per template, so
Slack shows the template's text instead of keeping what was typed before).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from handlers.slack.render import escape, option, truncate

ACTION_REPLY = "case_reply"
ACTION_REPLY_TEMPLATE = "case_reply_template"
REPLY_MODAL = "case_reply_modal"
TO_BLOCK, CC_BLOCK, TEXT_BLOCK_PREFIX, TEMPLATE_BLOCK = (
    "reply_to",
    "reply_cc",
    "reply_text:",
    "reply_template",
)
MAX_TEXT = 3000


def _input(block_id: str, label: str, value: str, multiline: bool = False, optional: bool = False) -> dict:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if multiline:
        element["max_length"] = MAX_TEXT
    if value:
        element["initial_value"] = value[:MAX_TEXT]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def reply_modal(
    ref: str,
    subject: str,
    templates: Sequence[tuple[str, str]],
    *,
    to: str,
    cc: str,
    text: str = "",
    template: str | None = None,
    sender: str = "",
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The form; ``templates`` as (name, title); ``metadata`` (JSON in private_metadata) says where it was opened."""
    menu: dict[str, Any] = {
        "type": "static_select",
        "action_id": ACTION_REPLY_TEMPLATE,
        "placeholder": {"type": "plain_text", "text": "Start from a template…"},
        "options": [option(title, name) for name, title in templates][:100],
    }
    chosen = [o for o in menu["options"] if o["value"] == template]
    if chosen:
        menu["initial_option"] = chosen[0]
    return {
        "type": "modal",
        "callback_id": REPLY_MODAL,
        "private_metadata": json.dumps({"ref": ref, "template": template, **(metadata or {})}),
        "title": {"type": "plain_text", "text": truncate(f"Reply on {ref}", 24)},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": truncate(
                            f"By mail from {escape(sender) or 'the team address'}, subject "
                            f"*{escape(subject)}*, threaded under the participant's last mail. "
                            "Stored on the case.",
                            3000,
                        ),
                    }
                ],
            },
            {"type": "actions", "block_id": TEMPLATE_BLOCK, "elements": [menu]},
            _input(TO_BLOCK, "To (comma-separated)", to),
            _input(CC_BLOCK, "Cc (comma-separated; empty: nobody)", cc, optional=True),
            _input(f"{TEXT_BLOCK_PREFIX}{template or 'own'}", "Text", text, multiline=True),
        ],
    }


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """``to``, ``cc`` and ``text`` as typed in the form."""
    values = (view or {}).get("state", {}).get("values", {})
    found = {"to": "", "cc": "", "text": "", "text_block": ""}
    for block_id, inputs in values.items():
        value = (inputs.get("value") or {}).get("value") or ""
        if block_id == TO_BLOCK:
            found["to"] = value
        elif block_id == CC_BLOCK:
            found["cc"] = value
        elif block_id.startswith(TEXT_BLOCK_PREFIX):
            found["text"], found["text_block"] = value, block_id
    return found


def split_addresses(text: str) -> list[str]:
    return [a.strip() for a in text.replace(";", ",").split(",") if a.strip()]
