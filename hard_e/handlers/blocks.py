"""Block Kit builders: plain data in, message blocks out, no I/O (tested with plain asserts against
Slack's limits: 3,000 characters in a section's text, 2,000 in a button's value, 255 in an action_id).
Texts arrive in Slack's mrkdwn already (the brain writes CRM summaries in the subset both share)."""

from __future__ import annotations

import json
from typing import Any

CONFIRM, CANCEL = "crm_confirm", "crm_cancel"
SECTION_LIMIT = 3000

Blocks = list[dict[str, Any]]


def _section(mrkdwn: str) -> dict[str, Any]:
    if len(mrkdwn) > SECTION_LIMIT:
        mrkdwn = mrkdwn[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def build_confirmation(summary: str, action_id: str, requested_by: str) -> tuple[str, Blocks]:
    """The proposed CRM change with Confirm and Cancel (fallback text, blocks)."""
    blocks: Blocks = [
        _section(f":pencil: *Confirm this CRM change?*\n{summary}"),
        {
            "type": "actions",
            "block_id": "crm_decision",
            "elements": [
                {
                    "type": "button",
                    "action_id": CONFIRM,
                    "text": {"type": "plain_text", "text": "Confirm"},
                    "style": "primary",
                    "value": action_id,
                },
                {
                    "type": "button",
                    "action_id": CANCEL,
                    "text": {"type": "plain_text", "text": "Cancel"},
                    "value": action_id,
                },
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Only <@{requested_by}> can confirm. Expires in 24 hours."}]},
    ]
    return f"Confirm this CRM change? {summary}", blocks


OUTCOME_ICONS = {"done": ":white_check_mark:", "failed": ":x:", "cancelled": ":no_entry_sign:", "expired": ":hourglass:"}


def build_outcome(outcome: str, text: str, summary: str, *, link: str | None = None, decided_by: str | None = None) -> tuple[str, Blocks]:
    """The confirmation message once decided: what was proposed, what came of it, no buttons."""
    icon = OUTCOME_ICONS.get(outcome, ":information_source:")
    result = text
    if link:
        result += f" <{link}|Open it in the CRM>"
    blocks: Blocks = [_section(f"{icon} {result}"), _section(summary or "(the proposed change)")]
    if decided_by:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{outcome.capitalize()} by <@{decided_by}>"}]})
    return f"{text}", blocks


REVIEW_NEW_CUSTOMER = "new_customer_review"
BUTTON_VALUE_LIMIT = 2000


def build_review_offer(values: dict[str, object]) -> tuple[str, Blocks]:
    """New-customer details from a conversation, with "Review & create" (opens the form prefilled: the
    values ride in the button, cut to fit Slack's 2,000 characters, notes first to go)."""
    name = " ".join(str(values.get(k) or "") for k in ("first_name", "last_name")).strip() or "the new customer"
    value = json.dumps(values)
    if len(value) > BUTTON_VALUE_LIMIT:
        value = json.dumps({**values, "notes": ""})[:BUTTON_VALUE_LIMIT]
    blocks: Blocks = [
        _section(f":bust_in_silhouette: Ready to create *{name}*? Check the details in the form and create the customer."),
        {
            "type": "actions",
            "block_id": "new_customer_review",
            "elements": [
                {
                    "type": "button",
                    "action_id": REVIEW_NEW_CUSTOMER,
                    "text": {"type": "plain_text", "text": "Review & create"},
                    "style": "primary",
                    "value": value,
                }
            ],
        },
    ]
    return f"Ready to create {name}? Review & create", blocks


SCRIPT_REVISE, SCRIPT_APPROVE, SCRIPT_LISTEN, SCRIPT_RENDER = "script_revise", "script_approve", "script_listen", "script_render"


def script_action_value(conversation_key: str, revision: int) -> str:
    return json.dumps({"key": conversation_key, "rev": revision})


def read_script_action_value(raw: object) -> tuple[str, int] | None:
    """(conversation key, revision) from a script button's value, or None when it isn't one."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("key"), str) and isinstance(data.get("rev"), int) and data["rev"] > 0:
        return data["key"], data["rev"]
    return None


def build_script_actions(conversation_key: str, revision: int, kind: str) -> tuple[str, Blocks]:
    """The buttons under a script version: Revise, Approve, Listen, and Render video for a primer script."""
    value = script_action_value(conversation_key, revision)
    buttons = [
        ("Revise", SCRIPT_REVISE, None),
        ("Approve", SCRIPT_APPROVE, "primary"),
        ("Listen", SCRIPT_LISTEN, None),
    ]
    if kind == "primer_video":
        buttons.append(("Render video", SCRIPT_RENDER, None))
    elements = []
    for text, action_id, style in buttons:
        button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, "value": value}
        if style:
            button["style"] = style
        elements.append(button)
    blocks: Blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Version {revision} — reply here to change it, or:"}]},
        {"type": "actions", "block_id": f"script_v{revision}", "elements": elements},
    ]
    return f"Version {revision}: Revise, Approve or Listen", blocks


FEEDBACK = "answer_feedback"  # the 👍 / 👎 under a finished answer
GOOD, BAD = "good", "bad"


def answer_with_feedback(mrkdwn: str) -> Blocks:
    """A finished answer as blocks (its text in sections, cut at line breaks to fit) with the 👍 / 👎
    feedback buttons under it (Block Kit's context actions block)."""
    sections: list[str] = []
    rest = mrkdwn
    while len(rest) > SECTION_LIMIT:
        cut = rest.rfind("\n", 0, SECTION_LIMIT)
        cut = cut if cut > SECTION_LIMIT // 2 else SECTION_LIMIT
        sections.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    sections.append(rest)
    blocks: Blocks = [_section(text) for text in sections if text.strip()]
    buttons = {
        "type": "feedback_buttons",
        "action_id": FEEDBACK,
        "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": GOOD, "accessibility_label": "This answer helped"},
        "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": BAD, "accessibility_label": "This answer missed"},
    }
    blocks.append({"type": "context_actions", "elements": [buttons]})
    return blocks
