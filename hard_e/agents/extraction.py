"""Spoken contact details and quantities in written form (docs/SPOKEN_CONVENTIONS.md).

`normalize_spoken` rewrites only the five entity kinds the conventions name — emails,
phone numbers and other digit strings, street addresses, money, measures/percentages —
and hands every other character back as it was. Pure, deterministic, never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hard_e.agents.spoken_numbers import (
    DIGITS,
    NUMBER_WORDS,
    REPEATS,
    TENS,
    NumberPhrase,
    parse_cardinal,
    phrase_end,
    read_phrase,
)

# Apostrophes stay inside a word ("it's"), so its "s" is never mistaken for a spelled letter.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# P4: a spoken separator between phone groups (an unspaced hyphen joins words instead, G5).
_SEPARATOR = re.compile(r"\s*,\s*|\s+[-–—]\s*|\s*[-–—]\s+|[–—]")
# P6/G3: the end of a phone number already written as digits — "555-1234", "(512) 555 1234",
# "5125551234", "15125551234" — just before "extension".
_WRITTEN_PHONE_BEFORE = re.compile(r"(?<!\d)(?:\d{3}[-. ]\d{4}|\d{7}|1?\d{10}),?\s+$")
_PHONE_TO_EXTENSION = re.compile(r"\s*,?\s+")
_PHONE = re.compile(r"(?:\+1 )?(?:\d{3}-)?\d{3}-\d{4}")

_CONNECTORS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
_TLDS = frozenset("com net org edu gov us io co biz info me ca uk".split())
_SUFFIXES = frozenset(
    "street avenue road drive lane court boulevard place way circle parkway terrace trail".split()
)
_FUNCTION_WORDS = frozenset(
    "a an the and or of on in at to for from by with that this these those my our your his her their".split()
)
# Not street names either: a suffix ("a one way street") or a time word ("a ten minute drive"
# is a duration, G2).
_NOT_STREET_NAMES = (
    _FUNCTION_WORDS
    | _SUFFIXES
    | frozenset("year years month months week weeks day days hour hours minute minutes".split())
)
_UNIT_WORDS = frozenset({"apartment", "unit", "suite"})
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
    "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}  # fmt: skip
_CURRENCY = frozenset({"dollars", "dollar", "bucks"})
_CENTS = frozenset({"cents", "cent"})
_MEASURES = frozenset(
    "square squares feet foot inches inch miles mile watts watt kilowatts kilowatt".split()
)


def normalize_spoken(text: str) -> str:
    """Spoken-form emails, phone numbers, addresses, money and measures in written form.

    "emily at demo dot com" → "emily@demo.com"; everything else comes back byte for byte.
    """
    doc = _Doc(text)
    _rewrite_emails(doc)
    _rewrite_numbers(doc)
    out, pos = [], 0
    for start, end, written in sorted(doc.edits):
        out += [text[pos:start], written]
        pos = end
    out.append(text[pos:])
    return "".join(out)


class _Doc:
    """The words of the text with their spans, and the rewrites decided so far."""

    def __init__(self, text: str) -> None:
        self.text = text
        matches = list(_WORD.finditer(text))
        self.raw = [m.group() for m in matches]
        self.low = [w.lower() for w in self.raw]
        self.starts = [m.start() for m in matches]
        self.ends = [m.end() for m in matches]
        self.claimed = [False] * len(matches)
        self.edits: list[tuple[int, int, str]] = []
        self.phone_end = -2  # index of the last word of the latest phone number

    def __len__(self) -> int:
        return len(self.raw)

    def gap(self, i: int) -> str:
        """The characters between word i and word i+1."""
        return self.text[self.ends[i] : self.starts[i + 1]]

    def spaced(self, i: int) -> bool:
        """Word i and word i+1 are free and separated by whitespace only."""
        if i < 0 or i + 1 >= len(self.raw) or self.claimed[i] or self.claimed[i + 1]:
            return False
        gap = self.gap(i)
        return bool(gap) and gap.isspace()

    def joined(self, i: int) -> bool:
        """Words i and i+1 may sit in one number phrase (spaced, or hyphenated as in "twenty-two")."""
        return self.spaced(i) or (self.free(i) and self.free(i + 1) and self.gap(i) == "-")

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.raw) and not self.claimed[i]

    def rewrite(self, first: int, last: int, written: str) -> None:
        """Replace words first..last, and the characters between them, by `written`."""
        self.edits.append((self.starts[first], self.ends[last], written))
        for i in range(first, last + 1):
            self.claimed[i] = True

    def phrase(self, start: int, *, oh_may_start: bool = False) -> int:
        if not self.free(start):
            return start
        return phrase_end(self.low, start, self.joined, oh_may_start=oh_may_start)

    def reading(self, start: int, end: int) -> NumberPhrase | None:
        return read_phrase(self.low[start:end]) if end > start else None


# ---- §2 Emails ---------------------------------------------------------------------------


@dataclass
class _Token:
    """A word, or words joined by unspaced hyphens ("E-M-I-L-Y", "seventy-seven")."""

    first: int
    last: int
    kind: str  # at, conn, num, letter, word, other (and, until resolved, oh, repeat, a/i)
    words: tuple[str, ...]


def _rewrite_emails(doc: _Doc) -> None:
    tokens = _email_tokens(doc)
    floor = 0  # an email's LOCAL never reaches back into the previous email
    for k, token in enumerate(tokens):
        if token.kind != "at":
            continue
        domain = _domain(doc, tokens, k)
        local = _local(doc, tokens, k, floor) if domain else None
        if not domain or not local:
            continue
        (first, local_text), (last, domain_text) = local, domain
        doc.rewrite(tokens[first].first, tokens[last].last, f"{local_text}@{domain_text}")
        floor = last + 1


def _email_tokens(doc: _Doc) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(doc):
        j = i
        while j + 1 < len(doc) and doc.gap(j) == "-":
            j += 1
        words = tuple(doc.low[i : j + 1])
        tokens.append(_Token(i, j, _raw_kind(words), words))
        i = j + 1

    def adjacent(k: int) -> bool:  # tokens k and k+1 are separated by whitespace only
        return 0 <= k < len(tokens) - 1 and doc.spaced(tokens[k].last)

    # N1/N4/E4: "double", "oh", "a" and "i" depend on their neighbours.
    for k, t in enumerate(tokens):
        if t.kind == "repeat":
            nxt = tokens[k + 1].words if adjacent(k) else ()
            t.kind = "num" if len(nxt) == 1 and nxt[0] in DIGITS else "word"
    for k, t in enumerate(tokens):
        if t.kind == "oh":
            t.kind = "num" if adjacent(k - 1) and tokens[k - 1].kind == "num" else "word"
    letters = {"letter", "a/i"}
    spelled = [
        (adjacent(k - 1) and tokens[k - 1].kind in letters) or (adjacent(k) and tokens[k + 1].kind in letters)
        for k in range(len(tokens))
    ]
    for t, next_to_a_letter in zip(tokens, spelled):
        if t.kind == "a/i":
            t.kind = "letter" if next_to_a_letter else "word"
    return tokens


def _raw_kind(words: tuple[str, ...]) -> str:
    if len(words) > 1:
        if all(_is_letter(w) for w in words):
            return "letter"  # "E-M-I-L-Y" is a run of spelled letters (E3)
        return "num" if all(w in NUMBER_WORDS for w in words) else "other"
    word = words[0]
    if word == "at":
        return "at"
    if word in _CONNECTORS:
        return "conn"
    if word == "oh":
        return "oh"
    if word in REPEATS:
        return "repeat"
    if word in NUMBER_WORDS:
        return "num"
    if not (word.isascii() and word.isalpha()):
        return "other"
    if len(word) == 1:
        return "a/i" if word in ("a", "i") else "letter"
    return "word"


def _domain(doc: _Doc, tokens: list[_Token], at: int) -> tuple[int, str] | None:
    """E5: the segments after "at" through the last top-level label reached by connectors."""
    pieces: list[str] = []
    best: tuple[int, int] | None = None  # the label's token, and how many pieces come before it
    k = at + 1
    if k >= len(tokens) or not doc.spaced(tokens[at].last):
        return None
    while True:
        end = _segment_right(doc, tokens, k)
        if end == k:
            break
        if pieces and pieces[-1] == "." and len(tokens[k].words) == 1 and tokens[k].words[0] in _TLDS:
            best = (k, len(pieces))
        pieces.append(_render(tokens[k:end]))
        conn = tokens[end] if end < len(tokens) else None
        if conn is None or conn.kind != "conn" or not doc.spaced(tokens[end - 1].last):
            break
        if not doc.spaced(conn.last):
            break
        pieces.append(_CONNECTORS[conn.words[0]])
        k = end + 1
    if best is None:
        return None
    label, count = best
    return label, "".join(pieces[:count]) + tokens[label].words[0]


def _segment_right(doc: _Doc, tokens: list[_Token], k: int) -> int:
    """Index past a domain segment starting at k: letters, numbers and up to three ordinary words."""
    ordinary, i = 0, k
    while i < len(tokens):
        if i > k and not doc.spaced(tokens[i - 1].last):
            break
        kind = tokens[i].kind
        if kind == "word":
            if ordinary == 3:
                break
            ordinary += 1
        elif kind not in ("num", "letter"):
            break
        i += 1
    return i


def _local(doc: _Doc, tokens: list[_Token], at: int, floor: int) -> tuple[int, str] | None:
    """E4: the segment just before "at" plus every segment joined to it by connectors."""
    last = at - 1
    if last < floor or not doc.spaced(tokens[last].last):
        return None
    start = _segment_left(doc, tokens, last, floor)
    if start is None:
        return None
    pieces = [_render(tokens[start : last + 1])]  # right to left
    while True:
        conn = start - 1
        if conn - 1 < floor or tokens[conn].kind != "conn":
            break
        if not (doc.spaced(tokens[conn].last) and doc.spaced(tokens[conn - 1].last)):
            break
        before = _segment_left(doc, tokens, conn - 1, floor)
        if before is None:
            break
        pieces += [_CONNECTORS[tokens[conn].words[0]], _render(tokens[before:conn])]
        start = before
    return start, "".join(reversed(pieces))


def _segment_left(doc: _Doc, tokens: list[_Token], last: int, floor: int) -> int | None:
    """Reading leftward: number words, at most one ordinary word, then letters and numbers."""
    i, prefix = last, False  # prefix: the ordinary word or a spelled letter has been passed
    while i >= floor:
        if i < last and not doc.spaced(tokens[i].last):
            break
        kind = tokens[i].kind
        if kind in ("word", "at"):
            if prefix:
                break
            prefix = True
        elif kind == "letter":
            prefix = True
        elif kind != "num":
            break
        i -= 1
    return i + 1 if i < last else None


def _render(tokens: list[_Token]) -> str:
    """E3: a segment's tokens joined, number runs as digits."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens + [_Token(-1, -1, "end", ())]:
        if token.kind == "num":
            run += token.words
            continue
        if run:
            phrase = read_phrase(run)
            out.append(phrase.digits if phrase and not phrase.is_decimal else "".join(run))
            run = []
        out.append("".join(token.words))
    return "".join(out)


