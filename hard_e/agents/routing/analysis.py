"""Step 4, rule 4 of the routing guide: analysis — patterns across our sales calls, and what was said on one call
or how it went. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.asks import ADVICE
from hard_e.agents.routing.knowledge import DOC_REF
from hard_e.agents.routing.names import Msg
from hard_e.agents.routing.vocabulary import REPS, rx

CALL_ID = r"\b[a-z]{2,5}-\d{2}-\d{3,5}\b"  # a transcript's call_id, "BWC-25-007" (transcripts/SCHEMA.md)
TECHNIQUE = (
    r"(?:good better best|monthly payment reframe|cost of waiting|feel felt found|third party proof|"
    r"warranty emphasis|inspection photos|isolate (?:the )?objection|involve (?:the )?decision maker|"
    r"trial close|acrc)"
)
# what was said on one call or at one appointment, and how one call went: crm leaves these to this rule
SAID = (
    r"(?:say|said|saying|mention\w*|talk\w*|bring|brought|objections?|object\w*|react\w*|push\w* back|"
    r"ask\w*|complain\w*|worr\w*|rais\w*|concern\w*|hesitat\w*)"
)
A_CALL = (
    r"(?:in|on|from|during)\s+(?:my|the|our|his|her|their|that|this|yesterday's|today's|last)\s+(?:\S+\s+){0,2}?"
    r"call\b"
)
# an in-home appointment is a recorded sales call too: "what did she push back on during her appointment?" (past
# tense only: "what should I bring up at the appointment?" is coaching)
A_MEETING = (
    r"(?:at|during|in)\s+(?:my|the|our|his|her|their|that|this|yesterday's|today's|last)\s+(?:\S+\s+){0,2}?"
    r"(?:appointment|visit|consultation|consult|presentation|sit-?down)\b"
)
PAST_TALK = r"(?:did|was|were|said|asked|mentioned|brought|objected|raised|complained|pushed back|hesitated|reacted)"
MEETING_TALK = rx(rf"\b{A_MEETING}.*\b{SAID}|\b{SAID}\b.*\b{A_MEETING}")
ONE_CALL_TALK = rf"\b{A_CALL}.*\b{SAID}|\b{SAID}\b.*\b{A_CALL}"  # "did she bring up the warranty on her call?"
ONE_CALL = rx(ONE_CALL_TALK)


def _said_at_meeting(t: str) -> bool:
    return bool(MEETING_TALK.search(t) and re.search(rf"\b{PAST_TALK}\b", t) and not re.search(r"\b(?:should|will|gonna|going to)\b", t))


def said_on_one_call(t: str) -> bool:
    return bool(ONE_CALL.search(t)) or _said_at_meeting(t)


# how one call went ("how did the Castillo call go?", "how was my call with the Hills") asks for its summary
CALL_WENT = (
    r"\bhow (?:did|'d) (?:\S+\s+){0,3}?call(?:\s+with\s+(?:the\s+)?\S+)?\s+go\b|\bhow was (?:my|the|his|her|"
    r"their|that|this|[a-z]+'s)\s+(?:\S+\s+){0,2}?call\b(?!\s+(?:time|schedule|list))"
)
CALL_WENT_RX = rx(CALL_WENT)
ANALYSIS = rx(
    # many calls: any question about them ("are customers more positive on metal roof calls")
    r"\b(?:calls|transcripts?|recordings|conversations)\b(?![\s-]+(?:scripts?|back|today|tomorrow))"
    # one call: what was said in it, or a summary
    rf"|{ONE_CALL_TALK}|\bsummar\w*\b(?:\s+\S+){{0,4}}?\s+call|{CALL_ID}|"
    # how a rep won someone over is what happened on the call: "how did Priya close the Vosses?"
    rf"\bhow (?:did|does|do|'d) (?:{'|'.join(sorted(REPS))}) (?:close|win|sell|land|convince|turn around|save)\b|"
    rf"{CALL_WENT}|"
    r"\bcall summar|\bsentiment\b|\b(?:win|close|closing|conversion|success) rates?\b"
    # objections, techniques, reasons deals were won or lost, what customers say
    r"|\b(?:which|what|most|top|common|frequent|biggest|main|usual)\b(?:\s+\S+){0,4}?\s+objections?\b|"
    r"\bobjections?\b(?:\s+\S+){0,4}?\s+(?:come up|came up|comes up|most|keep|do we|we hear|we get|show(?:s|ed)? up|"
    r"appear\w*)\b"
    # what tells won deals from lost ones: "which techniques show up in lost deals vs won ones?"
    rf"|\b(?:techniques?|objections?|{TECHNIQUE}|approach\w*|pitch\w*|openers?)\b.*\b(?:won|lost|winning|losing) "
    r"(?:deals|jobs|ones|calls)\b"
    # how a rep wins, and patterns across calls or deals: "when Dana wins, what's she doing ... is there a pattern"
    rf"|\bwhen (?:{'|'.join(sorted(REPS))}|(?:our )?(?:top|best) (?:reps|performers|closers)|reps) (?:wins?|closes?|"
    r"loses?|signs?)\b|\bpatterns?\b.*\b(?:calls?|deals|wins|won|lost|losses)\b|\b(?:calls?|deals|wins|won|lost|"
    r"losses)\b.*\bpatterns?\b"
    rf"|\b(?:techniques?|{TECHNIQUE})\b(?:\s+\S+){{0,4}}?\s+(?:work|works|worked|win|wins|won|close|closes|effective|"
    r"use|used|most|more|often)\b|\bwhy (?:do|did|are|were|have|is) (?:we|deals|jobs|customers|people|homeowners|"
    r"they)\b.*\b(?:lose|lost|losing|win|won|winning|close|closing|sign|signing|walk|go with|pick|choose|buy|"
    r"cancel)\b|\breasons?\b.*\b(?:lose|lost|losing|win|won|winning|go(?:ing)? with|went with|chose|choosing|"
    r"pick\w*|said no|saying no|turn\w* us down|walk\w* away|back\w* out|cancel\w*)\b|"
    r"\b(?:deals|jobs) (?:were|we) (?:lost|won)\b|"
    r"\bwhat (?:do|are|did) (?:most |many |our |the |some |a lot of |all )?(?:customers|homeowners|people|clients|"
    r"folks)\b.*\b(?:say|said|saying|think|ask|asking|"
    r"complain|mention|like|hate|love|want)\b|\b(?:percent\w*|share|ratio|how often|how many)\b.*\b(?:won|lost|"
    r"deals|calls)\b.*\b(?:use|used|using|had|with)\b"
    rf"|\b(?:won|lost|deals|calls)\b.*\b(?:use|used|using)\s+(?:the\s+)?{TECHNIQUE}"
    # win rates of calls with some feature: "do we win more when both spouses are on the call?"
    r"|\b(?:do|does|did|are|were) (?:we|i|reps|you|they|deals|jobs)\s+(?:\w+\s+)?(?:win|close|sign|lose|convert)"
    r"\w*\s+(?:more|less|fewer|better|worse|faster|slower)\b|\b(?:win|close|lose|sign|convert)\w* (?:more|less|"
    r"fewer|better|worse)(?: \w+)? (?:when|if|with|after)\b"
)
NOT_ANALYSIS = rx(
    r"\b(?:log|schedule|book|return|make|missed|set up)\b(?:\s+\S+){0,3}?\s+calls?\b|\bcall (?:him|"
    r"her|them)\b|\b(?:who|he|she|someone|somebody|nobody|office|crew|it) calls\b|\bcalls (?:him|her|"
    r"them|me|us|you|(?:the|a) (?:customer|homeowner|client))\b|\bhow many (?:[\w-]+ )?(?:calls|"
    r"attempts|touches|tries)\b(?:\s+\S+){0,2}?\s+(?:before|until|should|to make|do (?:i|we|you) "
    r"(?:make|need))\b"  # calls to make, not calls to study
    r"|\b(?:online|reviews?|yelp|google|bbb|internet|web)\b"  # online reviews: outside
    # a preference ("he prefers texts over calls"), not calls to study
    r"|\b(?:texts?|texting|emails?|emailing)\s+(?:over|instead of|rather than|than|not|to)\s+"
    r"(?:phone\s+)?calls\b|\b(?:prefers|would rather|'d rather)\b(?:\s+\S+){0,3}?\s+calls\b|"
    r"\bcalls\s+(?:over|rather than|instead of)\b"
)
REP_BEHAVIOUR = rx(
    rf"\b(?:handl(?:e|es|ed|ing)|us(?:e|es|ed|ing)|say(?:s|ing)?|said|open(?:s|ed|ing)?|"
    rf"pitch(?:es|ed|ing)?|approach(?:es|ed|ing)?|differ\w*|compar\w*|vs\.?|versus|{TECHNIQUE})\b"
)
CALL_CORPUS = rx(
    r"\b(?:on|in|from|across|during) (?:our |the |my |his |her |their |\w+ )?calls\b|transcript|"
    r"recording"
)


PROCESS_CHOICE = rx(
    r"\b(?:do|should|would|can|must) (?:i|we|you|reps) (?:pick|choose|select|put|enter|mark|tag|log|"
    r"set)\b|\b(?:which|what) lost reason\b"
)  # which value to record: the CRM's rules, direct


# what one of our techniques or frameworks is: "what's the isolate objection technique?" is the playbook's, direct
DEFINITION = rx(
    rf"^(?:what(?:'s| is| are| does)|explain|define|describe|walk me through) (?:the |a |an |our )?"
    rf"(?:{TECHNIQUE}|[\w-]+(?: [\w-]+){{0,2}} (?:technique|framework|method|approach|objection type))\b"
    r"(?! (?:work|worked|works|win|wins|close|closes)\b)"
    # "what is the price objection?" — not "what's the most common objection?"
    r"|^(?:what(?:'s| is| are)|explain|define|describe) (?:the |a |an |our )?(?:(?!(?:most|top|biggest|"
    r"main|common|usual|frequent\w*|latest|last|hardest)\b)[\w-]+ ){0,2}(?:objection types?|types of "
    r"objections?|objection)[\s?!.]*$"
)


SALUTATION = rx(rf"\b(?:hi|hey|hello|dear|thanks|thank you|regards|best|cheers|sincerely)[,!]?\s+(?:{'|'.join(sorted(REPS))})\b")


def analysis(m: Msg) -> bool:
    t = m.text
    if (DEFINITION.search(t) or DOC_REF.search(t)) and not CALL_CORPUS.search(t):
        return False
    spoken_to = SALUTATION.sub(" ", t)  # "> hi luis, thanks for coming out": the rep is who a pasted email is to
    rep = any(re.search(rf"\b{r}\b", spoken_to) for r in REPS) or re.search(r"\b(?:reps|top performers|consultants)\b", t)
    normative = re.search(r"\b(?:should|supposed to|ought to|best (?:way|response|reply|answer))\b", t)
    if NOT_ANALYSIS.search(t) or (ADVICE.search(t) and (not rep or normative) and not CALL_CORPUS.search(t)):
        return False  # "how should I handle price objections?" is coaching, which is direct
    if PROCESS_CHOICE.search(t) and not CALL_CORPUS.search(t):
        return False
    return bool(ANALYSIS.search(t) or _said_at_meeting(t) or (rep and REP_BEHAVIOUR.search(t)))
