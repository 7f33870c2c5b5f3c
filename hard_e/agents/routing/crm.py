"""Step 4, rule 3 of the routing guide: crm — look up or act on specific records; list or count jobs. Also whether
a message is about a named customer at all (about_named_customer), which step 4's fallbacks and step 1 ask. It
defers to analysis (one call's content), web_search, knowledge and triage (a named mess). No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.analysis import CALL_ID, CALL_WENT_RX, said_on_one_call
from hard_e.agents.routing.asks import ADVICE, QUESTION, generic_question, writing_help
from hard_e.agents.routing.knowledge import KB_SEARCH
from hard_e.agents.routing.names import RECORD_NOUN, Msg, entity
from hard_e.agents.routing.triage import MESS
from hard_e.agents.routing.vocabulary import (
    COMMON,
    EVENT,
    EVENT_BASE,
    PERIOD,
    RECORD_PLURALS,
    REPS,
    STAGE,
    WHEN,
    rx,
    words,
)
from hard_e.agents.routing.web_search import EXPLICIT_WEB, web

STAGE_MEANING = rx(  # "what does Inspection mean?" is direct
    r"\b(?:mean|means|meaning|definition|define|difference between|when (?:do|should|can|would) (?:i|we|you)|"
    r"who (?:can|should|gets to)|(?:allowed|permitted) to|what's required|required (?:fields|for)|requirements|"
    r"what counts as|supposed to|"
    r"how long (?:can|should|does))\b"
)
CRM_ACTION = rx(
    # moving stages, marking lost, reopening
    rf"\b(?:move|moved|push|bump|put|set|change|switch|advance|drop|flip|update|kick|send|"
    rf"get)\b(?:\s+\S+){{0,5}}?\s+(?:to|into|in|as)\s+(?:the\s+)?{STAGE}\b(?!\s+(?:source|call))"
    # several records at once: "move the Jansen job and the Ortiz job to Production"
    rf"|\b(?:move|push|bump|put|set|change|switch|advance|drop|flip|update|send)\b(?:\s+\S+){{1,4}}?\s+(?:and|&)"
    rf"(?:\s+\S+){{1,5}}?\s+(?:to|into|in|as)\s+(?:the\s+)?{STAGE}\b(?!\s+(?:source|call))"
    r"|\bmark\b(?:\s+\S+){0,4}?\s+(?:as\s+)?(?:lost|won|signed|completed?|dead|closed)\b|\b(?:reopen|re-open|"
    r"revive|close (?:it |that |this )?out)\b"
    # notes and logged calls
    r"|\b(?:put|add|stick|jot|throw|save) (?:that|this|it) (?:on|in|to|into) (?:the )?[\w'-]+ (?:job|account|record|"
    r"file|notes?)\b"
    # "put a comment on the new customer Gail Ross", "set a reminder on the Hill job"
    rf"|\b(?:add|put|leave|drop|stick|jot|set)\b(?:\s+\S+){{0,2}}?\s+(?:comments?|reminders?|tasks?|follow-?ups?|"
    rf"photos?|pictures?|pics)\s+(?:on|to|in|for)\s+(?:the\s+)?(?:new\s+)?(?:\S+\s+){{0,2}}?{RECORD_NOUN}\b"
    r"|\b(?:add|put|leave|drop|stick|jot|make)\b(?:\s+\S+){0,3}?\s+notes?\b(?!\s+(?:for|about) (?:the|"
    r"my) (?:script|video))|\blog\b(?:\s+(?:a|an|the|my|that|this|another))?\s+(?:call|visit|text|email|voicemail|"
    r"door ?knock|conversation|meeting|touch|attempt|no.?show|that|it)\b|^(?:please )?log\b(?!\s+(?:in|on|into|out)\b)|"
    r"\bnote (?:on|in|that)\b|\[(?:call|text|"
    r"email|visit|internal|service)\]"
    # scheduling
    r"|\b(?:schedule|reschedule|re-schedule|book|rebook|set up|move|push(?! back on\b)|bump|cancel|"  # not an objection
    r"confirm)\b(?:\s+\S+){0,5}?\s+(?:appointment|inspection|visit|meeting|adjuster|install|installation|"
    r"consultation|follow[- ]?up|call ?back|\d+ ?o'?clock)s?\b|\b(?:appointment|inspection|visit|meeting|install|"
    r"installation|consultation|adjuster visit)s?\s+(?:(?:is|was|got|has been|just got|needs to be|should be)\s+)?"
    r"(?:moved|pushed|bumped|rescheduled|cancell?ed|shifted|switched|changed) (?:to|back|up|till|until|from)\b|"
    r"\b(?:reschedule|re-schedule|rebook)\b|\b(?:book|"
    r"schedule|pencil) (?:me|him|her|them|us)\b|\bput (?:\w+ ){1,3}on (?:my|the|his|her) (?:calendar|schedule)\b"
)
STATUS_NEWS = rx(  # "the Liu job is lost, they went with Apex"
    r"\b(?:is|was|are|were|just|finally|got|has been|have been) (?:lost|dead|signed|sold|completed?|done|closed|"
    r"cancell?ed)\b|\b(?:went|going|go) with (?:another|a competitor|someone else|the other|[a-z]+)\b|\b(?:signed|"
    r"backed out|bailed)\b"
)
UPDATE_FIELD = rx(
    r"\b(?:update|change|correct|fix|set|assign|reassign|swap)\b(?:\s+\S+){0,5}?\s+(?:to|as|on|"
    r"for)\b|\bnew (?:number|phone|cell|email|address)\b|\b(?:assign|reassign)\b"
)
LIST_COUNT = rx(
    rf"\b(?:jobs?|deals?|leads?|customers?|clients?|accounts?|anyone|anything|everyone|everything|who's|who is|"
    rf"who are)\b(?:\s+\S+){{0,5}}?\s+(?:in|at|into|reached|hit)\s+(?:the\s+)?{STAGE}\b"
    r"|\bhow many\b(?:\s+\S+){0,4}?\s+(?:jobs|deals|leads|customers|clients|appointments|inspections|estimates|"
    r"installs|contracts|accounts|roofs)\b|\b(?:my|our|[a-z]+'s)\s+(?:\w+\s+){0,2}?(?:calendar|schedule|day|agenda|"
    r"appointments|inspections|pipeline|jobs|leads|deals|installs|estimates|follow-?ups|callbacks|tasks)\b|"
    r"\bwhat (?:do|does|have) (?:i|we|he|she|\w+) (?:have|got)\b|\bwhat(?:'s| has) (?!that\b|this\b|it\b)(?:i|he|"
    r"she|\w+) got\b(?! to do)|\b(?:do|does|did) (?:i|he|she|\w+) have (?:a|an|"
    r"any)\s+(?:\S+\s+)?(?:appointments?|inspections?|installs?|estimates?|meetings?|visits?)\b|"
    rf"\b(?:am i|is (?:{'|'.join(sorted(REPS))}))\s+(?:\w+\s+)?(?:booked|busy|free|available|slammed|open)\b"
    rf"(?:\s+\S+){{0,3}}?\s+{WHEN}|"
    r"\bwhat's on (?:my|the|\w+'s) (?:calendar|schedule|"
    r"books)\b|\b(?:who am i|who do i) (?:seeing|see|meeting)\b|\bwhat's on deck\b|\bgot on (?:my|his|"
    r"her) (?:calendar|plate)\b"
    rf"|\b(?:appointments|inspections|installs|estimates|jobs|leads|deals)\b(?:\s+\S+){{0,5}}?\s+{WHEN}\b"
    rf"|\b{WHEN}(?:'s)?\s+(?:\S+\s+){{0,2}}?(?:appointments|inspections|installs|estimates|schedule|calendar|"
    rf"agenda)\b"
    r"|\b(?:estimates|jobs|deals|leads)\b(?:\s+\S+){0,3}?\s+(?:older than|over|stuck|without|with no|that haven't|"
    r"not)\b"
    rf"|\b(?:close|closed|sign|signed|sell|sold|book|booked|win|won|lose|lost)\s+(?:anything|any|any deals|"
    rf"any jobs|deals|jobs|many)\b(?:\s+\S+){{0,3}}?\s+{WHEN}"
    # records in a state: "which appointments are booked for ...", "which inspections in DFW are still waiting on ..."
    rf"|\b(?:which|what|any|list|show me)\s+(?:of\s+(?:my|our|the)\s+)?(?:\w+\s+)?{RECORD_PLURALS}\b(?:\s+\S+){{0,3}}?\s+"
    r"(?:are|were|is|got|have been|has been|haven't been|still)\s+(?:\w+\s+)?(?:booked|scheduled|set|waiting|pending|"
    r"open|stuck|sitting|overdue|due|signed|lost|won|closed|completed|cancell?ed|marked|without|missing|past)\b"
    # a list asked for: "list every job Priya lost ...", "pull my Estimate Sent jobs"
    rf"|\b(?:list|show me|pull|give me|get me)\s+(?:(?:all|every|each|my|our|the|of)\s+)*(?:[\w-]+\s+){{0,2}}?"
    rf"(?:{RECORD_PLURALS}|(?:(?<=every )|(?<=each ))(?:job|deal|lead|customer|client|account|appointment|inspection|"
    rf"estimate|install|contract))\b"
    # what happened to records over a period: "what got signed in October?", "what got marked Completed in September"
    rf"|\b(?:what|which|who|anything|anyone|everything|how many|list)\b(?:\s+\S+){{0,4}}?\s+(?:(?:got|was|were|"
    rf"have been)\s+{EVENT}|did (?:we|i|you|he|she|they|\w+)\s+{EVENT_BASE}|{EVENT})\b(?:\s+\S+){{0,3}}?\s+{PERIOD}"
)
FIELD = rx(
    r"\b(?:stage|status|standing|rep|consultant|salesperson|assigned|amount|contract|value|total|balance|deposit|"
    r"paid|phone|number|cell|email|address|appointment|install|scheduled|notes?|history|last (?:call|touch|"
    r"contact)|quoted?|estimate|bid|claim|adjuster|crew|sign|signed|lost reason|job number|details|info|record|"
    r"on track|still on|progress|booked|when's|when is)\b"
)
LOOKUP_VERB = rx(r"\b(?:pull|look up|lookup|bring up|find|open|check|search|show me|get me|give me|anything on)\b")
LOOKUP_ANY = rx(  # these take any name: "pull up kowalski", "where are we with okonkwo"
    r"\b(?:pull up|look up|lookup|bring up|dig up|check on|check in on|where are we (?:at )?(?:with|on)|"
    r"where do we stand (?:with|on)|status (?:of|on|for)|update on|latest on|what's (?:going on|happening|up) with|"
    r"what happened with|how's the|how is the|where's|where is|where are|who's got|who has|who owns|who's on|"
    r"who's handling|who's working|who's running)\s+(?:the\s+)?([a-z][\w'-]*|\d{3,6}\s+[a-z]{3,})"
)
NOT_A_RECORD = COMMON | words("web internet online transfer guide manual knowledge summary summaries transcript", "recording")
ANALYSIS_NOUN = rx(r"\b(?:objections?|techniques?|openers?|pitches|approaches|sentiment|transcripts?|calls|summar\w*)\b")


NOTE_LABEL = rx(r"\b(?:notes?|update)\s*:\s*\S")
LEADING_NAME = rx(r"^([a-z][\w'-]*)(?: [a-z][\w'-]*)?\s*[-,:]")  # "Ngata - ...": a surname opens a fragment
NOT_A_NAME = words("fyi btw reminder heads ps psa")


def _note_for_record(m: Msg) -> bool:
    """ "Ngata - note: adjuster thurs 2pm": a labelled note for a named customer, or for the surname that opens it."""
    if not NOTE_LABEL.search(m.text):
        return False
    first = (mt := LEADING_NAME.match(m.text)) and mt.group(1).removesuffix("'s")
    return entity(m) or bool(first) and first not in COMMON and first not in NOT_A_NAME


CALL_OUTCOME = rx(
    r"\b(?:left (?:a |them a |her a |him a )?(?:voicemail|message)|no answer|didn't (?:answer|pick up)|"
    r"went (?:straight )?to voicemail|spoke (?:to|with)|talked (?:to|with)|called (?:and|but))\b"
)


PRONOUN_RECORD = rx(  # "did she sign yet?", "when's his install?": a record, even if the thread named it earlier
    r"^(?:did|has|have|is|was|are|were)\s+(?:she|he|they)\s+(?:\w+\s+)?(?:sign|signed|pay|paid|book|booked|close|"
    r"closed|cancell?ed|accept\w*|approve\w*)\b|^(?:what's|what is|when's|when is|where's|where is)\s+(?:her|his|their)"
    r"\s+(?:stage|status|appointment|install|inspection|estimate|contract|balance|deposit|rep)\b"
)
COMPANY_TALK = rx(r"\b(?:charg(?:e|es|ing)|reviews?|reviewed|rated|ratings?|reputation|bbb|yelp|web ?site)\b")


# The rule that matched, for Route.rule: rule 3's own kinds of evidence. Only a lookup phrase with any word after it
# ("where are we with okonkwo") is weak: it names no record noun, field or action.
WEAK_LOOKUP = "rule3.crm.lookup_phrase"


def crm_rule(m: Msg) -> str | None:
    """Which of rule 3's kinds of evidence the message gives ("rule3.crm.action", ...), or None."""
    t = m.text
    named = entity(m)
    if writing_help(t) or ADVICE.search(t) or generic_question(m) or EXPLICIT_WEB.search(t) or KB_SEARCH.search(t):
        return None
    if (
        (COMPANY_TALK.search(t) and web(m))  # "what is Apex charging": another company
        or (said_on_one_call(t) and QUESTION.search(t))  # what was said in a call, or how it went: analysis
        or CALL_WENT_RX.search(t)
        or re.search(CALL_ID, t)
        or MESS.search(t)
    ) and not CRM_ACTION.search(t):
        return None
    if not named and (
        re.match(r"why\b|how (?:do|can|should|would) (?:i|we|you)\b", t)
        or STAGE_MEANING.search(t)
        and not re.search(r"\b(?:my|how many|which of|list)\b", t)
    ):
        return None
    if PRONOUN_RECORD.match(t):
        return "rule3.crm.pronoun_record"
    if CRM_ACTION.search(t) or _note_for_record(m):
        return "rule3.crm.action"
    if (STATUS_NEWS.search(t) or CALL_OUTCOME.search(t)) and named and not QUESTION.match(t):
        return "rule3.crm.news"
    owned = named or re.search(r"\b(?:my|our|\w+'s)\b", t)
    if UPDATE_FIELD.search(t) and (FIELD.search(t) or "assign" in t) and owned:
        return "rule3.crm.update_field"
    if named and passed_on_policy_question(m):
        return None
    if LIST_COUNT.search(t) and not ANALYSIS_NOUN.search(t):
        return "rule3.crm.list_count"
    if (LOOKUP_VERB.search(t) or FIELD.search(t)) and named:
        if not ANALYSIS_NOUN.search(t) or (FIELD.search(t) and not re.search(r"\bcalls?\b|summar", t)):
            return "rule3.crm.lookup"
        return None
    hit = LOOKUP_ANY.search(t)  # weak evidence: loses to outside information ("where are interest rates at")
    return WEAK_LOOKUP if hit and hit.group(1) not in NOT_A_RECORD and (named or not web(m)) else None


