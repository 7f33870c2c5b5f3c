"""Spoken contact details and quantities in written form (docs/SPOKEN_CONVENTIONS.md). Pure, deterministic, no I/O.
Exports normalize_spoken(text) -> str.

Modules import only those listed before them:

- numbers.py: number words read as digits (§1), with no view of what the number is
- document.py: the words of one text with their spans, and the rewrites decided on it
- emails.py (§2), addresses.py (§4), quantities.py (money and measures, §5–§6, and §8's order: address, money,
  measure), phones.py (phone numbers, extensions and digit strings, §3; a group that is a quantity ends a phone)
- normalize.py: normalize_spoken(), emails first, then each number phrase

hard_e/agents/extraction.py re-exports normalize_spoken at the path evaluations import.
"""

from hard_e.agents.spoken.normalize import normalize_spoken

__all__ = ["normalize_spoken"]
