"""Spoken number words read as digits (docs/SPOKEN_CONVENTIONS.md §1, N1–N4).

`phrase_end` finds a number phrase (a maximal run of number words) and `read_phrase`
gives its cardinal and group readings. Whether a phrase is rewritten at all is decided
by the entity rules beside this module (emails, phones, addresses, quantities).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
DIGITS = {"zero": 0, "oh": 0, **ONES}  # the single-digit words (N3)
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
REPEATS = {"double": 2, "triple": 3}
# Every word that can be part of a phrase by itself; "a", "and" and "point" only join one.
NUMBER_WORDS = frozenset({*DIGITS, *TEENS, *TENS, *SCALES, *REPEATS})

_STARTERS = frozenset({"zero", *ONES, *TEENS, *TENS})
_VALUES = _STARTERS | {"oh"}
# "one point two million": the places a scale after a decimal moves the point.
_DECIMAL_SHIFT = {"thousand": 3, "million": 6}
_HALF = ["and", "a", "half"]


@dataclass(frozen=True)
class NumberPhrase:
    cardinal: int | None  # N2 cardinal reading, when the run is a well-formed cardinal
    group: str | None  # N2 group reading, when the run splits into pieces
    singles: int  # single-digit pieces of the group reading (N3)
    fraction: str = ""  # digits after the point ("5" for "and a half")
    shift: int = 0  # places a trailing thousand/million moves the point

    @property
    def is_decimal(self) -> bool:
        return bool(self.fraction)

    @property
    def digits(self) -> str:
        """The whole-number part as written: cardinal when well-formed, else the group reading."""
        return str(self.cardinal) if self.cardinal is not None else (self.group or "")

    @property
    def is_digit_string(self) -> bool:
        """P1: not a cardinal, at least three single-digit pieces, four or more digits."""
        return not self.is_decimal and self.cardinal is None and self.group is not None and self.singles >= 3 and len(self.group) >= 4

    def amount(self) -> tuple[str, str]:
        """Whole digits (no leading zeros) and fraction digits, with any scale applied."""
        moved = self.fraction[: self.shift].ljust(self.shift, "0")
        whole = (self.digits + moved).lstrip("0") or "0"
        return whole, self.fraction[self.shift :]


def phrase_end(
    words: Sequence[str],
    start: int,
    joined: Callable[[int], bool],
    *,
    oh_may_start: bool = False,
) -> int:
    """Index just past the number phrase starting at `start` (`start` itself if none does).

    `words` are lowercased; `joined(i)` says whether words i and i+1 may sit in one phrase.
    `oh_may_start` lets "oh" open a phrase (a phone group after a spoken separator).
    """
    n = len(words)

    def follows(i: int, options: Container[str]) -> bool:
        return i + 1 < n and joined(i) and words[i + 1] in options

    first = words[start]
    if first in _STARTERS or (oh_may_start and first == "oh"):
        i = start + 1
    elif first == "a" and follows(start, SCALES):
        i = start + 2
    elif first in REPEATS and follows(start, DIGITS):
        i = start + 2
    elif first == "point" and follows(start, DIGITS):
        i = start  # "point five percent": a decimal with no whole part
    else:
        return start
    while i < n and (i == start or joined(i - 1)):
        word = words[i]
        if word in _VALUES or word in SCALES:
            i += 1
        elif word in REPEATS and follows(i, DIGITS):
            i += 2
        elif word == "and" and follows(i, {"a"}) and follows(i + 1, {"half"}):
            i += 3
            if i < n and joined(i - 1) and words[i] in _DECIMAL_SHIFT:
                i += 1
            break
        elif word == "and" and words[i - 1] in SCALES and follows(i, _STARTERS):
            i += 1
        elif word == "point" and follows(i, DIGITS):
            i += 1
            while i < n and joined(i - 1) and words[i] in DIGITS:
                i += 1
            if i < n and joined(i - 1) and words[i] in _DECIMAL_SHIFT:
                i += 1
            break
        else:
            break
    return i


def read_phrase(words: Sequence[str]) -> NumberPhrase | None:
    """Both N2 readings of a phrase found by `phrase_end`; None when neither fits."""
    ws = list(words)
    fraction, shift = "", 0
    if len(ws) > 1 and ws[-1] in _DECIMAL_SHIFT and ("point" in ws or ws[-4:-1] == _HALF):
        shift = _DECIMAL_SHIFT[ws.pop()]
    if ws[-3:] == _HALF:
        fraction, ws = "5", ws[:-3]
    elif "point" in ws:
        k = ws.index("point")
        tail, ws = ws[k + 1 :], ws[:k]
        if not tail or any(w not in DIGITS for w in tail):
            return None
        fraction = "".join(str(DIGITS[w]) for w in tail)
    if shift and not fraction:
        return None
    if not ws:
        return NumberPhrase(0, None, 0, fraction, shift) if fraction else None
    cardinal = parse_cardinal(ws)
    grouped = group_reading(ws)
    if cardinal is None and grouped is None:
        return None
    group, singles = grouped if grouped else (None, 0)
    return NumberPhrase(cardinal, group, singles, fraction, shift)


def parse_cardinal(words: Sequence[str]) -> int | None:
    """The value of a well-formed English cardinal, including "a hundred" and "twenty two hundred"."""
    ws = list(words)
    if ws == ["zero"]:
        return 0
    colloquial = _colloquial_hundreds(ws)
    if colloquial is not None:
        return colloquial
    if len(ws) > 1 and ws[0] == "a" and ws[1] in ("thousand", "million"):
        head: tuple[int, int] | None = (1, 1)
    else:
        head = _below_thousand(ws, 0, allow_a=True)
    if head is None:
        return None
    value, i = head
    total = 0
    for scale in ("million", "thousand"):
        if i < len(ws) and ws[i] == scale:
            total += value * SCALES[scale]
            i += 1
            if i == len(ws):
                return total
            if ws[i] == "and":
                i += 1
            rest = _below_thousand(ws, i)
            if rest is None:
                return None
            value, i = rest
    return total + value if i == len(ws) else None


def group_reading(words: Sequence[str]) -> tuple[str, int] | None:
    """N2 group reading: the pieces' digits one after another, and the single-digit piece count."""
    out: list[str] = []
    singles, i, n = 0, 0, len(words)
    while i < n:
        word = words[i]
        if word in REPEATS and i + 1 < n and words[i + 1] in DIGITS:
            count = REPEATS[word]
            piece = str(DIGITS[words[i + 1]]) * count
            i += 2
        elif word in DIGITS:
            piece, count = str(DIGITS[word]), 1
            i += 1
        elif word in TENS:
            # Prefer the longer piece: "twenty three" is 23, not 20 and 3.
            if i + 1 < n and words[i + 1] in ONES:
                piece = str(TENS[word] + ONES[words[i + 1]])
                i += 2
            else:
                piece = str(TENS[word])
                i += 1
            count = 0
        elif word in TEENS:
            piece, count = str(TEENS[word]), 0
            i += 1
        else:
            return None
        if i < n and words[i] == "hundred":
            piece, count = piece + "00", 0
            i += 1
        out.append(piece)
        singles += count
    return ("".join(out), singles) if out else None