# A customer's question passed on ("the Nunez family asked if we install in Castle Rock") is about our products and
# policies, the direct flow's, unless it asks about their own record ("asked when their install is").
RELAYED = rx(
    r"\b(?:asked|asks|asking|wants? to know|wanted to know|wondering|wondered|is curious)\b(?:\s+(?:me|us|the "
    r"office|the front desk))?\s+(?:if|whether|how|what|why|about|do|does|can|is|are|will|would)\b"
)
ABOUT_US = rx(
    r"\b(?:we|we'll|we're|we'd|us|our|brightwater|fixed \d+|solar \d+|series \d+|same[- ]as[- ]cash|"
    r"warrant\w*|financ\w*|guards?|packages?|polic\w*|minimum|discounts?|credit score|apr)\b"
)
RECORD_ASK = rx(
    r"\bwhere (?:are|do|'re) we (?:at|stand)\b|\bwhere(?:'s| is) (?:it|that|this) at\b|"
    r"\b(?:his|her|their|its|[a-z]+'s) (?:\w+ )?(?:stage|status|rep|consultant|appointment|install|"
    r"inspection|estimate|contract|balance|amount|date|crew|claim|notes?|job|schedule|bid|quote|price|"
    r"deposit|payment|permit|email|phone|number|address|name|roof|house|home)\b(?! warrant)|\b(?:stage|"
    rf"status|when|yet|did|got|received|sent|still on|{WHEN})\b"
)
CLAUSE = re.compile(r"[.?!;,]\s+|\s+[-\u2013\u2014]+\s+|:\s+")


