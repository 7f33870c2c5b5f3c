"""`extract_client_fields`: a new customer's details from free text — the deterministic reader first, then
(when there is one) the fast model with structured output, merged, then checked.

The model is an improvement, never a dependency: whatever goes wrong with it (an error, a timeout, an
answer that does not parse) the deterministic fields come back. Logs name what went wrong, never the text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from hard_e.agents.intake.deterministic import MAX_TEXT, deterministic_fields
from hard_e.agents.intake.fields import LEAD_SOURCES, TRADES, ClientFields, validate
from hard_e.agents.intake.keywords import canonical_lead_source, canonical_trade
from hard_e.agents.ports import FieldModel
from hard_e.agents.prompts import load
from hard_e.agents.spoken import normalize_spoken

log = logging.getLogger(__name__)

_WRITTEN_COPY = "The same message with spoken numbers and emails written out (may be wrong where speech was ambiguous):"


@dataclass(frozen=True)
class Extraction:
    """What was read from a message: the fields, a message per field that needs fixing, and whether the
    model's reading is in it (False when there was no model or it failed)."""

    fields: ClientFields
    problems: dict[str, str] = field(default_factory=dict)
    used_model: bool = False


async def extract_client_fields(text: str, model: FieldModel | None = None, *, timeout: float = 8.0) -> Extraction:  # noqa: ASYNC109  a deadline for the model, not a cancel scope the caller owns
    """A new customer's details from `text`. Never raises for bad input or a failing model."""
    found = deterministic_fields(text)
    if model is None or not isinstance(text, str) or not text.strip():
        return Extraction(found, validate(found))
    try:
        async with asyncio.timeout(timeout):
            answer = await model.extract(load("intake"), _model_input(text[:MAX_TEXT]), ClientFields)
        if not isinstance(answer, ClientFields):
            raise TypeError("the model answered in another schema")
        merged = merge_fields(found, answer)
    except TimeoutError:
        log.warning("intake model timed out after %ss; using the deterministic fields", timeout)
        return Extraction(found, validate(found))
    except Exception as exc:  # any failure of the model means the deterministic reading, as promised
        log.warning("intake model failed (%s); using the deterministic fields", type(exc).__name__)
        return Extraction(found, validate(found))
    return Extraction(merged, validate(merged), used_model=True)


def merge_fields(found: ClientFields, answer: ClientFields) -> ClientFields:
    """The model's reading, with each gap filled from the deterministic one, and the deterministic value
    kept where it checks out and the model's does not (a valid typed email over a garbled one)."""
    answer = _canonical(answer)
    ours, theirs = validate(found), validate(answer)
    merged = {}
    for name in ClientFields.model_fields:
        mine, model_value = getattr(found, name), getattr(answer, name)
        if not model_value or (mine and name in theirs and name not in ours):
            merged[name] = mine
        else:
            merged[name] = model_value
    return ClientFields.model_validate(merged)


def _canonical(answer: ClientFields) -> ClientFields:
    """The model's trades and lead source in the guide's words where it used synonyms ("roof" → roofing)."""
    trades = [t if t in TRADES else canonical_trade(t) or t for t in answer.trades]
    source = answer.lead_source
    if source and source not in LEAD_SOURCES:
        source = canonical_lead_source(source.replace("_", " ")) or source
    return answer.model_copy(update={"trades": list(dict.fromkeys(trades)), "lead_source": source})


def _model_input(text: str) -> str:
    written = normalize_spoken(text)
    if written == text:
        return text
    return f"{text}\n\n---\n{_WRITTEN_COPY}\n{written}"
