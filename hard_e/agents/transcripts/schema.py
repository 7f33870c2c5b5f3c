"""The distilled-transcript schema (the sample company's transcripts/SCHEMA.md): one JSON file per call,
checked field by field. A file that breaks it is rejected with a reason naming the field and what was
expected — never the file's content, which holds customers' words and contact details.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from hard_e.store.transcript_store import OUTCOMES, CallRecord, ObjectionRecord

MAX_TRANSCRIPT_BYTES = 1024 * 1024
MAX_TEXT = 20_000  # characters in any one text field
MAX_DEAL_VALUE = 100_000_000
MAX_DURATION = 24 * 60

BRANCHES = ("Dallas-Fort Worth", "Denver")
TRADES = ("roofing", "siding", "windows", "gutters", "solar")
CALL_TYPES = ("in_home_appointment", "estimate_review", "phone_follow_up")
LEAD_SOURCES = ("door_knock", "storm_canvass", "referral", "website", "phone_in", "home_show", "repeat_customer", "social")
LOST_REASONS = (
    "Price",
    "Competitor",
    "Timing/Postponed",
    "Financing declined",
    "Insurance denied",
    "No response",
    "Not a fit",
    "Other",
)
OBJECTION_TYPES = ("price", "timing", "spouse_approval", "competitor_quote", "insurance", "financing", "trust", "need")
TECHNIQUES = (
    "good_better_best",
    "monthly_payment_reframe",
    "cost_of_waiting",
    "feel_felt_found",
    "third_party_proof",
    "warranty_emphasis",
    "inspection_photos",
    "isolate_objection",
    "involve_decision_maker",
    "trial_close",
)
SENTIMENTS = ("positive", "neutral", "negative")
CUSTOMER_FIELDS = ("name", "phone", "email", "address", "city", "state", "zip")

CALL_ID = re.compile(r"BWC-\d{2}-\d{3,}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PHONE = re.compile(r"\d{3}-\d{3}-\d{4}")
STATE = re.compile(r"[A-Z]{2}")
ZIP = re.compile(r"\d{5}")
MOMENT_TIME = re.compile(r"(\d{2,}):([0-5]\d)")


class TranscriptError(ValueError):
    """A transcript breaks the schema; the message names the field, never its content."""


def parse_transcript(name: str, data: bytes) -> CallRecord:
    """The call in one `<call_id>.json` file, checked against the schema; TranscriptError otherwise."""
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(f"too large ({len(data)} bytes; the limit is {MAX_TRANSCRIPT_BYTES})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"not UTF-8 (invalid byte at offset {exc.start})") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise TranscriptError("not valid JSON (nested too deeply)") from None
    if not isinstance(doc, dict):
        raise TranscriptError("the file must hold one JSON object")
    f = _Fields(doc)

    call_id = f.text("call_id", pattern=CALL_ID, shape="BWC-<yy>-<nnn>")
    stem = PurePosixPath(name).stem
    if stem != call_id:
        raise TranscriptError("the file name must be the call_id followed by .json")
    when = f.text("date", pattern=ISO_DATE, shape="YYYY-MM-DD")
    try:
        call_date = date.fromisoformat(when)
    except ValueError:
        raise TranscriptError("date is not a real calendar date") from None

    customer = f.object("customer")
    c = _Fields(customer, "customer.")
    for key in CUSTOMER_FIELDS:
        c.text(key)
    c.text("phone", pattern=PHONE, shape="NNN-NNN-NNNN")
    if customer["email"] != customer["email"].lower() or "@" not in customer["email"]:
        raise TranscriptError("customer.email must be a lowercase email address")
    c.text("state", pattern=STATE, shape="two capital letters")
    c.text("zip", pattern=ZIP, shape="five digits")

    outcome = f.choice("outcome", OUTCOMES)
    lost_reason = None
    if doc.get("lost_reason") is not None:  # optional: absent, or null, is "no reason recorded"
        if outcome != "lost":
            raise TranscriptError("lost_reason is only allowed when outcome is lost")
        lost_reason = f.choice("lost_reason", LOST_REASONS)

    objections = []
    for n, item in enumerate(f.array("objections")):
        if not isinstance(item, dict):
            raise TranscriptError(f"objections[{n}] must be an object")
        o = _Fields(item, f"objections[{n}].")
        objections.append(ObjectionRecord(o.choice("type", OBJECTION_TYPES), o.text("quote"), o.text("handled_how"), o.boolean("resolved")))

    techniques = [f.member("techniques_used", n, item, TECHNIQUES) for n, item in enumerate(f.array("techniques_used"))]
    if len(set(techniques)) != len(techniques):
        raise TranscriptError("techniques_used lists a technique more than once")

    last = -1
    for n, item in enumerate(f.array("key_moments")):
        if not isinstance(item, dict):
            raise TranscriptError(f"key_moments[{n}] must be an object")
        m = _Fields(item, f"key_moments[{n}].")
        moment = MOMENT_TIME.fullmatch(m.text("time", pattern=MOMENT_TIME, shape="MM:SS"))
        assert moment is not None  # text() checked the pattern
        minutes, seconds = moment.groups()
        m.text("description")
        at = int(minutes) * 60 + int(seconds)
        if at < last:
            raise TranscriptError("key_moments are not in time order")
        last = at
    for n, item in enumerate(f.array("next_steps")):
        if not isinstance(item, str):
            raise TranscriptError(f"next_steps[{n}] must be a string")

    sentiment = _Fields(f.object("sentiment"), "sentiment.")
    overall = sentiment.choice("overall", (*SENTIMENTS, "mixed"))
    sentiment.choice("start", SENTIMENTS)
    sentiment.choice("end", SENTIMENTS)

    return CallRecord(
        call_id=call_id,
        date=call_date,
        branch=f.choice("branch", BRANCHES),
        rep=f.text("rep"),
        trade=f.choice("trade", TRADES),
        call_type=f.choice("call_type", CALL_TYPES),
        lead_source=f.choice("lead_source", LEAD_SOURCES),
        duration_minutes=f.integer("duration_minutes", high=MAX_DURATION),
        outcome=outcome,
        lost_reason=lost_reason,
        deal_value=f.integer("deal_value", high=MAX_DEAL_VALUE),
        sentiment=overall,
        quote_summary=f.text("quote_summary"),
        summary=f.text("summary"),
        objections=tuple(objections),
        techniques=tuple(techniques),
    )


def _reject_constant(name: str) -> Any:
    raise TranscriptError(f"not valid JSON ({name} is not a JSON number)")


class _Fields:
    """Typed access to one JSON object's fields; each failure names the field (with its path)."""

    def __init__(self, obj: dict[str, Any], path: str = "") -> None:
        self.obj, self.path = obj, path

    def _get(self, key: str) -> Any:
        if key not in self.obj:
            raise TranscriptError(f"missing required field {self.path}{key}")
        return self.obj[key]

    def text(self, key: str, *, pattern: re.Pattern[str] | None = None, shape: str = "") -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise TranscriptError(f"{self.path}{key} must be a string")
        if not value.strip():
            raise TranscriptError(f"{self.path}{key} is empty")
        if len(value) > MAX_TEXT:
            raise TranscriptError(f"{self.path}{key} is longer than {MAX_TEXT} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise TranscriptError(f"{self.path}{key} is not in the form {shape}")
        return value.strip()

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise TranscriptError(f"{self.path}{key} must be a string")
        if value not in allowed:
            raise TranscriptError(f"{self.path}{key} is not one of: {', '.join(allowed)}")
        return value

    def member(self, key: str, n: int, value: Any, allowed: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise TranscriptError(f"{self.path}{key}[{n}] is not one of: {', '.join(allowed)}")
        return value

    def integer(self, key: str, *, high: int) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TranscriptError(f"{self.path}{key} must be a whole number")
        if not 0 <= value <= high:
            raise TranscriptError(f"{self.path}{key} must be between 0 and {high}")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise TranscriptError(f"{self.path}{key} must be true or false")
        return value

    def array(self, key: str) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list):
            raise TranscriptError(f"{self.path}{key} must be an array")
        return value

    def object(self, key: str) -> dict[str, Any]:
        value = self._get(key)
        if not isinstance(value, dict):
            raise TranscriptError(f"{self.path}{key} must be an object")
        return value
