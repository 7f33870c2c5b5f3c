"""Trades and lead sources named in free text, by the words reps use for them (new_customer_intake.md).

Each list errs on the side of missing a mention rather than inventing one: a trade named after "not",
"no" or "we did" is not a trade of interest, and a message naming two lead sources names none.
"""

from __future__ import annotations

import re

from hard_e.agents.intake.fields import TRADES

_TRADE_WORDS: dict[str, str] = {
    "roofing": r"roof(?:s|ing|er|ers)?|re-?roof(?:ing)?|shingles?",
    "siding": r"siding|hardie(?:plank| ?board)?",
    "windows": r"windows?",
    "gutters": r"gutters?|downspouts?|leaf ?guards?",
    "solar": r"solar|photovoltaic|pv (?:system|panels?)",
}
_LEAD_WORDS: dict[str, str] = {
    "door_knock": r"door[ -]?knock(?:ed|ing|s)?|knocked on (?:his|her|their|the) door|knocked (?:him|her|them)|d2d|door[ -]to[ -]door",
    "storm_canvass": r"storm[ -]?canvass\w*|canvass(?:ed|ing)?",
    "referral": r"referr(?:al|ed)|recommended (?:us|by)|word of mouth",
    "website": r"web ?site|web (?:lead|form)|online form|contact (?:us )?form|contact us|found us online|found us on google|googled us",
    "phone_in": r"called in|phoned in|call[ -]in|called (?:the|our) office|inbound call",
    "home_show": r"home (?:and |& )?(?:garden )?show|home expo",
    "repeat_customer": r"repeat customer|(?:past|previous|former|returning|existing) customer|used us before",
    "social": r"facebook|fb|instagram|insta|nextdoor|social media|tiktok|youtube",
}
# Every trade and lead source has its words (tests/intake checks the keys against the lists).
_TRADE_PATTERNS = {trade: re.compile(rf"\b(?:{words})\b", re.I) for trade, words in _TRADE_WORDS.items()}
_LEAD_PATTERNS = {
    source: re.compile(rf"\b(?:{words}|{source}|{source.replace('_', ' ')})\b", re.I) for source, words in _LEAD_WORDS.items()
}
# Words that, shortly before a trade in the same clause, mean it is not wanted or was done before.
_NOT_WANTED = re.compile(r"\b(?:no|not|don'?t|doesn'?t|isn'?t|won'?t|without|except|never|we did|we replaced|we installed)\b", re.I)
_CLAUSE_END = re.compile(r"[,.;:!?\n()]|\bbut\b", re.I)
_LOOKBACK = 30  # characters: "wants gutters but NOT solar" — about four words


def trades_in(text: str) -> list[str]:
    """The trades `text` asks about, in the guide's order."""
    found = {trade for trade, pattern in _TRADE_PATTERNS.items() for m in pattern.finditer(text) if _wanted(text, m.start())}
    return [trade for trade in TRADES if trade in found]


def canonical_trade(word: str) -> str | None:
    """The trade `word` names ("Roof" → "roofing", "gutter guards" → "gutters"); None for none or several."""
    found = trades_in(word)
    return found[0] if len(found) == 1 else None


def lead_sources_in(text: str) -> list[tuple[int, str]]:
    """Every mention of a lead source in `text`, as (position, source), in order."""
    hits = [(m.start(), source) for source, pattern in _LEAD_PATTERNS.items() for m in pattern.finditer(text)]
    return sorted(hits)


def canonical_lead_source(words: str) -> str | None:
    """The lead source `words` name ("Facebook" → "social"); None when they name none or several."""
    found = {source for _, source in lead_sources_in(words)}
    return found.pop() if len(found) == 1 else None


def _wanted(text: str, start: int) -> bool:
    before = text[max(0, start - _LOOKBACK) : start]
    clause = _CLAUSE_END.split(before)[-1]
    return not _NOT_WANTED.search(clause)
