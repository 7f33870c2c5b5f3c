"""A new customer's details read from free text (issue 11): typed notes, pasted emails and forms, voice memos.

Exports:
- extract_client_fields(text, model=None, *, timeout=8.0) -> Extraction: the deterministic reader, then the
  fast model (a `FieldModel`, structured output) when given, merged and validated; never raises.
- deterministic_fields(text) -> ClientFields: the no-model reader alone (instant; used to open the form).
- ClientFields, validate(fields) -> {field: message}, to_new_customer(fields) -> NewCustomer, TRADES, LEAD_SOURCES.

Modules import only those listed before them: fields.py (the record, formats, checks), keywords.py (trade and
lead-source words), places.py (addresses), deterministic.py, extraction.py. The model's instructions are
prompts/intake.md.
"""

from hard_e.agents.intake.deterministic import deterministic_fields
from hard_e.agents.intake.extraction import Extraction, extract_client_fields, merge_fields
from hard_e.agents.intake.fields import LEAD_SOURCES, TRADES, ClientFields, format_phone, to_new_customer, validate

__all__ = [
    "LEAD_SOURCES",
    "TRADES",
    "ClientFields",
    "Extraction",
    "deterministic_fields",
    "extract_client_fields",
    "format_phone",
    "merge_fields",
    "to_new_customer",
    "validate",
]
