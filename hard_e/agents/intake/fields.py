"""A new customer's details as the intake guide (new_customer_intake.md) asks for them: the `ClientFields`
record, the canonical written forms, `validate` and `to_new_customer`. Pure, no I/O.

`ClientFields` is also the structured-output schema the model fills, so every field is in the schema as
"string or null" (no length keywords or defaults, which strict structured outputs refuse); limits are
applied by validators that tidy and clip what comes in.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from hard_e.records import Address, NewCustomer

# The intake guide's lists (new_customer_intake.md; the same as transcripts/schema.py).
TRADES = ("roofing", "siding", "windows", "gutters", "solar")
LEAD_SOURCES = ("door_knock", "storm_canvass", "referral", "website", "phone_in", "home_show", "repeat_customer", "social")

STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
    "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
}  # fmt: skip
STATE_CODES = frozenset(STATES.values())

EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+'-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}")
US_PHONE = re.compile(r"\d{3}-\d{3}-\d{4}(?: ext\. \d{1,6})?")
LOCAL_PHONE = re.compile(r"\d{3}-\d{4}(?: ext\. \d{1,6})?")  # no area code: kept so validation can ask for it
INTERNATIONAL_PHONE = re.compile(r"\+(?!1\b)\d{1,3}(?:[ -]?\d{1,5}){2,6}")
ZIP = re.compile(r"\d{5}")
_PHONE_PARTS = re.compile(r"(?P<main>.+?)(?:\s*,?\s*(?:ext\.?|extension|x)\s*(?P<ext>\d{1,6}))?", re.I)
_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[ '’.-])*")

# Generous enough that nothing the new-customer form accepts (agents/crm/form.py LIMITS) is ever cut.
_LIMITS = {"name": 100, "email": 254, "phone": 40, "street": 300, "city": 100, "state": 30, "zip": 10, "notes": 3000}
MAX_TRADES = 5


def _tidy(limit: int, *, case: str = "") -> Any:
    """Strip and collapse whitespace, "" → None, clip to `limit`; optionally lower/upper-case."""

    def tidy(value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value  # pydantic reports anything that is not a string
        text = " ".join(value.split())[:limit].strip()
        if case == "lower":
            text = text.lower()
        elif case == "upper":
            text = text.upper()
        return text or None

    return BeforeValidator(tidy)


def _phone_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = " ".join(value.split())[: _LIMITS["phone"]]
    return format_phone(text) or text or None


def _state_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = " ".join(value.replace(".", " ").split())[: _LIMITS["state"]]
    return STATES.get(text.lower(), text.upper()) or None


def _zip_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = "".join(value.split())[: _LIMITS["zip"]]
    plus_four = re.fullmatch(r"(\d{5})-\d{4}", text)  # the guide's zip field is five digits
    return (plus_four.group(1) if plus_four else text) or None


def _trades_value(value: Any) -> Any:
    if not isinstance(value, list):
        return [] if value is None else value
    seen: list[str] = []
    for item in value:
        if isinstance(item, str) and (trade := " ".join(item.lower().split())[:40]) and trade not in seen:
            seen.append(trade)
    return seen[:MAX_TRADES]


def _lead_source_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return "_".join(value.lower().replace("-", " ").split())[:40] or None


Name = Annotated[str | None, _tidy(_LIMITS["name"])]


class ClientFields(BaseModel):
    """A new customer's details; None where the message did not say."""

    model_config = ConfigDict(frozen=True)

    first_name: Name = Field(default=None, description="As the customer spells it, first letter capitalized.")
    last_name: Name = Field(default=None, description="As the customer spells it (McAllister, DeLeon, O'Neil).")
    email: Annotated[str | None, _tidy(_LIMITS["email"], case="lower")] = Field(default=None, description="All lowercase, no spaces.")
    phone: Annotated[str | None, BeforeValidator(_phone_value)] = Field(
        default=None, description='US numbers as 214-555-0187, extension as "214-555-0187 ext. 22"; +44 etc. only outside the US.'
    )
    street: Annotated[str | None, _tidy(_LIMITS["street"])] = Field(
        default=None, description='House number in digits, street words spelled out: "2608 Copper Canyon Drive Apartment 5B".'
    )
    city: Annotated[str | None, _tidy(_LIMITS["city"])] = None
    state: Annotated[str | None, BeforeValidator(_state_value)] = Field(default=None, description="Two-letter code, e.g. TX.")
    zip: Annotated[str | None, BeforeValidator(_zip_value)] = Field(default=None, description="Five digits.")
    trades: Annotated[list[str], BeforeValidator(_trades_value)] = Field(
        default_factory=list, description=f"Trades of interest, from: {', '.join(TRADES)}."
    )
    lead_source: Annotated[str | None, BeforeValidator(_lead_source_value)] = Field(
        default=None, description=f"How we met them, one of: {', '.join(LEAD_SOURCES)}."
    )
    notes: Annotated[str | None, _tidy(_LIMITS["notes"])] = Field(
        default=None, description="Anything else useful: second phone, best time to call, referrer's name, what they want."
    )


