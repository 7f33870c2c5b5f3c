"""From a rep's question to search terms, and the title boost that re-ranks what the store found."""

from __future__ import annotations

import re

MAX_QUERY_TERMS = 24
# A passage whose document title holds every query word scores up to twice as high: the title says
# what the whole document is about.
TITLE_BOOST = 1.0

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not of off on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t d ll m re ve don doesn didn isn aren wasn weren won wouldn shouldn couldn
    hey hi hello please thanks thank tell know us
    """.split()
)
_WORD = re.compile(r"[^\W_]+")


def query_terms(query: str) -> list[str]:
    """The searchable words of a user's query: lower-cased, stopwords dropped, no search syntax left."""
    terms: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()) or word in terms:
            continue
        terms.append(word)
        if len(terms) == MAX_QUERY_TERMS:
            break
    return terms


def title_boost(terms: list[str], title: str) -> float:
    words = _WORD.findall(title.lower())
    matched = sum(1 for term in terms if any(_same_word(term, word) for word in words))
    return 1.0 + TITLE_BOOST * matched / len(terms)


def _same_word(a: str, b: str) -> bool:
    """Equal, or the same stem near enough (warranty/warranties, price/pricing, roof/roofing)."""
    if a == b:
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):  # the shorter word bounds the shared stem
        if x != y:
            break
        shared += 1
    return shared >= max(4, min(len(a), len(b)) - 2)
