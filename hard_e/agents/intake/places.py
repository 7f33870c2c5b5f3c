"""Street addresses, cities, states and zips in written text (after normalize_spoken), in the intake guide's
form: "1500 W Abram St, Arlington, TX 76013" → street "1500 West Abram Street", city "Arlington", state "TX",
zip "76013". A city is only taken where a state or zip (or "in ...") marks where it ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hard_e.agents.intake.fields import STATE_CODES, STATES

_SUFFIXES = {
    "street": "Street", "st": "Street", "avenue": "Avenue", "ave": "Avenue", "av": "Avenue", "road": "Road",
    "rd": "Road", "drive": "Drive", "dr": "Drive", "lane": "Lane", "ln": "Lane", "court": "Court", "ct": "Court",
    "boulevard": "Boulevard", "blvd": "Boulevard", "place": "Place", "pl": "Place", "way": "Way",
    "circle": "Circle", "cir": "Circle", "parkway": "Parkway", "pkwy": "Parkway", "terrace": "Terrace",
    "ter": "Terrace", "trail": "Trail", "trl": "Trail", "highway": "Highway", "hwy": "Highway", "loop": "Loop",
    "cove": "Cove", "cv": "Cove", "path": "Path", "pike": "Pike",
}  # fmt: skip
_DIRECTIONS = {
    "n": "North", "s": "South", "e": "East", "w": "West", "ne": "Northeast", "nw": "Northwest", "se": "Southeast", "sw": "Southwest",
}  # fmt: skip
_UNITS = {"apartment": "Apartment", "apt": "Apartment", "unit": "Unit", "#": "Unit", "suite": "Suite", "ste": "Suite"}
# A3-style function words (SPOKEN_CONVENTIONS.md §4): "3 jobs on that street" is no address.
_NOT_PLACE_WORDS = frozenset(
    "a an the and or of on in at to for from by with that this these those my our your his her their is are was "
    "uh um so she he they it its it's wants needs zip phone number email cell roof gutters siding windows solar".split()
)

_WORD = r"[A-Za-z][A-Za-z'’.-]*"
_STREET_WORD = rf"(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))"
_STREET = re.compile(
    rf"""(?<![\w$.,/:-])(?P<number>\d{{1,6}}[A-Za-z]?)\s+
    (?P<words>{_STREET_WORD}(?:\s+{_STREET_WORD}){{0,3}}?)\s+
    (?P<suffix>{"|".join(_SUFFIXES)})\.?
    (?:\s*,?\s*(?P<unit_word>apartment|apt|unit|suite|ste|\#)\.?\s*\#?\s*(?P<unit>\d[A-Za-z0-9-]{{0,5}}|[A-Za-z](?!\w)))?
    (?![\w-])""",
    re.I | re.X,
)
_STATE_NAMES = "|".join(sorted(STATES, key=len, reverse=True))
_STATE = rf"(?P<state>\b(?-i:[A-Z]{{2}})\b|\b(?:{_STATE_NAMES})\b|\b[A-Za-z]{{2}}\b(?=[\s,]+\d{{5}}\b))"
_ZIP = r"(?P<zip>\b\d{5}(?:-\d{4})?\b)"
_CITY = rf"(?P<city>{_WORD}(?:\s+{_WORD}){{0,2}}?)"
# What may follow a street: ", Plano, TX 75024" / " plano texas 75024" / " Dallas 75204" / " in rowlett".
_TAILS = (
    re.compile(rf"^[\s,]*(?:in\s+)?{_CITY}[\s,]+{_STATE}(?:[\s,.]+{_ZIP})?", re.I),
    re.compile(rf"^[\s,]*(?:in\s+)?{_CITY}[\s,]+{_ZIP}", re.I),
    re.compile(rf"^[\s,]*{_STATE}[\s,]+{_ZIP}", re.I),
    re.compile(rf"^[\s,]*in\s+{_CITY}(?=\s*(?:[,.;!?\n]|$|\b(?:uh|um|zip)\b))", re.I),
)
_PLACE = re.compile(
    rf"(?:^|[\n:(]|\b(?:in|to)\s+|,\s*)(?-i:(?P<city>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}}))[\s,]+{_STATE}[\s,]+{_ZIP}", re.I
)
_LIVES_IN = re.compile(
    r"\b(?:lives|living|located|based)\s+in\s+(?-i:(?P<city>[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+){0,2}))(?=\s*(?:[,.;!?\n]|$))"
)
_ZIP_SAID = re.compile(r"\bzip(?:\s*code)?(?:\s+is|\s*:)?\s+(?P<zip>\d{5})(?:-\d{4})?\b", re.I)


@dataclass(frozen=True)
class Place:
    at: int  # where the street (or city) starts in the text, to order corrections
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


def streets_in(text: str) -> list[Place]:
    """Each street address in `text` with the city, state and zip written right after it."""
    places = []
    for m in _STREET.finditer(text):
        words = m.group("words").split()
        if any(w.lower().strip(".") in _NOT_PLACE_WORDS for w in words):
            continue
        street = " ".join([m.group("number").upper(), *(_street_word(w) for w in words), _SUFFIXES[m.group("suffix").lower()]])
        if m.group("unit"):
            street += f" {_UNITS[m.group('unit_word').lower()]} {m.group('unit').upper()}"
        places.append(Place(m.start(), street, *_tail(text[m.end() : m.end() + 80])))
    return places


def place_without_street(text: str) -> Place | None:
    """A city, state and zip with no street: "she's in Frisco, TX 75034", "lives in McKinney"."""
    if m := _PLACE.search(text):
        return Place(m.start("city"), None, _city(m.group("city")), _state(m.group("state")), m.group("zip")[:5])
    if m := _LIVES_IN.search(text):
        return Place(m.start("city"), None, _city(m.group("city")))
    return None


def zip_said(text: str) -> tuple[int, str] | None:
    """A zip said on its own: "the zip is 60614" → (where, "60614")."""
    m = _ZIP_SAID.search(text)
    return (m.start(), m.group("zip")) if m else None


def _tail(tail: str) -> tuple[str | None, str | None, str | None]:
    for pattern in _TAILS:
        m = pattern.match(tail)
        if m is None:
            continue
        found = m.groupdict()
        city = found.get("city")
        if city and any(w.lower() in _NOT_PLACE_WORDS or w.lower() in _UNITS for w in city.split()):
            continue
        state = _state(found.get("state"))
        if found.get("state") and state not in STATE_CODES:
            continue  # "Dallas ZZ" is no state
        zip_code = found.get("zip")
        return _city(city) if city else None, state, zip_code[:5] if zip_code else None
    return None, None, None


def _street_word(word: str) -> str:
    bare = word.rstrip(".")
    if bare.lower() in _DIRECTIONS:
        return _DIRECTIONS[bare.lower()]
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", bare, re.I):
        return bare.lower()
    return _capitalized(bare)


def _city(city: str) -> str:
    return " ".join(_capitalized(w) for w in city.split())


def _state(state: str | None) -> str | None:
    if not state:
        return None
    return STATES.get(state.lower(), state.upper())


def _capitalized(word: str) -> str:
    """Title case for a word typed all lower or all upper; a word with its own capitals (McKinney) stays."""
    if word.islower() or word.isupper():
        return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
    return word