# ---- §3–§6 Number phrases ------------------------------------------------------------------


# A rewrite decided by one rule: first word, last word, written form.
_Edit = tuple[int, int, str]


def _rewrite_numbers(doc: _Doc) -> None:
    i = 0
    while i < len(doc):
        end = doc.phrase(i)
        if end == i:
            i += 1
            continue
        phrase = doc.reading(i, end)
        edit = _quantity(doc, i, end, phrase)
        if edit is None and phrase is not None:
            edit = _extension(doc, i, end, phrase) or _digit_string(doc, i, end, phrase)
        if edit is None:
            i = end
            continue
        first, last, written = edit
        doc.rewrite(first, last, written)
        if _PHONE.fullmatch(written):
            doc.phone_end = last  # P6: an extension may follow
        i = last + 1


def _quantity(doc: _Doc, i: int, end: int, phrase: NumberPhrase | None) -> _Edit | None:
    """§8 in order: address, then money, then measure or percent."""
    edit = _address(doc, i, end)
    if edit is None and phrase is not None:
        edit = _money(doc, i, end, phrase) or _measure(doc, i, end, phrase)
    return edit


def _address(doc: _Doc, i: int, end: int) -> _Edit | None:
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


def _street(doc: _Doc, start: int) -> tuple[list[str], int] | None:
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


