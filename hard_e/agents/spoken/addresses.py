"""Spoken street addresses in written form (docs/SPOKEN_CONVENTIONS.md §4): house number, one to three street-name
words, a suffix, perhaps a unit — "twenty first street" → "21st Street".
"""

from __future__ import annotations

from hard_e.agents.spoken.document import Doc, Edit, is_letter
from hard_e.agents.spoken.numbers import TENS

_SUFFIXES = frozenset("street avenue road drive lane court boulevard place way circle parkway terrace trail".split())
_FUNCTION_WORDS = frozenset("a an the and or of on in at to for from by with that this these those my our your his her their".split())
# Not street names either: a suffix ("a one way street") or a time word ("a ten minute drive"
# is a duration, G2).
_NOT_STREET_NAMES = _FUNCTION_WORDS | _SUFFIXES | frozenset("year years month months week weeks day days hour hours minute minutes".split())
_UNIT_WORDS = frozenset({"apartment", "unit", "suite"})
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
    "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}  # fmt: skip


def address(doc: Doc, i: int, end: int) -> Edit | None:
    """§4: house number, one to three street-name words, a suffix, perhaps a unit."""
    house_end = end
    # A3: "twenty first street" — the tens word belongs to the street name (G5: "twenty-first" too).
    if _tens_ordinal(doc, end - 1):
        house_end = end - 1
    house = doc.reading(i, house_end)
    if house is None or house.is_decimal or not doc.spaced(house_end - 1):
        return None
    street = _street(doc, house_end)
    if street is None:
        return None
    names, suffix = street
    parts = [house.digits, *names, _title(doc.raw[suffix])]
    last = suffix
    unit = _unit(doc, suffix)
    if unit:
        last, written = unit
        parts.append(written)
    return i, last, " ".join(parts)


def _street(doc: Doc, start: int) -> tuple[list[str], int] | None:
    """A1/A3: one to three street-name words from `start`, then a suffix.

    The names in written form ("North", "5th", "21st") and the suffix's index. A tens word and
    an ordinal ("twenty first", "twenty-first") are one name: they are written as one word.
    """
    names: list[str] = []
    k = start
    while len(names) < 3 and k < len(doc):
        word = doc.low[k]
        if not doc.raw[k].isalpha() or word in _NOT_STREET_NAMES:
            return None
        if _tens_ordinal(doc, k):
            names.append(_ordinal(TENS[word] + _ORDINALS[doc.low[k + 1]]))
            k += 2
        else:
            names.append(_ordinal(_ORDINALS[word]) if word in _ORDINALS else _title(doc.raw[k]))
            k += 1
        if not doc.spaced(k - 1):
            return None
        if doc.low[k] in _SUFFIXES:
            return names, k
    return None


def _tens_ordinal(doc: Doc, k: int) -> bool:
    """Words k and k+1 are a tens word and a one-digit ordinal, spaced or hyphenated ("thirty-first")."""
    return doc.low[k] in TENS and doc.joined(k) and doc.raw[k + 1].isalpha() and _ORDINALS.get(doc.low[k + 1], 10) < 10


def _unit(doc: Doc, suffix: int) -> tuple[int, str] | None:
    """A4: "apartment five b" → "Apartment 5B", directly after the suffix."""
    word = suffix + 1
    if not doc.spaced(suffix) or doc.low[word] not in _UNIT_WORDS or not doc.spaced(word):
        return None
    start = word + 1
    end = doc.phrase(start)
    number = doc.reading(start, end)
    if number is None or number.is_decimal:
        number, end = None, start
    digits, last = (number.digits, end - 1) if number else ("", word)
    letter = end if number is None or doc.spaced(end - 1) else -1
    # "i" is taken for the pronoun ("unit twelve i think"); apartment letters skip it anyway.
    if doc.free(letter) and is_letter(doc.raw[letter]) and doc.low[letter] != "i":
        digits, last = digits + doc.raw[letter].upper(), letter
    if not digits:
        return None
    return last, f"{_title(doc.raw[word])} {digits}"


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
