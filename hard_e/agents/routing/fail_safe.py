"""Step 4's "otherwise", made safe. When no rule matched, the guide's last line sends the message to the direct flow,
which has no tools: a record, a count or a call answered from knowledge passages is a confident wrong answer, while
triage costs one fast hop. So a message with no rule that still points at something only an agent can look up —
records, people, dates and time windows, counts, calls, outside facts — goes to triage, unless it is clearly a
general question (advice, writing help, a hypothetical, what we offer or allow). Everything else takes the direct flow
on a guess, as before. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.general import clearly_general
from hard_e.agents.routing.names import Msg, entity
from hard_e.agents.routing.vocabulary import EVENT, PERIOD, RECORD_PLURALS, REPS, rx

RECORDS = rf"(?:{RECORD_PLURALS}|pipeline|homeowners|sales)"
# a span of time records are listed or counted over (vocabulary's PERIOD), or since a day: not "today" or "tomorrow",
# which chat mentions and a day's appointments are crm's own rule
TIME_WINDOW = rx(rf"\b{PERIOD}|\bsince (?:monday|tuesday|wednesday|thursday|friday|last|the start)\b")
# a time window of records or results, not "is Preferred the same as last year?"
HAPPENED = rx(
    rf"\b(?:{EVENT}|{RECORDS}|close|sign|sell|lose|win|book|install|numbers|revenue|volume|results)\b|"
    r"\b(?:did|do|does|have|has) (?:we|i|you|they|he|she|\w+) (?:do|done)\b"
)
# what particular people did or didn't: "who's been slacking on follow-ups?" (not "who do I ask about commissions?")
WHO_DID = rx(r"\bwho(?:'s| has| have|'ve)? (?:been|hasn't|haven't|didn't|did|was|were|got)\b")
COUNT = rx(
    rf"\b(?:how many|number of|count|total|list (?:all|every|each|my|our|the)|top \d+)\b(?:\s+\S+){{0,4}}?\s+"
    rf"(?:{RECORDS}|{EVENT}|did (?:we|i|he|she|they))\b|\b(?:what|which|who|anything|anyone)\s+(?:\S+\s+){{0,3}}?"
    rf"(?:got|were|was|have been|has been|did we|did i)\s+(?:\S+\s+)?{EVENT}\b|\bwhich (?:of (?:my|our|the) )?"
    rf"{RECORDS}\b"
)
LOOKUP = rx(
    r"\b(?:can|could|would) you (?:\w+ )?(?:pull|look up|lookup|dig up|find|check|search|run|get me|show me|tell me "
    r"which|tell me who)\b|^(?:please )?(?:pull|look up|dig up|find|check|search|run|show me|get me)\b"
)
CALLS = rx(  # calls as recordings to study (not "who calls the homeowner"), or what happened on one
    r"(?<!who )(?<!he )(?<!she )(?<!someone )(?<!office )\b(?:calls|transcripts?|recordings?|conversations)\b"
    r"(?! (?:the|him|her|them|me|us|back)\b)|\b(?:on|in|during) (?:the|my|his|her|their|a|that|those|these|"
    r"today's|yesterday's)\s+(?:\S+\s+){0,3}?call\b|\b(?:lost|won|losing|winning) (?:deals|jobs|ones|vs)\b|\bpatterns?\b"
)
OUTSIDE = rx(
    r"\blink\b|\b(?:article|news|headline|report|study|survey|blog|forecast)\b|\bis (?:that|this|it) (?:true|real|"
    r"accurate|legit|right)\b|\b(?:other|more) sources\b|\baccording to\b|\bfact[- ]?check\b"
)
RECORD = rx(r"\[crm job \d+|\bmy (?:\w+ )?(?:jobs|deals|leads|pipeline|appointments|inspections|estimates|installs)\b")


def needs_an_agent(m: Msg) -> str | None:
    """What a message no rule matched points at that only an agent can look up ("time window", "count", ...), or
    None when it is clearly general or points at nothing."""
    t = m.text
    kinds = (
        ("record", RECORD.search(t) or entity(m)),  # a customer, a job, an address, a CRM link
        ("time window", TIME_WINDOW.search(t) and HAPPENED.search(t)),
        ("count", COUNT.search(t)),
        ("lookup", LOOKUP.search(t)),
        ("calls", CALLS.search(t)),
        ("outside facts", OUTSIDE.search(t)),
        ("person", any(re.search(rf"\b{r}\b", t) for r in REPS) or WHO_DID.search(t)),  # a rep, who did what
    )
    kind = next((name for name, found in kinds if found), None)
    return kind if kind and not clearly_general(m) else None