def _tens_ordinal(doc: _Doc, k: int) -> bool:
    """Words k and k+1 are a tens word and a one-digit ordinal, spaced or hyphenated ("thirty-first")."""
    return (
        doc.low[k] in TENS
        and doc.joined(k)
        and doc.raw[k + 1].isalpha()
        and _ORDINALS.get(doc.low[k + 1], 10) < 10
    )


def _unit(doc: _Doc, suffix: int) -> tuple[int, str] | None:
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
    if doc.free(letter) and _is_letter(doc.raw[letter]) and doc.low[letter] != "i":
        digits, last = digits + doc.raw[letter].upper(), letter
    if not digits:
        return None
    return last, f"{_title(doc.raw[word])} {digits}"


def _money(doc: _Doc, i: int, end: int, phrase: NumberPhrase) -> _Edit | None:
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


def _cents(doc: _Doc, currency: int) -> tuple[int, str] | None:
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


def _measure(doc: _Doc, i: int, end: int, phrase: NumberPhrase) -> _Edit | None:
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


def _extension(doc: _Doc, i: int, end: int, phrase: NumberPhrase) -> _Edit | None:
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


def _digit_string(doc: _Doc, i: int, end: int, phrase: NumberPhrase) -> _Edit | None:
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


def _groups_together(doc: _Doc, spans: list[tuple[int, int]]) -> str | None:
    """P4/P1: the digits of separated groups, each read on its own, when together they are a digit string.

    A piece never spans a separator: "six thirty, five five five" is 630 then 555, not 6, 35, 5, 5.
    """
    readings = [r for a, b in spans if (r := doc.reading(a, b)) and r.group and not r.is_decimal]
    if len(readings) < len(spans) or parse_cardinal([w for a, b in spans for w in doc.low[a:b]]) is not None:
        return None
    digits = "".join(r.group or "" for r in readings)
    singles = sum(r.singles for r in readings)
    return digits if singles >= 3 and len(digits) >= 4 else None


def _separated_groups(doc: _Doc, end: int) -> list[tuple[int, int]]:
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
        if nxt == start or _quantity(doc, start, nxt, doc.reading(start, nxt)):
            break  # §8: a group that is an address, amount or measure is not part of a phone
        groups.append((start, nxt))
        end = nxt
    return groups


def _phone(doc: _Doc, i: int, end: int, digits: str) -> _Edit:
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


def _commas(digits: str) -> str:
    """Thousands separators on a digit string (no int(): it may be thousands of digits long)."""
    head = len(digits) % 3 or 3
    return ",".join([digits[:head]] + [digits[k : k + 3] for k in range(head, len(digits), 3)])


def _is_letter(word: str) -> bool:
    return len(word) == 1 and word.isascii() and word.isalpha()


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