def passed_on_policy_question(m: Msg) -> bool:
    """A named customer's question about our products or policies, relayed by the rep."""
    return bool(RELAYED.search(m.text) and ABOUT_US.search(m.text) and not RECORD_ASK.search(m.text))


def _policy_question_beside_name(m: Msg) -> bool:
    """ "before I call the Brandt lead back, what's our minimum for a roof repair?": the question itself is ours."""
    asked = [c for c in CLAUSE.split(m.text) if QUESTION.search(c)]
    if not asked:
        return False
    clause = asked[-1]
    return (
        not entity(Msg(clause, m.names))
        and bool(ABOUT_US.search(clause))
        and not RECORD_ASK.search(clause)
        and not FIELD.search(clause)
        and not re.search(r"\b(?:he|she|they|him|her|them|his|their)\b", clause)
    )


def about_named_customer(m: Msg) -> bool:
    """A customer, job or address is named and the message is about it, not advice, a stage's meaning, writing help
    or our policy asked beside the name: step 4 sends such questions to crm, and step 1 leaves a workflow for them."""
    t = m.text
    return (
        entity(m)
        and not ADVICE.search(t)
        and not STAGE_MEANING.search(t)
        and not writing_help(t)
        and not passed_on_policy_question(m)
        and not _policy_question_beside_name(m)
    )