def _below_hundred(ws: list[str], i: int) -> tuple[int, int] | None:
    if i >= len(ws):
        return None
    word = ws[i]
    if word in ONES:
        return ONES[word], i + 1
    if word in TEENS:
        return TEENS[word], i + 1
    if word in TENS:
        if i + 1 < len(ws) and ws[i + 1] in ONES:
            return TENS[word] + ONES[ws[i + 1]], i + 2
        return TENS[word], i + 1
    return None


def _below_thousand(ws: list[str], i: int, *, allow_a: bool = False) -> tuple[int, int] | None:
    if i + 1 < len(ws) and ws[i + 1] == "hundred" and (ws[i] in ONES or (allow_a and ws[i] == "a")):
        value, j = ONES.get(ws[i], 1) * 100, i + 2
        k = j + 1 if j < len(ws) and ws[j] == "and" else j
        rest = _below_hundred(ws, k)
        return (value + rest[0], rest[1]) if rest else (value, j)
    return _below_hundred(ws, i)


def _colloquial_hundreds(ws: list[str]) -> int | None:
    """ "twenty two hundred" = 2200, "forty two hundred fifty" = 4250 (N from 11 to 99)."""
    head = _below_hundred(ws, 0)
    if head is None or not 11 <= head[0] <= 99:
        return None
    value, i = head
    if i >= len(ws) or ws[i] != "hundred":
        return None
    i += 1
    if i == len(ws):
        return value * 100
    if ws[i] == "and":
        i += 1
    rest = _below_hundred(ws, i)
    return value * 100 + rest[0] if rest and rest[1] == len(ws) else None
