"""Spoken money and measures in written form (docs/SPOKEN_CONVENTIONS.md §5–§6): "fourteen thousand five hundred
dollars" → "$14,500", "seven point five feet" → "7.5 feet", and the §8 order in which an address, an amount and
a measure are tried on one number phrase.
"""

from __future__ import annotations

from hard_e.agents.spoken.addresses import address
from hard_e.agents.spoken.document import Doc, Edit
from hard_e.agents.spoken.numbers import NumberPhrase

_CURRENCY = frozenset({"dollars", "dollar", "bucks"})
_CENTS = frozenset({"cents", "cent"})
_MEASURES = frozenset("square squares feet foot inches inch miles mile watts watt kilowatts kilowatt".split())


def quantity(doc: Doc, i: int, end: int, phrase: NumberPhrase | None) -> Edit | None:
    """§8 in order: address, then money, then measure or percent."""
    edit = address(doc, i, end)
    if edit is None and phrase is not None:
        edit = _money(doc, i, end, phrase) or _measure(doc, i, end, phrase)
    return edit


def _money(doc: Doc, i: int, end: int, phrase: NumberPhrase) -> Edit | None:
    """§5: "fourteen thousand five hundred dollars" → "$14,500"."""
    if not doc.spaced(end - 1) or doc.low[end] not in _CURRENCY:
        return None
    whole, fraction = phrase.amount()
    last = end
    cents = _cents(doc, end) if not phrase.is_decimal else None
    if cents:
        last, fraction = cents
    elif phrase.shift:
        fraction = fraction.rstrip("0")  # "one point two million dollars" is a whole amount
    written = f"${_commas(whole)}" + (f".{fraction.ljust(2, '0')}" if fraction else "")
    return i, last, written


def _cents(doc: Doc, currency: int) -> tuple[int, str] | None:
    """M3: "... dollars and fifty cents"; the last word's index and the two cent digits."""
    if not (doc.spaced(currency) and doc.low[currency + 1] == "and" and doc.spaced(currency + 1)):
        return None
    start = currency + 2
    end = doc.phrase(start)
    cents = doc.reading(start, end)
    if cents is None or cents.is_decimal or cents.cardinal is None or cents.cardinal > 99:
        return None
    if not doc.spaced(end - 1) or doc.low[end] not in _CENTS:
        return None
    return end, f"{cents.cardinal:02d}"


def _measure(doc: Doc, i: int, end: int, phrase: NumberPhrase) -> Edit | None:
    """§6: the number as digits before a unit (unit words kept), or the number and "%"."""
    whole, fraction = phrase.amount()
    if phrase.shift:
        fraction = fraction.rstrip("0")
    written = whole + (f".{fraction}" if fraction else "")
    if doc.spaced(end - 1) and doc.low[end] == "percent":
        return i, end, written + "%"
    if not doc.joined(end - 1):
        return None
    unit = doc.low[end]
    linear = unit == "linear" and doc.spaced(end) and doc.low[end + 1] in ("feet", "foot")
    if unit in _MEASURES or linear:
        return i, end - 1, written
    return None


def _commas(digits: str) -> str:
    """Thousands separators on a digit string (no int(): it may be thousands of digits long)."""
    head = len(digits) % 3 or 3
    return ",".join([digits[:head]] + [digits[k : k + 3] for k in range(head, len(digits), 3)])
