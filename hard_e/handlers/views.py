"""Modal views: plain data in, a view object out, no I/O. Tested against Slack's published limits:
a title, submit and close of at most 24 characters, at most 100 blocks, input labels up to 2,000
characters, `private_metadata` up to 3,000, select options up to 100 (text ≤ 75, value ≤ 150)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hard_e.agents.crm.form import LIMITS

NEW_CUSTOMER = "new_customer"
VALUE = "value"  # every input's action_id: block ids name the fields

# (block_id, label, kind, max length or None, placeholder)
NEW_CUSTOMER_FIELDS: tuple[tuple[str, str, str, int | None, str], ...] = (
    ("first_name", "First name", "text", LIMITS["first_name"], "Maria"),
    ("last_name", "Last name", "text", LIMITS["last_name"], "Quintero"),
    ("email", "Email", "text", LIMITS["email"], "maria.quintero@example.com"),
    ("phone", "Phone", "text", LIMITS["phone"], "214-555-0187"),
    ("address", "Address", "text", LIMITS["address"], "2608 Copper Canyon Drive, Plano, TX 75024"),
    ("trade", "Trade", "multi_select", None, "Roofing, gutters…"),
    ("lead_source", "Lead source", "select", None, "How we met them"),
    ("notes", "Notes", "multiline", LIMITS["notes"], "Best time to call, decision-makers, what they want…"),
)
OPTIONAL = {"email", "phone", "address", "notes"}  # at least one of email or phone is checked on submit

View = dict[str, Any]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(value: str) -> dict[str, Any]:
    return {"text": _plain(value.replace("_", " ").capitalize()), "value": value}


def _element(kind: str, limit: int | None, placeholder: str, value: Any, choices: Sequence[str]) -> dict[str, Any]:
    if kind in ("text", "multiline"):
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE, "placeholder": _plain(placeholder)}
        if kind == "multiline":
            element["multiline"] = True
        if limit:
            element["max_length"] = limit
        if isinstance(value, str) and value:
            element["initial_value"] = value[:limit] if limit else value
        return element
    options = [_option(c) for c in choices]
    if kind == "multi_select":
        element = {"type": "multi_static_select", "action_id": VALUE, "placeholder": _plain(placeholder), "options": options}
        chosen = [c for c in (value or []) if c in choices]
        if chosen:
            element["initial_options"] = [_option(c) for c in chosen]
        return element
    element = {"type": "static_select", "action_id": VALUE, "placeholder": _plain(placeholder), "options": options}
    if isinstance(value, str) and value in choices:
        element["initial_option"] = _option(value)
    return element


def build_new_customer_modal(
    values: Mapping[str, Any], *, trades: Sequence[str], lead_sources: Sequence[str], metadata: str = "", note: str | None = None
) -> View:
    """The `/new-customer` form, prefilled with `values` (field → text, or a list for trade). Block and
    action ids never change between versions, so Slack keeps what the rep typed when the view is updated."""
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append({"type": "context", "block_id": "note", "elements": [{"type": "mrkdwn", "text": note}]})
    for block_id, label, kind, limit, placeholder in NEW_CUSTOMER_FIELDS:
        choices = trades if block_id == "trade" else lead_sources if block_id == "lead_source" else ()
        blocks.append(
            {
                "type": "input",
                "block_id": block_id,
                "label": _plain(label),
                "optional": block_id in OPTIONAL,
                "element": _element(kind, limit, placeholder, values.get(block_id), choices),
            }
        )
    return {
        "type": "modal",
        "callback_id": NEW_CUSTOMER,
        "title": _plain("New customer"),
        "submit": _plain("Create"),
        "close": _plain("Cancel"),
        "private_metadata": metadata[:3000],
        "blocks": blocks,
    }


def read_new_customer_form(state_values: Mapping[str, Any]) -> dict[str, Any]:
    """What the rep entered, from a view_submission's `view.state.values` (missing fields are empty)."""
    out: dict[str, Any] = {}
    for block_id, _, kind, _, _ in NEW_CUSTOMER_FIELDS:
        element = (state_values.get(block_id) or {}).get(VALUE) or {}
        if kind == "multi_select":
            out[block_id] = [o.get("value") for o in element.get("selected_options") or [] if isinstance(o, dict) and o.get("value")]
        elif kind == "select":
            selected = element.get("selected_option") or {}
            out[block_id] = selected.get("value") or "" if isinstance(selected, dict) else ""
        else:
            out[block_id] = element.get("value") or ""
    return out


