"""Step 4, rule 7 of the routing guide: triage — needs an agent, but nothing says which: a vague action or matter,
a bare confirmation, a pronoun, a fragment. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.asks import ADVICE, VERB_START, writing_help
from hard_e.agents.routing.names import Msg, entity
from hard_e.agents.routing.small_talk import SMALL_TALK
from hard_e.agents.routing.vocabulary import COMMON, WHEN, rx

PAST_WORK = (
    r"(?:last (?:week|month|visit|call|job|one|go-?round)|yesterday|the other (?:day|one|job|time)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
)
VAGUE_ACTION = rx(
    r"\b(?:sort out|sort|handle|(?<!the )deal with|take care of|fix|help (?:me )?(?:out )?with|look into|figure out|"
    r"work on|circle back (?:on|with|to)|loop back (?:on|with)|touch base (?:on|with)|"
    r"do something about|clean up|straighten out|untangle|chase|follow up (?:on|with))\b|\b(?:customer|client|"
    r"homeowner|job) (?:problem|issue|situation|complaint|mess|thing)\b|\b(?:something's|something is|"
    r"what's) (?:up|wrong|off|weird|going on) with\b|\b(?:problem|issue|trouble) with\b|\bsame as (?:last time|"
    r"before)\b|\bthe usual\b|\bdo the thing\b|\blike (?:last time|before)\b"
    # "same as last week for the Okafors": a repeat of unstated work (not "is the price the same as last year?")
    rf"|(?:^(?:(?:ok|okay|so|and|just|please|can you|could you)\s+)*(?:do\s+)?(?:the\s+|it\s+)?same as|\bsame as)\s+"
    rf"{PAST_WORK}\b(?=\s+(?:for|with|on|at)\b)|^(?:(?:ok|okay|so|and|just|please|can you|could you)\s+)*(?:do\s+)?"
    rf"(?:the\s+|it\s+)?same as\s+{PAST_WORK}[\s?!.]*$"
    # a matter named only vaguely: "the Ruiz thing", "that thing", "do the same for the Parkers"
    r"|\b(?:do )?(?:the )?same (?:thing )?(?:for|with|to)\b"
)
VAGUE_MATTER = rx(r"\b(?:the|that|this) (?:([a-z'-]+) )?(?:thing|situation|stuff|mess|drama|saga|matter)\b")
CONFIRM = rx(  # confirming or continuing with nothing in progress: "sure, do that", "circle back on it"
    r"^(?:(?:yes|yeah|yep|yup|sure|ok|okay|k|alright|please)\b[\s,!.]*)*(?:do it|do that|go ahead|go for it|"
    r"proceed|confirm(?:ed)?|send it|ship it|please do|circle back(?: on (?:it|that|this))?|keep going|continue|"
    r"carry on|next|again|one more|try again|redo it|finish it|same thing|that one|the other one|both|let's do it|"
    r"run it|and)?(?:[\s,!.]+(?:do it|do that|go ahead|again|please|now|thanks|for me))*"
    rf"(?:\s+(?:{WHEN}|later|in a (?:bit|sec|second|minute|few)|after lunch|first thing(?: in the morning)?))?[\s!.]*$"
)


IMPERATIVE = rx(
    r"^(?:please |can you |could you |go |now )?(?:call|text|email|send|ping|remind|tell|contact|"
    r"reach out|follow up|chase|get|do|help|finish|fix|redo|prep|prepare|handle)\b"
)


HOUSE_OR_JOB_NUMBER = r"(?<!fixed )(?<!solar )(?<!series )\b\d{3,}"  # not a plan or product: "APR on the fixed 180?"


def fragment(m: Msg) -> bool:
    """A bare name or a few words with no ask: "Kessler", "the Millers?", "Petrov job"."""
    words = re.findall(r"[a-z][a-z'-]*", m.text)
    if len(words) > 4 or VERB_START.match(m.text) or SMALL_TALK.match(m.text):
        return False
    unknown = [w for w in words if w.removesuffix("'s") not in COMMON]
    return bool(unknown or m.names or re.search(r"\b(?:one|ones)\b|" + HOUSE_OR_JOB_NUMBER, m.text))


def _vague_matter(t: str) -> bool:
    """ "the Ruiz thing", "that thing" — but not "the warranty stuff", which names a topic."""
    return any(not mt.group(1) or mt.group(1).removesuffix("'s") not in COMMON for mt in VAGUE_MATTER.finditer(t))


# a bare pronoun, or what someone unnamed said, continues an earlier thread: "her", "her number?", "what did he say?"
CONTINUES = rx(
    r"^(?:and |so |what about |how about )?(?:(?:him|her|them|he|she|they|his|their)(?: \w+)?|"
    r"what (?:did|does|do) (?:he|she|they) (?:say|want|ask|need|think|mean))[\s?!.]*$"
)
# "Greer is a mess, help": a named matter, no action given
MESS = rx(
    r"\b(?:is|'s|are|was|has been) (?:a |such a |a total |a real |a complete |kind of a |turning into a )?"
    r"(?:mess|disaster|nightmare|headache|train ?wreck)\b"
)


def triage(m: Msg) -> bool:
    vague = VAGUE_ACTION.search(m.text) or _vague_matter(m.text) or MESS.search(m.text) and entity(m)
    if vague and not ADVICE.search(m.text) and not writing_help(m.text):  # "clean up this email" is writing help
        return True
    return bool(CONFIRM.match(m.text) or CONTINUES.match(m.text)) or fragment(m)
