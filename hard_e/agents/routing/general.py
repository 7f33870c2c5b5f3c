"""Clearly general questions: what the direct flow may take when no rule decides — advice, writing help, what a word
means, a hypothetical, what we offer or allow — and the ask written above pasted material (an email, a text), which
is what the message asks; the material is only what it is about. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.asks import ADVICE, generic_question, writing_help
from hard_e.agents.routing.crm import STAGE_MEANING, passed_on_policy_question
from hard_e.agents.routing.names import Msg
from hard_e.agents.routing.scripting import SCRIPT, SCRIPT_CONTENT_QUESTION
from hard_e.agents.routing.vocabulary import rx

# what we offer, allow or advise, a hypothetical, what a word means; a sentence or clause may open with it ("on a call
# yesterday she asked if we do skylights. do we?"), but "can you pull that?" asks for work, not about our ways
POLICY = rx(
    r"(?:^|[.?!;:,\u2014-]\s+)(?:(?:so|ok|okay|and|also|quick q|quick question|hey)[\s,:-]+)*"
    r"(?!(?:can|could|will|would) you\b)(?:(?:can|may|should|could|must|do|does|will|would|are|is) (?:i|we|you|reps?|"
    r"they|customers?|homeowners?|a (?:customer|homeowner|rep))\b|(?:if|what if|suppose|say|let's say|assuming|"
    r"in case|after|before|once|whenever)\b)"
    r"|\b(?:allowed|ok to|okay to|supposed to|policy|rules?|stance|honou?r|guarantee|promise|warrant(?:y|ies)|"
    r"difference between|stand for|considered|counts? as|qualif(?:y|ies)|mean by|definition)\b|"
    r"\bwhat (?:does|do) .{1,60}? mean\b|\bwhat(?:'s| is| are) (?:the|our) (?:minimum|maximum|cutoff|limit|requirements?|"
    r"price|prices|rate|rates|cost|apr|terms?|difference)\b"
)

SCRIPT_NOUN = rx(rf"\b{SCRIPT}\b")


def clearly_general(m: Msg) -> bool:
    """A question about how we work or what to say, not about particular records, calls or outside facts."""
    t = m.text
    return bool(
        ADVICE.search(t)
        or writing_help(t)
        or generic_question(m)
        or (SCRIPT_CONTENT_QUESTION.search(t) and SCRIPT_NOUN.search(t))  # "what goes into a good primer video?"
        or STAGE_MEANING.search(t)
        or POLICY.search(t)
        or passed_on_policy_question(m)
    )


# material pasted under the ask: after a blank line, or quoted lines ("> Hi Luis, ...")
PASTE_BREAK = re.compile(r"\n\s*\n|\n(?=\s*>)")
MAX_ASK = 300  # a longer opening is the message itself, not an ask above a paste


def ask_above_paste(text: str) -> str | None:
    """The ask written above pasted material, when there is such material; else None."""
    parts = PASTE_BREAK.split(text.strip(), maxsplit=1)
    if len(parts) < 2 or not parts[1].strip() or len(parts[0]) > MAX_ASK:
        return None
    return parts[0]