def build_message_modal(title: str, text: str) -> View:
    """A modal that only says something (the workflow ended, or the rep may not do this)."""
    return {
        "type": "modal",
        "title": _plain(title[:24]),
        "close": _plain("Close"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    }


SCRIPT = "script"
SCRIPT_REVISION = "script_revision"
CUSTOMER_SEARCH = "customer_search"  # the external select's action_id: Slack asks for options as the rep types
SCRIPT_KINDS = (("call", "Standard call script"), ("primer_video", "Primer video"))
TONES = (("friendly", "Friendly"), ("professional", "Professional"), ("direct", "Direct"), ("reassuring", "Warm and reassuring"))
LENGTHS = (("short", "Short (about 30 seconds)"), ("medium", "Medium (about a minute)"), ("long", "Long (about two minutes)"))
KEY_POINTS_LIMIT = 2000
INSTRUCTIONS_LIMIT = 2000


def _choice(value: str, text: str) -> dict[str, Any]:
    return {"text": _plain(text[:75]), "value": value[:150]}


def _select(block_id: str, label: str, choices: Sequence[tuple[str, str]], initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "action_id": VALUE, "options": [_choice(v, t) for v, t in choices]}
    chosen = next(((v, t) for v, t in choices if v == initial), None)
    if chosen:
        element["initial_option"] = _choice(*chosen)
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}


def build_script_modal(*, customer: tuple[str, str] | None = None, note: str | None = None) -> View:
    """The `/script` form: type, customer or job (searched in the CRM as the rep types), tone, length, key
    points. `customer` is (value, text) of a match found from the command's words."""
    search: dict[str, Any] = {
        "type": "external_select",
        "action_id": CUSTOMER_SEARCH,
        "placeholder": _plain("Type a name, email, phone or job number"),
        "min_query_length": 2,
    }
    if customer:
        search["initial_option"] = _choice(*customer)
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append({"type": "context", "block_id": "note", "elements": [{"type": "mrkdwn", "text": note[:2000]}]})
    blocks += [
        _select("kind", "Script type", SCRIPT_KINDS, "call"),
        {"type": "input", "block_id": "customer", "label": _plain("Customer or job"), "element": search},
        _select("tone", "Tone", TONES, "friendly"),
        _select("length", "Length", LENGTHS, "medium"),
        {
            "type": "input",
            "block_id": "key_points",
            "label": _plain("Key points"),
            "optional": True,
            "element": {
                "type": "plain_text_input",
                "action_id": VALUE,
                "multiline": True,
                "max_length": KEY_POINTS_LIMIT,
                "placeholder": _plain("What the script must cover: the storm, financing, the spouse, a date…"),
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": SCRIPT,
        "title": _plain("New script"),
        "submit": _plain("Write it"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def read_script_form(state_values: Mapping[str, Any]) -> dict[str, str]:
    """kind, customer (the option's value), customer_text, tone, length, key_points from a submission."""
    out: dict[str, str] = {}
    for block_id in ("kind", "tone", "length"):
        option = ((state_values.get(block_id) or {}).get(VALUE) or {}).get("selected_option") or {}
        out[block_id] = str(option.get("value") or "") if isinstance(option, dict) else ""
    picked = ((state_values.get("customer") or {}).get(CUSTOMER_SEARCH) or {}).get("selected_option") or {}
    out["customer"] = str(picked.get("value") or "") if isinstance(picked, dict) else ""
    text = picked.get("text") if isinstance(picked, dict) else None
    out["customer_text"] = str(text.get("text") or "") if isinstance(text, dict) else ""
    out["key_points"] = str(((state_values.get("key_points") or {}).get(VALUE) or {}).get("value") or "")
    return out


def build_revision_modal(revision: int, *, metadata: str) -> View:
    """Revise: what should change in version `revision` (the button's value rides in private_metadata)."""
    return {
        "type": "modal",
        "callback_id": SCRIPT_REVISION,
        "title": _plain(f"Revise version {revision}"[:24]),
        "submit": _plain("Revise"),
        "close": _plain("Cancel"),
        "private_metadata": metadata[:3000],
        "blocks": [
            {
                "type": "input",
                "block_id": "instructions",
                "label": _plain("What should change?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": VALUE,
                    "multiline": True,
                    "max_length": INSTRUCTIONS_LIMIT,
                    "placeholder": _plain("Make the opener shorter; mention the hail claim first…"),
                },
            }
        ],
    }
