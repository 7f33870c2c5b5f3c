"""Spoken phone numbers, extensions and other digit strings in written form (docs/SPOKEN_CONVENTIONS.md §3):
"five five five, one two three, four five six seven" → "555-123-4567".
"""

from __future__ import annotations

import re

from hard_e.agents.spoken.document import Doc, Edit
from hard_e.agents.spoken.numbers import NumberPhrase, parse_cardinal
from hard_e.agents.spoken.quantities import quantity

# P4: a spoken separator between phone groups (an unspaced hyphen joins words instead, G5).
_SEPARATOR = re.compile(r"\s*,\s*|\s+[-–—]\s*|\s*[-–—]\s+|[–—]")
# P6/G3: the end of a phone number already written as digits — "555-1234", "(512) 555 1234",
# "5125551234", "15125551234" — just before "extension".
_WRITTEN_PHONE_BEFORE = re.compile(r"(?<!\d)(?:\d{3}[-. ]\d{4}|\d{7}|1?\d{10}),?\s+$")
_PHONE_TO_EXTENSION = re.compile(r"\s*,?\s+")
# A phone number as written here: after one, a spoken extension may follow (P6).
PHONE = re.compile(r"(?:\+1 )?(?:\d{3}-)?\d{3}-\d{4}")


def extension(doc: Doc, i: int, end: int, phrase: NumberPhrase) -> Edit | None:
    """P6: "... four five six seven extension two two" → "... 4567 ext. 22"."""
    word = i - 1
    if phrase.is_decimal or not doc.spaced(word) or doc.low[word] != "extension":
        return None
    after_ours = doc.phone_end == word - 1 and _PHONE_TO_EXTENSION.fullmatch(doc.gap(word - 1))
    # Only the characters just before "extension" can hold a written phone number's end.
    start = doc.starts[word]
    if not (after_ours or _WRITTEN_PHONE_BEFORE.search(doc.text, max(0, start - 64), start)):
        return None
    return word, end - 1, f"ext. {phrase.digits}"


def digit_string(doc: Doc, i: int, end: int, phrase: NumberPhrase) -> Edit | None:
    """§3: P4 groups first, then the phrase alone (P1), then a three-digit area code (P5)."""
    spans = [(i, end), *_separated_groups(doc, end)]
    for count in range(len(spans), 1, -1):
        digits = _groups_together(doc, spans[:count])
        if digits and _is_phone(digits):
            return _phone(doc, i, spans[count - 1][1], digits)
    if phrase.is_digit_string:
        return _phone(doc, i, end, phrase.group or "")
    area_code = i >= 2 and doc.low[i - 2 : i] == ["area", "code"] and doc.spaced(i - 2) and doc.spaced(i - 1)
    if area_code and not phrase.is_decimal and len(phrase.digits) == 3:
        return i, end - 1, phrase.digits
    return None


def _groups_together(doc: Doc, spans: list[tuple[int, int]]) -> str | None:
    """P4/P1: the digits of separated groups, each read on its own, when together they are a digit string.

    A piece never spans a separator: "six thirty, five five five" is 630 then 555, not 6, 35, 5, 5.
    """
    readings = [r for a, b in spans if (r := doc.reading(a, b)) and r.group and not r.is_decimal]
    if len(readings) < len(spans) or parse_cardinal([w for a, b in spans for w in doc.low[a:b]]) is not None:
        return None
    digits = "".join(r.group or "" for r in readings)
    singles = sum(r.singles for r in readings)
    return digits if singles >= 3 and len(digits) >= 4 else None


def _separated_groups(doc: Doc, end: int) -> list[tuple[int, int]]:
    """P4: the phrases that follow, each after a comma, a hyphen or the word "dash"."""
    groups: list[tuple[int, int]] = []
    while len(groups) < 10 and end < len(doc) and doc.free(end - 1):
        if doc.free(end) and _SEPARATOR.fullmatch(doc.gap(end - 1)):
            start = end
        elif doc.low[end] == "dash" and doc.spaced(end - 1) and doc.spaced(end):
            start = end + 1
        else:
            break
        nxt = doc.phrase(start, oh_may_start=True)
        if nxt == start or quantity(doc, start, nxt, doc.reading(start, nxt)):
            break  # §8: a group that is an address, amount or measure is not part of a phone
        groups.append((start, nxt))
        end = nxt
    return groups


def _phone(doc: Doc, i: int, end: int, digits: str) -> Edit:
    written = _phone_format(digits)
    if written.startswith("+1") and doc.low[i - 1 : i] == ["plus"] and doc.spaced(i - 1):
        i -= 1  # P3: "plus" is dropped
    return i, end - 1, written


def _is_phone(digits: str) -> bool:
    return len(digits) in (7, 10) or (len(digits) == 11 and digits.startswith("1"))


def _phone_format(d: str) -> str:
    """P2: 7 → NNN-NNNN, 10 → NNN-NNN-NNNN, 11 starting 1 → +1 NNN-NNN-NNNN, else bare."""
    if len(d) == 7:
        return f"{d[:3]}-{d[3:]}"
    if len(d) == 10:
        return f"{d[:3]}-{d[3:6]}-{d[6:]}"
    if len(d) == 11 and d[0] == "1":
        return f"+1 {d[1:4]}-{d[4:7]}-{d[7:]}"
    return d
