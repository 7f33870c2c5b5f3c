"""Who and what a message names: capitalized words that are likely customers' names, contact details written
or spoken, and a specific customer, job or address. Several of the guide's steps ask, so entity() and contact()
are cached. No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from hard_e.agents.routing.vocabulary import COMMON, MONTH, NUMBER_WORD, PLACES, REPS, SURNAME_WORDS, rx, words


@dataclass(frozen=True)
class Msg:
    """One message as every rule sees it."""

    text: str  # cleaned, lowercased
    names: frozenset[str]  # from the original capitalization


# --- contact details, written and spoken --------------------------------------------------------------------
PHONE = rx(r"(?<![\d$,.])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)|(?<![\d$,.])\d{3}-\d{4}(?!\d)")
EMAIL = rx(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[a-z0-9]+\s+at\s+(?:[a-z0-9]+\s+){1,4}dot\s+(?:com|net|org|edu|gov|us|"
    r"io|co|biz|info|me|ca|uk)\b|\bat\s+(?:gmail|yahoo|hotmail|outlook|aol|icloud)\b"
)
SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|court|ct|boulevard|blvd|place|pl|way|circle|cir|"
    r"parkway|pkwy|terrace|ter|trail|trl|cove|cv|highway|hwy|crossing|xing|loop|bend|pike|pt)"
)
FUNCTION = r"(?:a|an|the|and|or|of|on|in|at|to|for|from|by|with|that|this|these|those|my|our|your|his|her|their)"
ADDRESS = rx(
    rf"\b(?:\d{{1,6}}|{NUMBER_WORD}(?:[\s-]+{NUMBER_WORD}){{0,5}})\s+"  # bounded: no backtracking blow-up
    rf"(?:(?!{FUNCTION}\b)[a-z0-9]+\s+){{1,3}}{SUFFIX}\b"
)
_SINGLE = words("zero oh one two three four five six seven eight nine")
_TWO_DIGITS = words("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen")
_TENS = words("twenty thirty forty fifty sixty seventy eighty ninety")


def _spoken_digits(text: str) -> bool:
    """A spelled-out run of 7+ digits with 3+ single digits: "five five five, oh one eight seven", "double five"."""
    digits = singles = 0
    prev = ""
    for tok in re.findall(r"[a-z]+|\d+|[,-]", text):
        if tok in (",", "-", "dash") and digits:
            continue
        if tok in _SINGLE and (tok != "oh" or digits):  # "oh" is a digit only after another number word
            digits += 0 if prev in _TENS else 1
            singles += 1
        elif tok in ("double", "triple"):
            digits += 1 if tok == "double" else 2
        elif tok in _TWO_DIGITS or tok in _TENS:
            digits += 2
        elif (tok == "hundred" or tok.isdigit()) and digits:
            digits += 2 if tok == "hundred" else len(tok)
        else:
            if digits >= 7 and singles >= 3:
                return True
            digits = singles = 0
        prev = tok
    return digits >= 7 and singles >= 3


@lru_cache(maxsize=512)  # several rules ask about the same text
def contact(t: str) -> bool:
    return bool(PHONE.search(t) or EMAIL.search(t) or ADDRESS.search(t)) or _spoken_digits(t)


# --- is a specific customer, job or address named? ----------------------------------------------------------
RECORD_NOUN = (
    r"(?:job|jobs|roof|reroof|deal|account|house|home|project|estimate|contract|install|inspection|"
    r"appointment|claim|file|property|lead|customer|family|folks|place|order|bid|quote|replacement|"
    r"permit|gutters?|siding|windows?)"
)
THE_X_NOUN = rx(
    rf"\bthe ([a-z0-9][a-z0-9'-]*) (?:(?:roof|roofing|siding|window|gutters?|solar|metal|storm|"
    rf"insurance|repair|new) )?{RECORD_NOUN}\b"
)  # "the kowalski roof", "the delgado siding job"
POSSESSIVE = rx(
    r"\b([a-z][a-z-]*)(?:'s|s') (?:[a-z]+ )?(?:job|roof|deal|account|house|home|project|estimate|"
    r"contract|install|inspection|appointment|claim|file|number|phone|cell|email|address|stage|status|"
    r"notes?|rep|balance|deposit|info)\b"
)
# "the okonkwos" — but not "the transfers section" (a topic)
FAMILY = rx(
    r"\bthe ([a-z][a-z-]+s)'?(?=$|[\s?.!,])(?!\s+(?:section|policy|part|page|doc|document|clause|chapter|"
    r"rules?|language|wording|topic|bit|sheet|form|template|table|list|guide|stage|package|plan|program)\b)"
)
HONORIFIC = rx(r"\b(?:mr|mrs|ms|miss|dr)\.? (?!(?:to|and|or|for|with|instead|is|was)\b)[a-z]+")
# a job number: "job 5531", "#3318", "J-1042" (not "the #1 objection", not "Fixed 120")
JOB_NUMBER = rx(r"(?:\bjob\s*(?:#|no\.?|number)?|#)\s*\d{3,}\b|\b[a-z]{1,3}-\d{3,6}\b")
# a street address that opens the message, suffix dropped: "2817 saddle creek - who's the homeowner?"
OPENING_ADDRESS = rx(rf"^\d{{3,6}}\s+([a-z]{{3,}})\s+(?!{FUNCTION}\b)[a-z]{{3,}}\b")
HOUSE_NUMBER = rx(
    r"\b(?:up|at|on|for|of|with|find|check|is|about)\s+\d{3,6}\s+(?:[nsew]\.?\s+|north\s+|south\s+|"
    r"east\s+|west\s+)?([a-z]{3,})"
)  # "pull up 4410 elm"


MEASURE = re.compile(
    r"(?:\d+|[a-z]+)-(?:minutes?|hours?|days?|weeks?|months?|years?|feet|foot|inch|inches|"
    r"stor(?:y|ies)|layers?|steps?|points?|seconds?|squares?)"
)  # "the 15-minute lead rule"


@lru_cache(maxsize=512)
def entity(m: Msg) -> bool:
    t = m.text
    if any(re.search(rf"\b{re.escape(n)}", t) for n in m.names) or contact(t) or HONORIFIC.search(t):
        return True
    if any(h.group(1) not in COMMON for h in HOUSE_NUMBER.finditer(t)) or JOB_NUMBER.search(t):
        return True
    if (mt := OPENING_ADDRESS.match(t)) and mt.group(1) not in COMMON and mt.group(1) != "off":  # "250 off for ..."
        return True
    for mt in (*THE_X_NOUN.finditer(t), *POSSESSIVE.finditer(t)):
        w = mt.group(1).removesuffix("'s")
        if len(w) > 1 and w not in COMMON and w + "s" not in COMMON and not MEASURE.fullmatch(w):
            return True
    return any(_family(mt.group(1)) for mt in FAMILY.finditer(t))


def _family(word: str) -> bool:
    if word in COMMON or word.endswith(
        ("tions", "ments", "ities", "nesses", "ences", "ances", "ists", "ss", "us", "sis")
    ):  # "the class 4 shingle", "the bonus", "the basis"
        return False
    return word[:-1] not in COMMON and word[:-2] not in COMMON


# --- capitalized words: likely customers' names -------------------------------------------------------------
def _compound(word: str) -> bool:
    """ "Same-as-cash", "Tear-Off": a hyphenated run of ordinary words names a product or a topic, not a person."""
    return "-" in word and all(part in COMMON for part in word.split("-"))


DATE = rx(rf"\b{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b")


def name_candidates(text: str) -> frozenset[str]:
    """Capitalized words that are not sentence-initial, vocabulary or reps: likely customers' names."""
    out = set()
    text = DATE.sub(" ", text)  # "Nov 10", "Sept. 3": a date, not a customer
    for sentence in re.split(r"[.!?:;\n]\s+|,\s+", text):
        for word in re.findall(r"[A-Za-z][\w'-]*", sentence)[1:]:
            w = word.lower().removesuffix("'s").rstrip("'")
            if word[0].isupper() and not word.isupper() and w not in COMMON and w not in REPS and not _compound(w):
                out.add(w)
    for mt in OWNED_WORD.finditer(text):  # "the Price job", "Lane's deposit", "the Carrollton job"
        w = (mt.group(1) or mt.group(2)).lower()
        if w in SURNAME_WORDS or mt.group(2) and re.fullmatch(PLACES, w):
            out.add(w)
    return frozenset(out)


_RECORD = (
    r"(?:job|jobs|roof|reroof|house|home|project|estimate|contract|install|inspection|appointment|deal|"
    r"account|lead|family|place)"
)
OWNED_WORD = re.compile(
    rf"\b([A-Z][a-z]+)'s\b|\b(?:the|that|this|our|my)\s+([A-Z][a-z]+(?: [A-Z][a-z]+)?)\s+"
    rf"(?:(?:roof|roofing|siding|window|gutter|solar|metal|storm|insurance|repair)\s+)?{_RECORD}\b"
    r"(?!\s+(?:process|policy|rules|checklist|requirements?|fees?|template|form))"
)
