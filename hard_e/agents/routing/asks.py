"""What kind of ask a message is, whoever it names — rules shared by several of the guide's steps: asking for
advice, asking a question, a clause that asks for something, help writing a text or email, and a question about
how things are done in general. No I/O.
"""

from __future__ import annotations

from functools import lru_cache

from hard_e.agents.routing.names import Msg, entity
from hard_e.agents.routing.vocabulary import WHEN, rx

ADVICE = rx(
    r"\b(?:how (?:do|should|can|would|could|to) (?:i |we |you )?(?:handle|respond|answer|deal|overcome|counter|"
    r"get past|close|explain|talk|pitch|present|bring up|approach|word|say|reply|react)|how (?:should|do|can|would) "
    r"(?:reps|a rep|consultants|a consultant|our (?:reps|consultants|team)|the team|new reps|salespeople) (?:handle|"
    r"respond|answer|deal|overcome|counter|get past|explain|present|approach)|best (?:responses?|replies|reply|"
    r"answers?|comebacks?|rebuttals?|counters?) (?:to|for)|what (?:do|should|can|"
    r"would) (?:i|we) (?:say|tell|do)|what to say|best way to|any tips|tips (?:for|on)|advice|help me (?:handle|"
    r"respond|answer|deal|overcome|get past))\b"
)
QUESTION = rx(
    r"^(?:what|what's|which|who|who's|whose|how|how's|when|when's|where|where's|why|is|are|was|were|do|"
    r"does|did|has|have|had|can|could|should|would|will|any)\b|\?\s*$"
)
VERB_START = rx(  # a clause that asks for something (used for fragments and for splitting double requests)
    r"^(?:please |also |then |and |so |ok |okay |now |can you |could you |would you |will you |i need you to |"
    r"i need |i want |need |let's |go ahead and |quickly |real quick )*(?:add|create|enter|log|move|mark|put|"
    r"update|change|schedule|book|reschedule|set|write|draft|make|give|find|look|pull|check|search|show|list|tell|"
    r"send|record|voice|generate|summarize|summarise|compare|research|get|reopen|assign|cancel|note|call|text|"
    r"remind|help|figure|sort|see|what|what's|which|who|who's|whose|how|how's|when|where|why|is|are|was|were|do|"
    r"does|did|can|could|should|any|new|shorten|rewrite|quote|cite|google|close|email|handle|deal|take|use)\b"
)


WRITING_HELP = rx(  # a text, email, post, card or review reply is direct, even when it mentions an appointment
    r"\b(?:write|draft|word|compose|help me (?:write|word|with)|reply|clean up|polish|proofread|proof|edit|fix up|"
    r"tidy up|touch up|reword|rephrase|look over|punch up|soften)\b(?:\s+\S+){0,4}?\s+(?:texts?|sms|emails?|"
    r"e-mails?|messages?|reply|replies|post|caption|notes? to|cards?|letters?|reviews?|comments?|dms?)\b"
)
REPLIED = rx(
    r"\b(?:did|has|have|had|didn't|hasn't|haven't)\s+(?:\S+\s+){0,3}?(?:reply|replied|respond\w*|answer\w*|"
    r"read|open\w*|get|got|see|seen)\b"
)  # "did the Hills reply to my text?" asks about the customer


@lru_cache(maxsize=512)
def writing_help(t: str) -> bool:
    return bool(WRITING_HELP.search(t)) and not REPLIED.search(t)


GENERIC = rx(  # norms and hypotheticals: "how many inspections should I do a week", "before we move a lead to lost"
    r"\b(?:should (?:i|we|you|reps?)|supposed to|usually|typically|normally|generally|ideally|on average|in general|"
    r"every time|each time|rule of thumb|quota|best practice)\b|\b(?:when|once|after|before|if|whenever|until|move|"
    r"mark|put|assign|reopen|add|log|schedule|book|cancel|enter)\b(?:\s+\S+){0,3}?\s+(?:a|an|any given) (?:job|lead|"
    r"deal|customer|client|homeowner|estimate|contract|inspection|appointment|account|install|installation|visit)\b"
    # "do new customers start in Lead?": where every new record goes
    r"|\b(?:new|every|each|all new) (?:customers?|leads?|jobs?|clients?|deals?|homeowners?) (?:start|begin|go|land|get "
    r"put|enter)\b"
)
GENERIC_QUESTION = rx(
    r"^(?!(?:can|could|would|will) you\b)(?:what|which|who|how|when|why|is|are|do|does|should|can|"
    r"could|would|if)\b|^(?!(?:can|could|would|will) you\b).*\?\s*(?:(?:thanks|thank you|thx|ty|"
    r"cheers|please)[\s!.]*)?$"
)
SCHEDULE_ANCHOR = rx(rf"\b{WHEN}\b|\b(?:right now|currently|so far)\b")


def generic_question(m: Msg) -> bool:
    """A question about how things are done in general, not about specific records: the direct flow's."""
    t = m.text
    return bool(GENERIC_QUESTION.search(t) and GENERIC.search(t) and not SCHEDULE_ANCHOR.search(t) and not entity(m))