def format_phone(text: str) -> str | None:
    """A phone number in the guide's written form, or None when `text` is not one.

    "(214) 555.0187" → "214-555-0187"; "+1 214 555 0187 x22" → "214-555-0187 ext. 22"; "555 8765" → "555-8765";
    "+44 20 7946 0958" stays as written.
    """
    parts = _PHONE_PARTS.fullmatch(text.strip())
    if parts is None:
        return None
    main, ext = parts.group("main"), parts.group("ext")
    ext_part = f" ext. {ext}" if ext else ""
    digits = re.sub(r"\D", "", main)
    us_country_code = len(digits) == 11 and digits.startswith("1")
    if main.startswith("+") and not us_country_code:
        return main if INTERNATIONAL_PHONE.fullmatch(main) else None
    if not re.fullmatch(r"\+?[\d\s().-]+", main):
        return None
    if us_country_code:
        digits = digits[1:]  # +1 is the US: the guide writes US numbers without it
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}{ext_part}"
    if len(digits) == 7:
        return f"{digits[:3]}-{digits[3:]}{ext_part}"
    return None


def validate(fields: ClientFields) -> dict[str, str]:
    """What is wrong with `fields`, as a message per field a rep can read; {} when nothing is."""
    problems: dict[str, str] = {}
    for key, label in (("first_name", "first name"), ("last_name", "last name")):
        value = getattr(fields, key)
        if not value:
            problems[key] = f"I still need the customer's {label}."
        elif not _NAME.fullmatch(value):
            problems[key] = f"“{value}” doesn't look like a {label}."
    if fields.email and not EMAIL.fullmatch(fields.email):
        problems["email"] = f"“{fields.email}” isn't a complete email address (like maria.quintero@example.com)."
    if fields.phone and not (US_PHONE.fullmatch(fields.phone) or INTERNATIONAL_PHONE.fullmatch(fields.phone)):
        if LOCAL_PHONE.fullmatch(fields.phone):
            problems["phone"] = f"{fields.phone} has no area code. What are the full 10 digits, like 214-555-0187?"
        else:
            problems["phone"] = f"“{fields.phone}” isn't a 10-digit phone number like 214-555-0187."
    bad_trades = [t for t in fields.trades if t not in TRADES]
    if bad_trades:
        problems["trades"] = f"{', '.join(bad_trades)}: the trades we offer are {', '.join(TRADES)}."
    if fields.lead_source and fields.lead_source not in LEAD_SOURCES:
        problems["lead_source"] = f"“{fields.lead_source}” isn't a lead source; use one of {', '.join(LEAD_SOURCES)}."
    if fields.state and fields.state not in STATE_CODES:
        problems["state"] = f"“{fields.state}” isn't a two-letter state code like TX."
    if fields.zip and not ZIP.fullmatch(fields.zip):
        problems["zip"] = f"“{fields.zip}” isn't a five-digit zip code."
    return problems


def to_new_customer(fields: ClientFields) -> NewCustomer:
    """The CRM record to create from `fields` (call `validate` first; this converts, it does not check)."""
    return NewCustomer(
        first_name=fields.first_name or "",
        last_name=fields.last_name or "",
        email=fields.email,
        phone=fields.phone,
        address=Address(street=fields.street or "", city=fields.city or "", state=fields.state or "", zip=fields.zip or ""),
        trades=tuple(fields.trades),
        lead_source=fields.lead_source,
        note=fields.notes,
    )
