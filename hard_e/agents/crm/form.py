"""The new-customer form as the brain sees it: field name → what the rep sees in it. Filling it from
free text (the normalizer at once, the model later), reading it back, and checking it field by field.
Pure functions; the Slack view is built from these values in handlers/views.py."""

from __future__ import annotations

import re
from typing import Any

from hard_e.agents.intake import ClientFields, deterministic_fields, validate

FormValues = dict[str, Any]  # field → text, or a list of trades for "trade"

# What each field may hold (the modal's max_length); longer is refused inline, never cut.
LIMITS = {"first_name": 100, "last_name": 100, "email": 254, "phone": 40, "address": 300, "notes": 3000}
TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "address", "lead_source", "notes")
# A validation problem's field → the form field that shows it.
SHOWN_IN = {"trades": "trade", "street": "address", "city": "address", "state": "address", "zip": "address"}
NEED_CONTACT = "I need a phone number or an email address (at least one)."

_STATE_ZIP = re.compile(r"^(?P<state>[A-Za-z]{2}|[A-Za-z][A-Za-z .]+?)\s*(?P<zip>\d{5})?$")


def empty_form() -> FormValues:
    return {**dict.fromkeys(TEXT_FIELDS, ""), "trade": []}


def form_from_fields(fields: ClientFields) -> FormValues:
    place = " ".join(p for p in (fields.state, fields.zip) if p)
    address = ", ".join(p for p in (fields.street, fields.city, place) if p)
    return {
        "first_name": fields.first_name or "",
        "last_name": fields.last_name or "",
        "email": fields.email or "",
        "phone": fields.phone or "",
        "address": address,
        "trade": list(fields.trades),
        "lead_source": fields.lead_source or "",
        "notes": fields.notes or "",
    }


form_from_extraction = form_from_fields


def form_from_text(text: str) -> FormValues:
    """What the deterministic normalizer finds in `text`: instant, so the form can open with it."""
    return form_from_fields(deterministic_fields(text))


def fill_blanks(current: FormValues, found: FormValues) -> FormValues:
    """`current` with its empty fields filled from `found`; a field that has something keeps it."""
    return {key: current.get(key) if current.get(key) else found.get(key, current.get(key)) for key in current}


def split_address(address: str) -> dict[str, str]:
    """'2608 Copper Canyon Drive, Plano, TX 75024' → street, city, state, zip (what can't be placed stays in street)."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    out = {"street": "", "city": "", "state": "", "zip": ""}
    if parts and (tail := _STATE_ZIP.match(parts[-1])) and len(parts) >= 2:
        out["state"], out["zip"] = tail["state"].strip(), tail["zip"] or ""
        parts = parts[:-1]
    if len(parts) >= 2:
        out["city"] = parts[-1]
        parts = parts[:-1]
    out["street"] = ", ".join(parts)
    return out


def fields_from_form(values: FormValues) -> ClientFields:
    place = split_address(str(values.get("address") or ""))
    return ClientFields(
        first_name=_text(values, "first_name"),
        last_name=_text(values, "last_name"),
        email=_text(values, "email"),
        phone=_text(values, "phone"),
        street=place["street"] or None,
        city=place["city"] or None,
        state=place["state"] or None,
        zip=place["zip"] or None,
        trades=[t for t in values.get("trade") or [] if isinstance(t, str)],
        lead_source=_text(values, "lead_source"),
        notes=_text(values, "notes"),
    )


def form_problems(values: FormValues) -> dict[str, str]:
    """A message per form field that can't be saved as it is; {} when the form is good."""
    problems: dict[str, str] = {}
    for key, limit in LIMITS.items():
        if len(str(values.get(key) or "")) > limit:
            problems[key] = f"That's longer than {limit:,} characters; please shorten it."
    if problems:
        return problems
    fields = fields_from_form(values)
    for key, message in validate(fields).items():
        problems.setdefault(SHOWN_IN.get(key, key), message)
    if not (fields.email or fields.phone):
        problems.setdefault("phone", NEED_CONTACT)
    return problems


def payload_from_form(values: FormValues) -> dict[str, Any]:
    """What the outbox keeps (and the CRM gets): the checked fields in their written forms."""
    fields = fields_from_form(values)
    return {
        "first_name": fields.first_name or "",
        "last_name": fields.last_name or "",
        "email": fields.email,
        "phone": fields.phone,
        "address": {"street": fields.street or "", "city": fields.city or "", "state": fields.state or "", "zip": fields.zip or ""},
        "trades": list(fields.trades),
        "lead_source": fields.lead_source,
        "note": fields.notes,
    }


def _text(values: FormValues, key: str) -> str | None:
    value = values.get(key)
    return value.strip() or None if isinstance(value, str) else None
