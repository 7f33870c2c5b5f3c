"""Where one message goes: the direct flow or a specialist agent. Keyword rules, no LLM, no I/O.

Follows docs/ROUTING_GUIDE.md in order: a workflow in progress (step 1), small talk (step 2), two requests
in one message (step 3), then the first matching rule of step 4. Messages may be typed in a hurry, dictated or
pasted from Slack, so matching works on lowercased text with Slack markup, emoji, filler words, stutters, chat
shorthand and common misspellings normalised (word lists and normalisation: routing_vocab.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from hard_e.agents.routing_vocab import (COMMON, NOT_A_LEADING_NAME, NUMBER_WORD, PLACES, REPS, STAGE, WHEN, clean,
                                         name_candidates, plain, rx, words)

AGENTS = ("triage", "crm", "knowledge", "analysis", "web_search", "scripting", "new_clients")
SMALL_TALK_REASON = "step2: small talk"


@dataclass(frozen=True)
class Route:
    flow: str  # "direct" | "agents"
    agent: str | None  # None for direct
    reason: str = ""  # short, for logs; never user text

    @property
    def small_talk(self) -> bool:
        """Greetings, thanks, farewells: nothing to look up."""
        return self.reason == SMALL_TALK_REASON


# --- rules shared by several steps ---------------------------------------------------------------------------
ADVICE = rx(
    r"\b(?:how (?:do|should|can|would|could|to) (?:i |we |you )?(?:handle|respond|answer|deal|overcome|counter|"
    r"get past|close|explain|talk|pitch|present|bring up|approach|word|say|reply|react)|how (?:should|do|can|would) "
    r"(?:reps|a rep|consultants|a consultant|our (?:reps|consultants|team)|the team|new reps|salespeople) (?:handle|"
    r"respond|answer|deal|overcome|counter|get past|explain|present|approach)|best (?:responses?|replies|reply|"
    r"answers?|comebacks?|rebuttals?|counters?) (?:to|for)|what (?:do|should|can|"
    r"would) (?:i|we) (?:say|tell|do)|what to say|best way to|any tips|tips (?:for|on)|advice|help me (?:handle|"
    r"respond|answer|deal|overcome|get past))\b")
QUESTION = rx(r"^(?:what|what's|which|who|who's|whose|how|how's|when|when's|where|where's|why|is|are|was|were|do|"
               r"does|did|has|have|had|can|could|should|would|will|any)\b|\?\s*$")


@dataclass(frozen=True)
class _Msg:
    text: str  # cleaned, lowercased
    names: frozenset[str]  # from the original capitalization


# --- contact details, written and spoken --------------------------------------------------------------------
PHONE = rx(r"(?<![\d$,.])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)|(?<![\d$,.])\d{3}-\d{4}(?!\d)")
EMAIL = rx(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[a-z0-9]+\s+at\s+(?:[a-z0-9]+\s+){1,4}dot\s+(?:com|net|org|edu|gov|us|"
            r"io|co|biz|info|me|ca|uk)\b|\bat\s+(?:gmail|yahoo|hotmail|outlook|aol|icloud)\b")
SUFFIX = (r"(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|court|ct|boulevard|blvd|place|pl|way|circle|cir|"
          r"parkway|pkwy|terrace|ter|trail|trl|cove|cv|highway|hwy|crossing|xing|loop|bend|pike|pt)")
FUNCTION = r"(?:a|an|the|and|or|of|on|in|at|to|for|from|by|with|that|this|these|those|my|our|your|his|her|their)"
ADDRESS = rx(rf"\b(?:\d{{1,6}}|{NUMBER_WORD}(?:[\s-]+{NUMBER_WORD}){{0,5}})\s+"  # bounded: no backtracking blow-up
              rf"(?:(?!{FUNCTION}\b)[a-z0-9]+\s+){{1,3}}{SUFFIX}\b")
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
def _contact(t: str) -> bool:
    return bool(PHONE.search(t) or EMAIL.search(t) or ADDRESS.search(t)) or _spoken_digits(t)


# --- is a specific customer, job or address named? ----------------------------------------------------------
RECORD_NOUN = (r"(?:job|jobs|roof|reroof|deal|account|house|home|project|estimate|contract|install|inspection|"
               r"appointment|claim|file|property|lead|customer|family|folks|place|order|bid|quote|replacement|"
               r"permit|gutters?|siding|windows?)")
THE_X_NOUN = rx(rf"\bthe ([a-z0-9][a-z0-9'-]*) (?:(?:roof|roofing|siding|window|gutters?|solar|metal|storm|"
                 rf"insurance|repair|new) )?{RECORD_NOUN}\b")  # "the kowalski roof", "the delgado siding job"
POSSESSIVE = rx(r"\b([a-z][a-z-]*)(?:'s|s') (?:[a-z]+ )?(?:job|roof|deal|account|house|home|project|estimate|"
                 r"contract|install|inspection|appointment|claim|file|number|phone|cell|email|address|stage|status|"
                 r"notes?|rep|balance|deposit|info)\b")
# "the okonkwos" — but not "the transfers section" (a topic)
FAMILY = rx(r"\bthe ([a-z][a-z-]+s)'?(?=$|[\s?.!,])(?!\s+(?:section|policy|part|page|doc|document|clause|chapter|"
            r"rules?|language|wording|topic|bit|sheet|form|template|table|list|guide|stage|package|plan|program)\b)")
HONORIFIC = rx(r"\b(?:mr|mrs|ms|miss|dr)\.? (?!(?:to|and|or|for|with|instead|is|was)\b)[a-z]+")
# a job number: "job 5531", "#3318", "J-1042" (not "the #1 objection", not "Fixed 120")
JOB_NUMBER = rx(r"(?:\bjob\s*(?:#|no\.?|number)?|#)\s*\d{3,}\b|\b[a-z]{1,3}-\d{3,6}\b")
# a street address that opens the message, suffix dropped: "2817 saddle creek - who's the homeowner?"
OPENING_ADDRESS = rx(rf"^\d{{3,6}}\s+([a-z]{{3,}})\s+(?!{FUNCTION}\b)[a-z]{{3,}}\b")
HOUSE_NUMBER = rx(r"\b(?:up|at|on|for|of|with|find|check|is|about)\s+\d{3,6}\s+(?:[nsew]\.?\s+|north\s+|south\s+|"
                   r"east\s+|west\s+)?([a-z]{3,})")  # "pull up 4410 elm"


# A surname that opens the message without "the" ("Hendricks - where are we at?", "Patel wants to know when the crew
# comes", "Nguyen -> Completed"): not capitalized evidence (every first word is), so it needs a separator followed by
# a record question, or a verb that a customer does.
LEADING_NAME_RX = re.compile(
    r"^([a-z][a-z'-]{2,})(?:\s*(?:[-\u2013\u2014:,>=\u2192]+)\s*(.+)|\s+(?:still|already|finally|just|never|wants?|"
    r"wanted|called|texted|emailed|signed|paid|cancell?ed|backed|bailed|went|said|asked|needs?|left|accepted|declined|"
    r"approved|agreed|decided|replied|responded|is|was|has|hasn't|isn't)\b.*)$")
RECORD_CHECK = rx(rf"\b{STAGE}\b|\bwhere (?:are we|is it|do we stand|'s it)\b|\bany (?:update|news|word)\b|"
                  r"\blatest\b|\bwhat(?:'s| is) (?:up|going on|happening)\b|\b(?:did|has|have|is|was) (?:we|they|he|"
                  r"she|it)\b|\bstill\b")


def _leading_name(text: str, t: str) -> frozenset[str]:
    if (first := re.match(r"\s*([A-Za-z][\w'-]*)", text)) and first.group(1).isupper() and len(first.group(1)) > 1:
        return frozenset()  # an acronym: "GAF - ...", "HOA: ..."
    if not (mt := LEADING_NAME_RX.match(t)):
        return frozenset()
    w = mt.group(1).removesuffix("'s")
    if w in COMMON or w in REPS or w in NOT_A_LEADING_NAME or MEASURE.fullmatch(w):
        return frozenset()
    rest = mt.group(2)
    if rest is not None and not (FIELD.search(rest) or RECORD_CHECK.search(rest) or CRM_ACTION.search(rest)):
        return frozenset()
    return frozenset({w})


MEASURE = re.compile(r"(?:\d+|[a-z]+)-(?:minutes?|hours?|days?|weeks?|months?|years?|feet|foot|inch|inches|"
                     r"stor(?:y|ies)|layers?|steps?|points?|seconds?|squares?)")  # "the 15-minute lead rule"


@lru_cache(maxsize=512)
def _entity(m: _Msg) -> bool:
    t = m.text
    if any(re.search(rf"\b{re.escape(n)}", t) for n in m.names) or _contact(t) or HONORIFIC.search(t):
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
    if word in COMMON or word.endswith(("tions", "ments", "ities", "nesses", "ences", "ances", "ists", "ss", "us",
                                        "sis")):  # "the class 4 shingle", "the bonus", "the basis"
        return False
    return word[:-1] not in COMMON and word[:-2] not in COMMON


# --- rule 1: new_clients — create a customer, or a person introduced with contact details -------------------
PERSON = r"(?:customer|lead|client|contact|homeowner|prospect)"
# someone added alongside a customer: "add walt's wife linda as a contact"
RELATIVE = (r"(?:(?:the |his |her |their )?[a-z]+'s|his|her|their|the) (?:wife|husband|spouse|son|daughter|mom|dad|"
            r"mother|father|brother|sister|neighbou?r|partner|tenant|friend|landlord|property manager)(?: [a-z]+){0,2}")
# what gets added to an existing record: "add a note to the new lead", "put photos in the customer file"
RECORD_ITEM = (r"(?:(?:a|an|the|this|that|my|another|some|these|those)\s+)?(?:notes?|comments?|calls?|tags?|tasks?|"
               r"reminders?|photos?|pictures?|pics|attachments?|voicemails?|appointments?|follow-?ups?|files?)")
CREATE = rx(
    # "create a customer", "add a lead", "set up a new client"
    rf"\b(?:create|add|enter|input|set up|setup|make|open|start|register|load|save|(?:put|punch|key|plug) in)\s+"
    rf"(?:up\s+)?(?:a|an|the|this|that|my|one|another)?\s*(?:new\s+)?(?:{PERSON}|customer record|customer profile)\b"
    rf"(?!\s+(?:note|call|stage|source))|"
    # "enter him in the crm", "add her as a customer" — not "add a note to the new lead", which is a record's
    rf"\b(?:add|enter|put|get|input|load|stick|throw|pop|save)\s+(?!{RECORD_ITEM}\b)(?:him|her|them|this (?:guy|lady|"
    rf"person|couple|homeowner|one|family)|these (?:folks|people)|{RELATIVE}|[a-z]+(?: [a-z]+)?)\s+"
    rf"(?:in|into|to|on|as)\s+(?:the\s+|a\s+|an\s+)?(?:new\s+)?(?:crm|system|leap|database|{PERSON})\b|"
    # "new lead: ...", "got a new customer for you"
    rf"(?:^|[,:;.!]\s*|\b(?:got|have|here's|here is|there's|another|one more|a|so|ok|okay|yeah|quick|also|and|plus|"
    rf"oh|btw)\s+)(?:a\s+)?"
    rf"new {PERSON}\b(?!s|[\s-]+(?:calls?|scripts?|videos?|stage|source|form|questions?|intake|process|fields?))|"
    rf"\bnew {PERSON}\s*(?::|for (?:you|me|the crm)|(?:just )?(?:came in|came through|called in|walked in|showed up))|"
    # "I got another lead" (not "I've got a customer problem")
    rf"\b(?:got|have|here's|there's)\s+(?:another|a|one more|a hot|a fresh)\s+(?:lead|customer|client|homeowner)\b"
    r"(?!s|\s+(?:who|that|with|problem|issue|question|complaint|situation|asking|calling|wanting|thing|mess))")
PROCESS_QUESTION = rx(  # "what do I need to add a customer?", "how fast should I call a new lead?" are direct
    r"^how (?:do|can|should|would|to)\b|^how (?:fast|soon|quickly|often|early|late|many times)\b.*\b(?:should|"
    r"supposed|have to|must|do|does)\b|^when (?:should|do|must|can) (?:i|we|reps?|consultants?)\b|"
    r"^(?:what|which|how|do|does|is|are|should|when|why|where)\b.*\b(?:need|"
    r"needed|required|require|fields?|info|information|format|process|steps|rules|policy|lead sources?|supposed)\b")
RECORD_CONTEXT = rx(  # contact details used to find or update someone already in the CRM
    r"\b(?:find|look up|lookup|pull up|search|who is|who's|whose|who lives|who owns|which customer|do we have|"
    r"is there|update|change|correct|fix|replace|swap|new (?:number|phone|cell|email|address)|on file|notes?|log|"
    r"the \w+ (?:job|account|deal|roof))\b")
MET_SOMEONE = rx(  # a voice memo about someone new, details maybe still to come
    r"\b(?:just met|met (?:a|an|this|some)|knocked on|door ?knock|home show|parade of homes|talked to (?:a|an|"
    r"this)|spoke (?:to|with) (?:a|an|this))\b.*\b(?:wants?|interested|looking (?:for|at|to)|needs?|asked (?:for|"
    r"about))\b|\bdetails (?:to follow|later|in a (?:sec|second|minute|bit))\b|\bsend (?:you )?(?:the |her |his |"
    r"their )?(?:details|info)\b")
INTRO = rx(r"\b(?:met|knocked|door ?knock|talked|spoke|chatted|home show|name is|name's|names|named|guy|gal|lady|"
            r"woman|man|couple|homeowner|wants|interested|looking for|needs|asked|referral|referred|number is|"
            r"cell is|phone is|email is|lives|new|add|enter|save)\b")


def _new_clients(m: _Msg) -> bool:
    t = m.text
    if PROCESS_QUESTION.search(t) and not _contact(t):
        return False
    if CREATE.search(t):
        return True
    if SCRIPT_ASK.search(t) or _writing_help(t) or ADVICE.search(t):
        return False  # details given for a script or a text, not to record someone
    asks = re.match(r"(?:what|which|who|whose|where|when|is|are|do|does|did)\b", t)
    if MET_SOMEONE.search(t) and not asks:
        return True
    if not _contact(t) or RECORD_CONTEXT.search(t) or asks:
        return False  # a question about contact details is a lookup
    return bool(INTRO.search(t) or m.names or len(t.split()) <= 12)


# --- rule 2: scripting — write, revise or voice a script or primer video ------------------------------------
# a section of a call script: "my cold call opener", "a 20 second opener"
CALL_PART = (r"(?:(?:cold[- ]?call|call|phone|door[- ]?knock(?:ing)?|voicemail) (?:openers?|opening|intro|close|"
             r"closing|spiel|pitch|lines)|spiel|\d+[- ]?(?:second|sec)s? (?:openers?|opening|intro|pitch|close))")
SCRIPT = (rf"(?:{CALL_PART}|scripts?|primers?|primer videos?|pre-?appointment videos?|intro(?:duction)? videos?|"
          r"talk track|voicemails?|videos? (?:before|ahead of|for) (?:\S+ ){0,2}?(?:appointment|inspection|visit|"
          r"consult\w*))")
SCRIPT_PROPER = (rf"(?:{CALL_PART}|scripts?|primers?|primer videos?|pre-?appointment videos?|intro(?:duction)? videos?|"
                 r"talk track)")
SCRIPT_ASK = rx(
    rf"\b(?:write|draft|rewrite|re-write|redo|shorten|lengthen|tighten|trim|polish|punch up|revise|edit|generate|"
    rf"create|make|build|prep|prepare|put together|whip up|come up with|record|voice|narrate|produce|render|"
    rf"give me|get me|send me|gimme|can i get|could i get|need|want|i'd like|do)\b(?:\s+\S+){{0,8}}?\s+{SCRIPT}\b|"
    # revising verbs that also apply to records ("update the Kim job: left a voicemail") need a script noun proper
    rf"\b(?:rework|refine|adjust|modify|update|tweak|fix|improve|freshen up|reword|rephrase|simplify|personali[sz]e|"
    rf"customi[sz]e|adapt|translate|spice up)\b(?:\s+\S+){{0,6}}?\s+{SCRIPT_PROPER}\b|"
    rf"^(?:so |ok |okay |yeah )*(?:(?:i|we)(?:'d| would)? (?:need|want|like|could use)|need)\b"
    rf"(?! to (?:know|understand|"
    rf"learn|ask|check|find out|see)\b).*\b{SCRIPT_PROPER}\b|"
    rf"\b(?:use|put|work|turn)\b(?:\s+\S+){{0,3}}?\s+(?:in|into)\s+(?:a|an|my|"
    rf"the)\s+(?:[\w-]+\s+){{0,3}}{SCRIPT}\b|\bscript (?:out|up|me)\b|"
    rf"^(?:an?\s+)?(?:[\w-]+\s+){{0,3}}{SCRIPT} for\b")
SCRIPT_CONTENT_QUESTION = rx(  # "what goes into a good primer video?" is direct
    r"^(?:(?:i )?(?:need|want) to know |tell me )?(?!(?:can|could|would|will) you\b)(?:what|which|how|should|do|"
    r"does|is|are|when|why|any)\b.*\b(?:should|"
    r"go(?:es)? into|include|contain|structure|sections?|parts|long|length|good|best|tips|rules|guidelines|mention|"
    r"cover|format)\b")


# "do we send videos before the appointment?" asks about practice; "do we have a primer for the Kims?" is left alone
PRACTICE_QUESTION = rx(r"^(?:(?:when|how often|how soon|why|where) )?(?:do|does|did) (?:we|they|reps|our \w+|"
                       r"consultants)\b(?! (?:have|got)\b)")  # "when do we send the primer video?"


def _scripting(m: _Msg) -> bool:
    t = m.text
    return bool(SCRIPT_ASK.search(t)) and not SCRIPT_CONTENT_QUESTION.search(t) and not PRACTICE_QUESTION.match(t)


# --- rule 3: crm — look up or act on specific records; list or count jobs -----------------------------------
STAGE_MEANING = rx(  # "what does Inspection mean?" is direct
    r"\b(?:mean|means|meaning|definition|define|difference between|when (?:do|should|can|would) (?:i|we|you)|"
    r"who (?:can|should|gets to)|(?:allowed|permitted) to|what's required|required (?:fields|for)|requirements|"
    r"what counts as|supposed to|"
    r"how long (?:can|should|does))\b")
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
    r"schedule|pencil) (?:me|him|her|them|us)\b|\bput (?:\w+ ){1,3}on (?:my|the|his|her) (?:calendar|schedule)\b")
STATUS_NEWS = rx(  # "the Liu job is lost, they went with Apex"
    r"\b(?:is|was|are|were|just|finally|got|has been|have been) (?:lost|dead|signed|sold|completed?|done|closed|"
    r"cancell?ed)\b|\b(?:went|going|go) with (?:another|a competitor|someone else|the other|[a-z]+)\b|\b(?:signed|"
    r"backed out|bailed)\b")
UPDATE_FIELD = rx(r"\b(?:update|change|correct|fix|set|assign|reassign|swap)\b(?:\s+\S+){0,5}?\s+(?:to|as|on|"
                   r"for)\b|\bnew (?:number|phone|cell|email|address)\b|\b(?:assign|reassign)\b")
LIST_COUNT = rx(
    rf"\b(?:jobs?|deals?|leads?|customers?|clients?|accounts?|anyone|anything|everyone|everything|who's|who is|"
    rf"who are)\b(?:\s+\S+){{0,5}}?\s+(?:in|at|into|reached|hit)\s+(?:the\s+)?{STAGE}\b"
    r"|\bhow many\b(?:\s+\S+){0,4}?\s+(?:jobs|deals|leads|customers|clients|appointments|inspections|estimates|"
    r"installs|contracts|accounts|roofs)\b|\b(?:my|our|[a-z]+'s)\s+(?:\w+\s+)?(?:calendar|schedule|day|agenda|"
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
    rf"any jobs|deals|jobs|many)\b(?:\s+\S+){{0,3}}?\s+{WHEN}")
FIELD = rx(
    r"\b(?:stage|status|standing|rep|consultant|salesperson|assigned|amount|contract|value|total|balance|deposit|"
    r"paid|phone|number|cell|email|address|appointment|install|scheduled|notes?|history|last (?:call|touch|"
    r"contact)|quoted?|estimate|bid|claim|adjuster|crew|sign|signed|lost reason|job number|details|info|record|"
    r"on track|still on|progress|booked|when's|when is)\b")
LOOKUP_VERB = rx(r"\b(?:pull|look up|lookup|bring up|find|open|check|search|show me|get me|give me|anything on)\b")
LOOKUP_ANY = rx(  # these take any name: "pull up kowalski", "where are we with okonkwo"
    r"\b(?:pull up|look up|lookup|bring up|dig up|check on|check in on|where are we (?:at )?(?:with|on)|"
    r"where do we stand (?:with|on)|status (?:of|on|for)|update on|latest on|what's (?:going on|happening|up) with|"
    r"what happened with|how's the|how is the|where's|where is|where are|who's got|who has|who owns|who's on|"
    r"who's handling|who's working|who's running)\s+(?:the\s+)?([a-z][\w'-]*|\d{3,6}\s+[a-z]{3,})")
SAID = (r"(?:say|said|saying|mention\w*|talk\w*|bring|brought|objections?|object\w*|react\w*|push\w* back|"
        r"ask\w*|complain\w*|worr\w*|rais\w*|concern\w*|hesitat\w*)")
A_CALL = (r"(?:in|on|from|during)\s+(?:my|the|our|his|her|their|that|this|yesterday's|today's|last)\s+(?:\S+\s+){0,2}?"
          r"call\b")
# an in-home appointment is a recorded sales call too: "what did she push back on during her appointment?" (past
# tense only: "what should I bring up at the appointment?" is coaching)
A_MEETING = (r"(?:at|during|in)\s+(?:my|the|our|his|her|their|that|this|yesterday's|today's|last)\s+(?:\S+\s+){0,2}?"
             r"(?:appointment|visit|consultation|consult|presentation|sit-?down)\b")
PAST_TALK = r"(?:did|was|were|said|asked|mentioned|brought|objected|raised|complained|pushed back|hesitated|reacted)"
MEETING_TALK = rx(rf"\b{A_MEETING}.*\b{SAID}|\b{SAID}\b.*\b{A_MEETING}")
ONE_CALL_TALK = rf"\b{A_CALL}.*\b{SAID}|\b{SAID}\b.*\b{A_CALL}"  # "did she bring up the warranty on her call?"
ONE_CALL = rx(ONE_CALL_TALK)


def _said_at_meeting(t: str) -> bool:
    return bool(MEETING_TALK.search(t) and re.search(rf"\b{PAST_TALK}\b", t)
                and not re.search(r"\b(?:should|will|gonna|going to)\b", t))


def _said_on_one_call(t: str) -> bool:
    return bool(ONE_CALL.search(t)) or _said_at_meeting(t)


# how one call went ("how did the Castillo call go?", "how was my call with the Hills") asks for its summary
CALL_WENT = (r"\bhow (?:did|'d) (?:\S+\s+){0,3}?call(?:\s+with\s+(?:the\s+)?\S+)?\s+go\b|\bhow was (?:my|the|his|her|"
             r"their|that|this|[a-z]+'s)\s+(?:\S+\s+){0,2}?call\b(?!\s+(?:time|schedule|list))")
CALL_WENT_RX = rx(CALL_WENT)
NOT_A_RECORD = COMMON | words("web internet online transfer guide manual knowledge summary summaries transcript",
                              "recording")
ANALYSIS_NOUN = rx(r"\b(?:objections?|techniques?|sentiment|transcripts?|calls|summar\w*)\b")
WRITING_HELP = rx(  # a text, email, post, card or review reply is direct, even when it mentions an appointment
    r"\b(?:write|draft|word|compose|help me (?:write|word|with)|reply|clean up|polish|proofread|proof|edit|fix up|"
    r"tidy up|touch up|reword|rephrase|look over|punch up|soften)\b(?:\s+\S+){0,4}?\s+(?:texts?|sms|emails?|"
    r"e-mails?|messages?|reply|replies|post|caption|notes? to|cards?|letters?|reviews?|comments?|dms?)\b")
REPLIED = rx(r"\b(?:did|has|have|had|didn't|hasn't|haven't)\s+(?:\S+\s+){0,3}?(?:reply|replied|respond\w*|answer\w*|"
             r"read|open\w*|get|got|see|seen)\b")  # "did the Hills reply to my text?" asks about the customer


@lru_cache(maxsize=512)
def _writing_help(t: str) -> bool:
    return bool(WRITING_HELP.search(t)) and not REPLIED.search(t)


GENERIC = rx(  # norms and hypotheticals: "how many inspections should I do a week", "before we move a lead to lost"
    r"\b(?:should (?:i|we|you|reps?)|supposed to|usually|typically|normally|generally|ideally|on average|in general|"
    r"every time|each time|rule of thumb|quota|best practice)\b|\b(?:when|once|after|before|if|whenever|until|move|"
    r"mark|put|assign|reopen|add|log|schedule|book|cancel|enter)\b(?:\s+\S+){0,3}?\s+(?:a|an|any given) (?:job|lead|"
    r"deal|customer|client|homeowner|estimate|contract|inspection|appointment|account|install|installation|visit)\b"
    # "do new customers start in Lead?": where every new record goes
    r"|\b(?:new|every|each|all new) (?:customers?|leads?|jobs?|clients?|deals?|homeowners?) (?:start|begin|go|land|get "
    r"put|enter)\b")
GENERIC_QUESTION = rx(r"^(?!(?:can|could|would|will) you\b)(?:what|which|who|how|when|why|is|are|do|does|should|can|"
                       r"could|would|if)\b|^(?!(?:can|could|would|will) you\b).*\?\s*(?:(?:thanks|thank you|thx|ty|"
                       r"cheers|please)[\s!.]*)?$")
SCHEDULE_ANCHOR = rx(rf"\b{WHEN}\b|\b(?:right now|currently|so far)\b")


def _generic_question(m: _Msg) -> bool:
    """A question about how things are done in general, not about specific records: the direct flow's."""
    t = m.text
    return bool(GENERIC_QUESTION.search(t) and GENERIC.search(t) and not SCHEDULE_ANCHOR.search(t)
                and not _entity(m))


EXPLICIT_WEB = rx(r"\b(?:search|look|check)\s+(?:\S+\s+)?(?:the )?(?:web|internet|online)\b|\bgoogle (?!reviews?\b)"
                   r"\w|\bweb search\b")


NOTE_LABEL = rx(r"\b(?:notes?|update)\s*:\s*\S")
LEADING_NAME = rx(r"^([a-z][\w'-]*)(?: [a-z][\w'-]*)?\s*[-,:]")  # "Ngata - ...": a surname opens a fragment
NOT_A_NAME = words("fyi btw reminder heads ps psa")


def _note_for_record(m: _Msg) -> bool:
    """ "Ngata - note: adjuster thurs 2pm": a labelled note for a named customer, or for the surname that opens it."""
    if not NOTE_LABEL.search(m.text):
        return False
    first = (mt := LEADING_NAME.match(m.text)) and mt.group(1).removesuffix("'s")
    return _entity(m) or bool(first) and first not in COMMON and first not in NOT_A_NAME


CALL_OUTCOME = rx(r"\b(?:left (?:a |them a |her a |him a )?(?:voicemail|message)|no answer|didn't (?:answer|pick up)|"
                   r"went (?:straight )?to voicemail|spoke (?:to|with)|talked (?:to|with)|called (?:and|but))\b")


PRONOUN_RECORD = rx(  # "did she sign yet?", "when's his install?": a record, even if the thread named it earlier
    r"^(?:did|has|have|is|was|are|were)\s+(?:she|he|they)\s+(?:\w+\s+)?(?:sign|signed|pay|paid|book|booked|close|"
    r"closed|cancell?ed|accept\w*|approve\w*)\b|^(?:what's|what is|when's|when is|where's|where is)\s+(?:her|his|their)"
    r"\s+(?:stage|status|appointment|install|inspection|estimate|contract|balance|deposit|rep)\b")
COMPANY_TALK = rx(r"\b(?:charg(?:e|es|ing)|reviews?|reviewed|rated|ratings?|reputation|bbb|yelp|web ?site)\b")


def _crm(m: _Msg) -> bool:
    t = m.text
    named = _entity(m)
    if _writing_help(t) or ADVICE.search(t) or _generic_question(m) or EXPLICIT_WEB.search(t) or KB_SEARCH.search(t):
        return False
    if ((COMPANY_TALK.search(t) and _web(m))  # "what is Apex charging": another company
            or (_said_on_one_call(t) and QUESTION.search(t))  # what was said in a call, or how it went: analysis
            or CALL_WENT_RX.search(t) or re.search(CALL_ID, t) or MESS.search(t)) and not CRM_ACTION.search(t):
        return False
    if not named and (re.match(r"why\b|how (?:do|can|should|would) (?:i|we|you)\b", t)
                      or STAGE_MEANING.search(t) and not re.search(r"\b(?:my|how many|which of|list)\b", t)):
        return False
    if PRONOUN_RECORD.match(t):
        return True
    if CRM_ACTION.search(t) or _note_for_record(m) or ((STATUS_NEWS.search(t) or CALL_OUTCOME.search(t)) and named
                                                       and not QUESTION.match(t)):
        return True
    owned = named or re.search(r"\b(?:my|our|\w+'s)\b", t)
    if UPDATE_FIELD.search(t) and (FIELD.search(t) or "assign" in t) and owned:
        return True
    if named and _passed_on_policy_question(m):
        return False
    if LIST_COUNT.search(t) and not ANALYSIS_NOUN.search(t):
        return True
    if (LOOKUP_VERB.search(t) or FIELD.search(t)) and named:
        return not ANALYSIS_NOUN.search(t) or bool(FIELD.search(t) and not re.search(r"\bcalls?\b|summar", t))
    hit = LOOKUP_ANY.search(t)  # weak evidence: loses to outside information ("where are interest rates at")
    return bool(hit and hit.group(1) not in NOT_A_RECORD) and (named or not _web(m))


# A customer's question passed on ("the Nunez family asked if we install in Castle Rock") is about our products and
# policies, the direct flow's, unless it asks about their own record ("asked when their install is").
RELAYED = rx(r"\b(?:asked|asks|asking|wants? to know|wanted to know|wondering|wondered|is curious)\b(?:\s+(?:me|us|the "
             r"office|the front desk))?\s+(?:if|whether|how|what|why|about|do|does|can|is|are|will|would)\b")
ABOUT_US = rx(r"\b(?:we|we'll|we're|we'd|us|our|brightwater|fixed \d+|solar \d+|series \d+|same[- ]as[- ]cash|"
              r"warrant\w*|financ\w*|guards?|packages?|polic\w*|minimum|discounts?|credit score|apr)\b")
RECORD_ASK = rx(r"\bwhere (?:are|do|'re) we (?:at|stand)\b|\bwhere(?:'s| is) (?:it|that|this) at\b|"
                r"\b(?:his|her|their|its|[a-z]+'s) (?:\w+ )?(?:stage|status|rep|consultant|appointment|install|"
                r"inspection|estimate|contract|balance|amount|date|crew|claim|notes?|job|schedule|bid|quote|price|"
                r"deposit|payment|permit|email|phone|number|address|name|roof|house|home)\b(?! warrant)|\b(?:stage|"
                rf"status|when|yet|did|got|received|sent|still on|{WHEN})\b")
CLAUSE = re.compile(r"[.?!;,]\s+|\s+[-\u2013\u2014]+\s+|:\s+")


def _passed_on_policy_question(m: _Msg) -> bool:
    """A named customer's question about our products or policies, relayed by the rep."""
    return bool(RELAYED.search(m.text) and ABOUT_US.search(m.text) and not RECORD_ASK.search(m.text))


def _policy_question_beside_name(m: _Msg) -> bool:
    """ "before I call the Brandt lead back, what's our minimum for a roof repair?": the question itself is ours."""
    asked = [c for c in CLAUSE.split(m.text) if QUESTION.search(c)]
    if not asked:
        return False
    clause = asked[-1]
    return (not _entity(_Msg(clause, m.names)) and bool(ABOUT_US.search(clause)) and not RECORD_ASK.search(clause)
            and not FIELD.search(clause) and not re.search(r"\b(?:he|she|they|him|her|them|his|their)\b", clause))


# --- rule 4: analysis — patterns across our sales calls -----------------------------------------------------
CALL_ID = r"\b[a-z]{2,5}-\d{2}-\d{3,5}\b"  # a transcript's call_id, "BWC-25-007" (transcripts/SCHEMA.md)
TECHNIQUE = (r"(?:good better best|monthly payment reframe|cost of waiting|feel felt found|third party proof|"
             r"warranty emphasis|inspection photos|isolate (?:the )?objection|involve (?:the )?decision maker|"
             r"trial close|acrc)")
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
    r"\bobjections?\b(?:\s+\S+){0,4}?\s+(?:come up|came up|comes up|most|keep|do we|we hear|we get)\b"
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
    r"fewer|better|worse)(?: \w+)? (?:when|if|with|after)\b")
NOT_ANALYSIS = rx(r"\b(?:log|schedule|book|return|make|missed|set up)\b(?:\s+\S+){0,3}?\s+calls?\b|\bcall (?:him|"
                   r"her|them)\b|\b(?:who|he|she|someone|somebody|nobody|office|crew|it) calls\b|\bcalls (?:him|her|"
                   r"them|me|us|you|(?:the|a) (?:customer|homeowner|client))\b|\bhow many (?:[\w-]+ )?(?:calls|"
                   r"attempts|touches|tries)\b(?:\s+\S+){0,2}?\s+(?:before|until|should|to make|do (?:i|we|you) "
                   r"(?:make|need))\b"  # calls to make, not calls to study
                   r"|\b(?:online|reviews?|yelp|google|bbb|internet|web)\b"  # online reviews: outside
                   # a preference ("he prefers texts over calls"), not calls to study
                   r"|\b(?:texts?|texting|emails?|emailing)\s+(?:over|instead of|rather than|than|not|to)\s+"
                   r"(?:phone\s+)?calls\b|\b(?:prefers|would rather|'d rather)\b(?:\s+\S+){0,3}?\s+calls\b|"
                   r"\bcalls\s+(?:over|rather than|instead of)\b")
REP_BEHAVIOUR = rx(rf"\b(?:handl(?:e|es|ed|ing)|us(?:e|es|ed|ing)|say(?:s|ing)?|said|open(?:s|ed|ing)?|"
                    rf"pitch(?:es|ed|ing)?|approach(?:es|ed|ing)?|differ\w*|compar\w*|vs\.?|versus|{TECHNIQUE})\b")
CALL_CORPUS = rx(r"\b(?:on|in|from|across|during) (?:our |the |my |his |her |their |\w+ )?calls\b|transcript|"
                  r"recording")


PROCESS_CHOICE = rx(r"\b(?:do|should|would|can|must) (?:i|we|you|reps) (?:pick|choose|select|put|enter|mark|tag|log|"
                     r"set)\b|\b(?:which|what) lost reason\b")  # which value to record: the CRM's rules, direct


# what one of our techniques or frameworks is: "what's the isolate objection technique?" is the playbook's, direct
DEFINITION = rx(rf"^(?:what(?:'s| is| are| does)|explain|define|describe|walk me through) (?:the |a |an |our )?"
                rf"(?:{TECHNIQUE}|[\w-]+(?: [\w-]+){{0,2}} (?:technique|framework|method|approach|objection type))\b"
                r"(?! (?:work|worked|works|win|wins|close|closes)\b)"
                # "what is the price objection?" — not "what's the most common objection?"
                r"|^(?:what(?:'s| is| are)|explain|define|describe) (?:the |a |an |our )?(?:(?!(?:most|top|biggest|"
                r"main|common|usual|frequent\w*|latest|last|hardest)\b)[\w-]+ ){0,2}(?:objection types?|types of "
                r"objections?|objection)[\s?!.]*$")
# a question about which document holds something: "what doc has the objection types table?" is the knowledge base's
DOC_REF = rx(r"\b(?:which|what)\s+(?:\w+\s+)?(?:doc|document|docs|documents|page|section|guide|sop|file)\b|"
             r"\b(?:in|from|of) (?:the |our |that |this )?(?:[\w-]+ )?(?:docs?|documents?|documentation|playbook|"
             r"handbook|manual|knowledge ?base|kb|training (?:docs?|materials?))\b|\b(?:the|our|that|this) "
             r"(?:[\w-]+ ){0,2}(?:docs?|documents?|playbook|handbook|manual|knowledge ?base) (?:says?|said|covers?|"
             r"mentions?|has)\b")


def _analysis(m: _Msg) -> bool:
    t = m.text
    if (DEFINITION.search(t) or DOC_REF.search(t)) and not CALL_CORPUS.search(t):
        return False
    rep = any(re.search(rf"\b{r}\b", t) for r in REPS) or re.search(r"\b(?:reps|top performers|consultants)\b", t)
    normative = re.search(r"\b(?:should|supposed to|ought to|best (?:way|response|reply|answer))\b", t)
    if NOT_ANALYSIS.search(t) or (ADVICE.search(t) and (not rep or normative) and not CALL_CORPUS.search(t)):
        return False  # "how should I handle price objections?" is coaching, which is direct
    if PROCESS_CHOICE.search(t) and not CALL_CORPUS.search(t):
        return False
    return bool(ANALYSIS.search(t) or _said_at_meeting(t) or (rep and REP_BEHAVIOUR.search(t)))


# --- rule 5: web_search — outside or current information ----------------------------------------------------
PRICE = r"(?:price|prices|pricing|cost|costs|charge|charging|charges|rate|rates|going for|run)"
OUTSIDE = (rf"(?:current(?:ly)?|today'?s?|these days|right now|going rate|market|lately|nowadays|this year|"
           rf"trend\w*|going up|rising|suppl(?:y|ier|iers)|distributors?|wholesale|home depot|lowe's|in {PLACES}|"
           rf"near {PLACES}|owens corning|gaf|certainteed|malarkey|tamko|iko|atlas)")
WEB = rx(
    r"\b(?:search the (?:web|internet)|google|look (?:it )?(?:up )?online|search online|on the (?:web|internet)|"
    r"online|web search|bing)\b"
    # market and competitors' prices
    rf"|\b{PRICE}\b.*\b{OUTSIDE}\b|\b{OUTSIDE}\b.*\b{PRICE}\b|\bgoing rate\b|\b{PRICE}\b.*\b(?:around here|locally)\b"
    r"|\b(?:does|do|is|are) (?!we\b|you\b|i\b|they\b|our\b)[a-z]+(?: [a-z]+)? (?:charge|charging|quote|quoting|"
    r"sell|selling)\b|\b(?:prices?|costs?|rates?) (?:doing|trending|going up|going down|headed|rising|dropping|"
    r"jump\w*|spik\w*)\b|\bwhere (?:are|is|'s) (?:\S+\s+){0,3}?(?:prices?|costs?|rates?)(?: at)?[\s?!.]*$"
    r"|\b(?:competitors?|competition|other (?:roofers|roofing companies|contractors|companies|"
    r"installers|outfits|guys)|[a-z]+ (?:roofing|exteriors|construction|restoration))\b.*\b(?:charg\w*|pric\w*|"
    r"cost\w*|reviews?|reviewed|rating|rated|reputation|yelp|bbb|offer\w*|selling|doing)\b"
    r"|\b(?:reviews?|ratings?|reputation)\b.*\b(?:competitors?|other (?:roofers|roofing companies|contractors|"
    r"companies|installers|outfits)|(?!(?:our|the|my|your|their|his|her|on|for|of|in|and|with|to|a|an|about|metal|"
    r"shingle|storm|residential|commercial|new)\b)[a-z]+ (?:roofing|exteriors|construction|restoration))\b"
    r"|\b(?:doing|looking|trending|headed|going)\b(?:\s+\S+){0,2}?\s+(?:price|cost)[- ]?wise\b"
    # weather, storms, hail, news
    rf"|\b(?:weather|forecast|tornado|temperature|temps|freeze)\b|\b(?:rain|snow|wind|storms?|hail|"
    rf"hailstorms?)\b(?:\s+\S+){{0,3}}?\s+(?:reports?|maps?|data|events?|swath|path|history|{WHEN}|in {PLACES}|"
    rf"near|hit)\b"
    r"|\b(?:was there|were there|did it|is it (?:supposed|going)|any|recent|latest)\b(?:\s+\S+){0,3}?\s+(?:rain|"
    r"snow|wind|storms?|hail|hailstorms?)\b|\bsupposed to (?:rain|snow|hail|storm)\b|\b(?:news|headlines)\b"
    r"|\b(?:tariffs?|supply chain|shortages?|inflation|housing market|recession|the economy)\b"
    # permits and codes, incentives, interest rates
    rf"|\bpermits?\b.*\b(?:cost|fee|fees|need|needed|require\w*|rules|process|{PLACES}|city|county|state)\b|"
    rf"\b{PLACES}\b.*\bpermits?\b|\b(?:need|needs|require\w*) (?:a )?permits?\b|\bcodes?\b.*\b(?:require\w*|say|"
    rf"allow|in {PLACES}|city|state|local)\b|\b(?:{PLACES}|building) codes?\b"
    r"|\b(?:ordinances?|(?<!hoa )regulations?)\b"
    r"|\b(?:tax credits?|incentives?|rebates?|itc|net metering|utility (?:programs?|rules|buyback)|grants?|25[cd]|"
    r"(?:energy|federal|solar|state|efficiency) (?:tax )?credits?|inflation reduction act)\b|"
    r"\b(?:interest|mortgage|heloc|prime|fed|federal|apr|loan|bank)\s+rates?\b.*\b(?:current|today|now|these days|"
    r"going|trend|market|national|average|lately|this week|doing|up|down|ris|drop)|\b(?:mortgage|heloc|prime|fed|"
    r"federal) rates?\b|\brates?\b(?:\s+\S+){0,3}?\s+(?:going up|going down|rising|dropping|doing|trend)"
    r"|\b30[- ]?(?:yr|year) (?:fixed|mortgage|rate|loan)s?\b|\brefi(?:nance)? rates?\b")
PLACE_RULE = rx(rf"\b{PLACES}\s+(?:\S+\s+){{0,2}}?(?:requir|mandat|allow|ban|enforc)\w*")  # "is Arvada requiring ..."
RULE_VERB = re.compile(r"(?:requir|mandat|allow|ban|enforc)\w*")
# our own plans and packages by name count as "ours": "what rate is fixed 120 right now" is direct
OURS = rx(r"\b(?:we|our|us|brightwater|heritage|series \d+|fixed \d+|solar \d+|same[- ]as[- ]cash|(?:essential|"
          r"preferred|signature) (?:package|tier|option|roof|shingles?|system))\b")
NOT_JUST_OURS = rx(rf"\b(?:competitors?|other|market|suppl(?:y|ier|iers)|wholesale|tariffs?|manufacturers?|"
                    rf"in {PLACES}|search|google|online|news|hail|weather|forecasts?|tornado\w*|temperatures?|temps)\b")


COMPANY_WORD = r"(?:roofing|exteriors|construction|restoration|contracting|builders|remodel\w*)\b"
THEIR_SITE = rx(r"\b(?:check|look at|go to|visit|read|pull up|browse|open)\b(?:\s+\S+){0,3}?\s+(?:(?:their|its|"
                 r"[a-z]+'s) (?:web ?)?site|(?:the |that |this )?web ?site)\b")  # a company's website, not a job site


# what other companies quote or bid in general ("what are competitors in Aurora quoting for siding?"); what one of them
# quoted a named customer is on that customer's record
COMPETITOR_QUOTE = rx(r"\b(?:competitors?|competition|other (?:roofers|roofing companies|contractors|companies|"
                      r"installers|outfits|guys))\b.*\b(?:quoting|bidding|quoted)\b")  # not "a competitor quote"


def _web(m: _Msg) -> bool:
    t = re.sub(r"\b(?:zip|area|promo|discount) codes?\b", "", m.text)
    if _writing_help(t) and not EXPLICIT_WEB.search(t):
        return False  # "help me reply to a google review" is writing help
    if THEIR_SITE.search(t):
        return True
    if (DOC_REF.search(t) or KB_SEARCH.search(t)) and not EXPLICIT_WEB.search(t):
        return False  # "the exact wording from the financing doc about tax credits": our document, not the world
    if COMPETITOR_QUOTE.search(t) and not _entity(m) and not ADVICE.search(t):
        return True
    if RULE_VERB.search(t) and PLACE_RULE.search(t):  # a city's or state's rules are outside information
        return not ADVICE.search(t)
    if not (hit := WEB.search(t)) or re.search(r"\b(?:search|google|online)\b", t):
        return bool(hit)
    if ADVICE.search(t) or re.match(r"(?:can|may|should|do) (?:i|we) (?:tell|say|quote|promise|mention|offer)\b", t):
        return False  # coaching, or what we may tell customers: our policy
    company = any(re.search(rf"\b{re.escape(n)} (?:\w+ )?{COMPANY_WORD}", t) for n in m.names)  # "Apex Exteriors"
    return not OURS.search(t) or bool(NOT_JUST_OURS.search(t)) or company  # our own prices and policies are direct


# --- rule 6: knowledge — explicit knowledge-base work -------------------------------------------------------
DOCS = (r"(?:docs?|documents?|documentation|knowledge ?base|kb|training (?:docs|materials|documents)|playbook|"
        r"handbook|manual|wiki|sops?|guides?|materials|policy docs)")
DOC_ITEM = (r"(?:docs?|documents?|documentation|write-?ups?|sops?|playbook|handbook|manual|guide|policy doc|"
            r"training (?:docs?|materials?|videos?))")  # a document one has or sends ("materials" may be shingles)
KB = r"(?:docs|documents|documentation|knowledge ?base|kb|training (?:docs|materials|documents)|playbook|handbook|wiki)"
KB_SEARCH = rx(  # searching the knowledge base, or asking whether it has anything on a topic; never a CRM lookup
    rf"\b(?:search|look (?:in|through)|browse|go through|dig through|scan)\s+(?:in\s+)?(?:the\s+|our\s+|all\s+)?"
    rf"{KB}\b|\b(?:anything|something|stuff|info|information)\s+(?:in|on|from)\s+(?:the\s+|our\s+)?{KB}\b")
KNOWLEDGE = rx(
    rf"{KB_SEARCH.pattern}|\b(?:search|check|look (?:in|through)|browse|go through|dig through|scan)\s+(?:in\s+)?"
    rf"(?:the\s+|our\s+|all\s+)?{DOCS}\b"
    r"|\b(?:which|what)\s+(?:\w+\s+)?(?:doc|document|docs|documents|file|page|section|policy|guide|article|"
    r"sop)\s+(?:covers|talks|mentions|says|has|explains|describes|discusses|is about|deals|cover|talk|mention|say)|"
    r"\b(?:cite|citations?|sources|source it|with (?:a )?source|show (?:me )?(?:the )?source|references)\b|"
    r"\bquote the (?:[\w-]+ ){1,3}(?:section|passage|paragraph|clause|part)\b|"
    rf"\b(?:which|what)\s+(?:\w+\s+)?(?:section|page|part|chapter)s?\s+of\s+(?:the\s+|our\s+)?(?:[\w-]+\s+)?{DOCS}\b|"
    # what a named document says: "quote what the pricing doc says", "does the financing doc mention ..."
    rf"\bquote (?:what|where|how) (?:the |our |it |that )|\b(?:does|do|did) (?:the|our|that|this) (?:[\w-]+ ){{0,2}}"
    rf"{DOC_ITEM} (?:say|mention|cover|talk|address|include)\b|"
    r"\bquote (?:it|that|this|the (?:doc|document|policy|section|text|passage|line|paragraph|relevant|whole|part|"
    r"parts|bit|clause|sentence|wording|language|rule)|"
    r"me the|"
    rf"directly|verbatim|from (?:the |our )?{DOCS})\b|\b(?:word for word|verbatim|exact (?:wording|language|"
    rf"text))\b|\b(?:list|show|what are|which are|what|which)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+|our\s+|"
    rf"your\s+)?{DOCS}\b|\bwhere (?:does it|do the docs|in the docs|is it written)\b|\bwhere\b.*\b{DOCS} (?:say|"
    rf"says|mention|cover)|\bshow me where\b|\b(?:link|pull up|open)\b.*\b{DOCS}\b"
    rf"|\bwhere (?:in|on) (?:the |our |that |this )?{DOCS}\b|\b(?:is there|are there|do we have|have we got|got) "
    rf"(?:a|an|any|some)\s+(?:\S+\s+)?{DOC_ITEM}\b|\b(?:send|share|attach|forward) (?:me |us )?(?:the|that|this|a|"
    rf"our)\s+(?:\S+\s+)?{DOC_ITEM}\b")


QUOTE_TO_CUSTOMER = rx(  # "can I quote it to customers" asks what to tell a customer, not for a document's words
    r"\bquote (?:(?:it|that|this|them|those) )?(?:to|for) (?:the |a |my |our )?(?:customers?|homeowners?|clients?|"
    r"people|buyers?|them|him|her)\b|^(?:can|may|should|could) (?:i|we|reps?) quote\b")


def _knowledge(m: _Msg) -> bool:
    t = re.sub(r"\blead sources?\b", "", m.text)
    return bool(KNOWLEDGE.search(QUOTE_TO_CUSTOMER.sub(" ", t)))


# --- rule 7: triage — needs an agent, but nothing says which ------------------------------------------------
PAST_WORK = (r"(?:last (?:week|month|visit|call|job|one|go-?round)|yesterday|the other (?:day|one|job|time)|"
             r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)")
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
    r"|\b(?:do )?(?:the )?same (?:thing )?(?:for|with|to)\b")
VAGUE_MATTER = rx(r"\b(?:the|that|this) (?:([a-z'-]+) )?(?:thing|situation|stuff|mess|drama|saga|matter)\b")
CONFIRM = rx(  # confirming or continuing with nothing in progress: "sure, do that", "circle back on it"
    r"^(?:(?:yes|yeah|yep|yup|sure|ok|okay|k|alright|please)\b[\s,!.]*)*(?:do it|do that|go ahead|go for it|"
    r"proceed|confirm(?:ed)?|send it|ship it|please do|circle back(?: on (?:it|that|this))?|keep going|continue|"
    r"carry on|next|again|one more|try again|redo it|finish it|same thing|that one|the other one|both|let's do it|"
    r"run it|and)?(?:[\s,!.]+(?:do it|do that|go ahead|again|please|now|thanks|for me))*"
    rf"(?:\s+(?:{WHEN}|later|in a (?:bit|sec|second|minute|few)|after lunch|first thing(?: in the morning)?))?[\s!.]*$")
VERB_START = rx(  # a clause that asks for something (used for fragments and for splitting double requests)
    r"^(?:please |also |then |and |so |ok |okay |now |can you |could you |would you |will you |i need you to |"
    r"i need |i want |need |let's |go ahead and |quickly |real quick )*(?:add|create|enter|log|move|mark|put|"
    r"update|change|schedule|book|reschedule|set|write|draft|make|give|find|look|pull|check|search|show|list|tell|"
    r"send|record|voice|generate|summarize|summarise|compare|research|get|reopen|assign|cancel|note|call|text|"
    r"remind|help|figure|sort|see|what|what's|which|who|who's|whose|how|how's|when|where|why|is|are|was|were|do|"
    r"does|did|can|could|should|any|new|shorten|rewrite|quote|cite|google|close|email|handle|deal|take|use)\b")
IMPERATIVE = rx(r"^(?:please |can you |could you |go |now )?(?:call|text|email|send|ping|remind|tell|contact|"
                 r"reach out|follow up|chase|get|do|help|finish|fix|redo|prep|prepare|handle)\b")


HOUSE_OR_JOB_NUMBER = r"(?<!fixed )(?<!solar )(?<!series )\b\d{3,}"  # not a plan or product: "APR on the fixed 180?"


def _fragment(m: _Msg) -> bool:
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
CONTINUES = rx(r"^(?:and |so |what about |how about )?(?:(?:him|her|them|he|she|they|his|their)(?: \w+)?|"
               r"what (?:did|does|do) (?:he|she|they) (?:say|want|ask|need|think|mean))[\s?!.]*$")
# "Greer is a mess, help": a named matter, no action given
MESS = rx(r"\b(?:is|'s|are|was|has been) (?:a |such a |a total |a real |a complete |kind of a |turning into a )?"
         r"(?:mess|disaster|nightmare|headache|train ?wreck)\b")


def _triage(m: _Msg) -> bool:
    vague = VAGUE_ACTION.search(m.text) or _vague_matter(m.text) or MESS.search(m.text) and _entity(m)
    if vague and not ADVICE.search(m.text) and not _writing_help(m.text):  # "clean up this email" is writing help
        return True
    return bool(CONFIRM.match(m.text) or CONTINUES.match(m.text)) or _fragment(m)


# --- step 2: small talk -------------------------------------------------------------------------------------
SMALL_TALK = rx(
    r"^(?:(?:hi|hey|hello|yo|howdy|hiya|sup|morning|good (?:morning|afternoon|evening|night)|gm|thanks|thank you|"
    r"thank|thx|ty|tysm|appreciate (?:it|you)|much appreciated|cheers|great|cool|nice|awesome|perfect|love it|"
    r"got it|sounds good|lol|haha|lmao|ha|bye|goodbye|see ya|later|talk soon|ttyl|night|nite|gn|g'night|goodnight|"
    r"(?:talk|catch|see) (?:to )?(?:you |ya |u )?(?:tomorrow|later|monday|in the morning|next week)|heading out|"
    r"signing off|logging off|peace(?: out)?|have a good (?:one|day|night|"
    r"weekend)|never ?mind|nvm|you rock|you're the best|great job|nice work|good job|legend|ok|okay|man|dude|buddy|"
    r"so much|a lot|again|all|team|there|guys|friend|bud|for (?:the|your) help|much|very|you|ya|y'all|mate|bro|"
    r"boss|chief|so|anyway|everyone|everybody|folks|fam|sir|y'all|hehe|a ton|tons|nice one|(?:a |such a |my )?"
    r"(?:that's|that is|this is|so) (?:so |too |pretty )?(?:hilarious|funny|great|awesome|amazing|cool|wild|crazy|nice|"
    r"sweet|perfect|helpful)|(?:a |such a |my )?"
    r"(?:life ?saver|rock ?star|hero|champ)|(?:you're|youre|your|you are) (?:a|an|my|the best|awesome|amazing|great|"
    r"killing it)|you rock|"
    r"happy (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|holidays?|thanksgiving|new year|birthday)|"
    r"hope (?:you|your|you're|y'all|everyone)(?: \w+){0,5}|how was (?:your|the) (?:weekend|day|week|holiday)|"
    r"(?:that|this|it)(?:'s| is)? (?:helps|helped|works|worked|helpful|useful)|(?:that|this|it) (?:did|does|'ll do) "
    r"(?:it|the trick)|how(?:'s| is) (?:it going|(?:your|the) (?:day|morning|week)(?: going)?)|how are (?:you|ya|"
    r"things)(?: doing| going)?|(?:super|very|really) (?:helpful|useful)|"
    r"(?:works|worked) for me|good to know|makes sense|will do|noted)"
    r"\b[\s,!.?]*)+$|^(?:are you|you) (?:still )?(?:there|around|awake|up|working|alive|online)\b|"
    r"^(?:what|how) (?:can|could|do) you (?:do|help)|^what (?:are you|do you|else can you)\b.*\b(?:able|do|help|"
    r"good)\b|^who are you\b|^tell me a joke\b|^how(?:'s| is| are| you)\b.{0,12}\b(?:going|doing|you|day|"
    r"life)\b[\s?!.]*$|^(?:help|test|ping)[\s?!.]*$")


# --- step 1: a workflow in progress -------------------------------------------------------------------------
WORK_NOUN = (r"(?:script|draft|video|primer|voicemail|opener|opening|intro|close|closing|ending|line|lines|tone|"
             r"wording|part|paragraph|section|middle|beginning|end|first|last|second|name|number|email|phone|"
             r"address|spelling|stage|date|time|note|order|greeting|ask|version|record|results?|list|answer|"
             r"research|numbers)")
LEAD_IN = r"^(?:please |ok |okay |now |actually |also |and |oh |then |can you |could you )*"
WORK_REFERENCE = rx(  # edits and follow-ups aimed at the work in progress
    rf"\b(?:in|into|to|from|for|on|of)\s+(?:it|there|the {WORK_NOUN})\b|{LEAD_IN}(?:use|put|make|change|cut|trim|"
    rf"drop|remove|swap|replace|keep|add|move|shorten|lengthen|tighten|tweak|rephrase|reword|read|redo|fix|soften|"
    rf"punch up)\s+(?:in\s+)?(?:it|that|this|her|him|them|his|their|the {WORK_NOUN})\b|{LEAD_IN}(?:say|mention|"
    rf"include|call (?:him|her|them)|end with|open with|start with)\b"
    r"|\b(?:for|on|behind|about)\s+(?:that|this|those|these)\s*[?.!]*$"  # "any sources for that?": the result
    r"|^(?:and |or |but )?(?:what|how) about\b|^(?:and|or) (?:for|in|with|the|only|just|if)\b|^(?:only|just|same|"
    r"instead)\b|\binstead\b|\b(?:of|from|among) (?:those|these|them)\b|\b(?:that|this) one\b|\bthe same\b")
REFERS = rx(r"\b(?:it|this|that|these|those|they|them|he|she|him|her|his|their|the script|the draft|the video|"
             r"the customer|(?:which|the|those|these) ones|the (?:first|second|third|last|other|top) one|"
             # "does the city need one for gutters?": a place and a thing already named in the thread
             r"(?:need|needs|needed|require|requires|get|pull|have|has) one|the (?:city|county|state|town))\b")
COMPANY_KNOWLEDGE = rx(
    r"\b(?:we|our|us|warrant\w*|financ\w*|loan|apr|plans?|prices?|pricing|cost|charge|per square|package|essential|"
    r"preferred|signature|metal|siding|vinyl|fiber cement|windows?|gutters?|guards?|solar|battery|deposit|discount|"
    r"polic\w*|process|stage|mean|required|fields?|lead sources?|primer|script|objection|handle|respond|inspection|"
    r"claim|insurance|deductible|office|hours|branch|minimum|transfer|permit|hoa|series|same[- ]as[- ]cash|"
    r"fixed \d+|solar \d+|promo\w*|referral|commission|discounts?|credit score|valid|expir\w*|techniques?|framework|"
    rf"{TECHNIQUE})\b")


TOPIC_CHANGE = rx(  # the user says the subject is changing: what follows is not about the work in progress
    r"^(?:(?:ok|okay|so|also|oh|and|hey)[\s,]+)*(?:(?:totally |completely )?(?:different|unrelated|separate|random|"
    r"new) (?:question|q|topic)|(?:totally |completely |kinda )?unrelated(?: but| question)?|switching gears|"
    r"chang(?:e|ing) (?:of )?(?:the )?subject|on another note)\b[\s,:.!-]*")
ACK = rx(  # a leading acknowledgement ("thx, that's great. ...", "nvm, ...") that carries no request of its own
    r"^(?:(?:that's|that is|this is|it's|looks|sounds|seems) (?:great|perfect|good|awesome|fine|helpful|super helpful|"
    r"nice|better|right)|love it|makes sense|interesting|hmm+|got it|nvm|never ?mind|ok|okay|cool|thanks|thx|ty|"
    r"great|perfect|awesome|nice)(?: thanks| thank you)?$")
LEAD_IN_ASIDE = rx(r"^(?:btw|by the way|oh and|quick question|real quick)\b[\s,:.!-]*")  # stripped, not a change
FIRST_CLAUSE = re.compile(r"^(.+?)[,.!?;:\u2014-]+\s+(\S.*)$")
PRONOUN_SUBJECT = rx(r"^(?:and |oh |also |but |so )?(?:she|he|they|it|her|his|their|its|she's|he's|they're|it's|"
                      r"shes|hes|theyre)\b")
DIRECTIVE = rx(r"^(?:can|could|would|will) you (?!tell|explain|remind|let me know)")  # an instruction, not a question
DETAIL_STATEMENT = rx(  # "address is ...", "the zip is 75078": a field value supplied for the work
    r"^(?:(?:and|oh|also|so|ok|okay|actually|wait|no)[\s,]+)*(?:(?:the|her|his|their|my|new|correct|right)\s+)*"
    r"(?:address|street|zip(?: code)?|city|state|phone(?: number)?|number|cell|mobile|email|e-mail|name|last name|"
    r"first name|spelling|unit|apt|apartment|lead source|source|best time(?: to call)?|(?:lost )?reason|"
    r"claim(?: number)?|insurance(?: company| carrier)?|hoa|trade|amount|deposit)(?:\s+(?:is|was|should be|=)|\s*:)")
CLARIFY = rx(  # "I mean the Whitman job, ...": an answer to the agent's question, not a new request
    r"^(?:(?:no|nope|sorry|oh|yeah|well|ok|okay)[\s,]+)*(?:i mean|i meant|meant|i'm talking about|i was talking about|"
    r"talking about|it's about|this is about)\b")
TIME_EXPR = rx(r"\b(?:this|that|next|last) (?:week|weekend|month|year|quarter|morning|afternoon|evening|season|"
                r"spring|summer|fall|winter)\b|\bthese days\b")


def _core(t: str) -> tuple[str, bool]:
    """The message without leading acknowledgements and topic-change markers, and whether the subject changed."""
    switched = False
    for _ in range(4):
        if (mt := TOPIC_CHANGE.match(t)) and mt.end() < len(t):
            t, switched = t[mt.end():], True
        elif (mt := LEAD_IN_ASIDE.match(t)) and mt.end() < len(t):
            t = t[mt.end():]
        elif (mt := FIRST_CLAUSE.match(t)) and (ACK.match(mt.group(1)) or SMALL_TALK.match(mt.group(1))):
            t = mt.group(2)
        else:
            break
    return t, switched


def _in_workflow(m: _Msg, active: str) -> Route:
    t, switched = _core(m.text)
    m = _Msg(t, m.names)
    label = _specialist(m)
    if (not label and m.names and QUESTION.search(t) and not REFERS.search(TIME_EXPR.sub(" ", t))
            and _about_named_customer(m) and not _triage(m)):
        label = "crm"  # "what's the Heller job at now?": step 4 sends any question about a named customer to crm
    supplied_details = ((_contact(t) or DETAIL_STATEMENT.match(t)) and not CREATE.search(t)
                        and not re.search(r"\b(?:met|knocked|home show)\b", t))
    # "add a note that she wants a callback" is about the customer in the work, not a new CRM request
    about_work_customer = label == "crm" and REFERS.search(t) and not _entity(m)
    # "she found us through google": a detail about the person in the work, not a request
    statement = (PRONOUN_SUBJECT.match(t) or CLARIFY.match(t)) and not QUESTION.search(t) and not VERB_START.match(t)
    explicit_new = switched or (label == "new_clients" and CREATE.search(t))  # "new lead: ..." is never a detail
    if label and label != active and (explicit_new or not (WORK_REFERENCE.search(t) or supplied_details
                                                           or about_work_customer or statement)):
        return Route("agents", label, f"step1: new {label} request")
    question = QUESTION.search(re.sub(r"^(?:also|ok|okay|so|hey|oh|btw|quick question|real quick)\b[,\s]*", "", t))
    knowledge = switched or COMPANY_KNOWLEDGE.search(t) or _generic_question(m)  # "when should a job go to Lost?"
    if not label and question and not DIRECTIVE.match(t) and knowledge:
        if not REFERS.search(TIME_EXPR.sub(" ", t)) and not WORK_REFERENCE.search(t) and not _triage(m):
            return Route("direct", None, "step1: self-contained knowledge question")
    return Route("agents", active, "step1: stays with the workflow")


# --- step 3: two requests for different specialists ---------------------------------------------------------
SPLIT = rx(r"[?!;]+\s+|\.\s+|\s*\n+\s*|\s+[+/]\s+|\s+[-\u2013\u2014]+\s+|,?\s+(?:and|&)\s+(?:also\s+|then\s+)?|"
           r",?\s+(?:also|plus|then)\s+|,\s+(?=(?:can|could|"
            r"what|how|which)\b)")
DEPENDENT = rx(  # the second part uses what the first finds: one request
    r"\b(?:based on (?:that|it|this|those|them|the results)|(?:from|out of|off) (?:that|it|this|those|them|these)"
    r"[\s?!.]*$|using (?:that|those|it|them|the results)|use (?:it|"
    r"that|those|them|these)|put (?:it|that|them|those) in|include (?:it|that|them|those)|(?:that|"
    r"which) (?:handles|covers|addresses|answers) (?:them|those|it)|with (?:that|those) (?:info|numbers|details|"
    r"results)|(?:for|to|on|about|in) (?:those|these) \w+)\b")
WRITES = rx(r"\b(?:move|mark|add|log|update|change|schedule|book|reschedule|cancel|reopen|assign|create|enter|put)\b")


def _two_requests(m: _Msg) -> str | None:
    requests: list[tuple[str, str]] = []
    for i, part in enumerate(p.strip() for p in SPLIT.split(m.text) if p and p.strip()):
        if i and not VERB_START.match(part):
            continue  # continues the previous clause ("..., wants gutters"), not a new request
        if label := _specialist(_Msg(part, m.names)):
            requests.append((label, part))
    if len({label for label, _ in requests}) < 2:
        return None
    (_, first), (last_label, last) = requests[0], requests[-1]
    if len(requests) == 2 and DEPENDENT.search(last) and not WRITES.search(first):
        return last_label  # the first part only feeds the second
    return "triage"


# --- step 4 -------------------------------------------------------------------------------------------------
RULES = (("new_clients", _new_clients), ("scripting", _scripting), ("crm", _crm), ("analysis", _analysis),
         ("web_search", _web), ("knowledge", _knowledge))


@lru_cache(maxsize=512)  # step 3 classifies a one-clause message, then step 4 asks again
def _specialist(m: _Msg) -> str | None:
    """The first of step 4's rules 1–6 that matches, or None."""
    return next((name for name, matches in RULES if matches(m)), None)


def _about_named_customer(m: _Msg) -> bool:
    t = m.text
    return (_entity(m) and not ADVICE.search(t) and not STAGE_MEANING.search(t) and not _writing_help(t)
            and not _passed_on_policy_question(m) and not _policy_question_beside_name(m))


MAX_CHARS = 4000  # the opening decides the route; bounds the cost of pathological input


def route(text: str, active_workflow: str | None = None) -> Route:
    """Pick the flow and, for the agents flow, the specialist for one message (docs/ROUTING_GUIDE.md)."""
    text = plain((text or "")[:MAX_CHARS])
    t = clean(text)
    if not re.search(r"\w", t):
        return Route("direct", None, "empty")
    m = _Msg(t, name_candidates(text) | _leading_name(text, t))
    if active_workflow in AGENTS:
        return _in_workflow(m, active_workflow)
    if SMALL_TALK.search(t):
        return Route("direct", None, SMALL_TALK_REASON)
    if agent := _two_requests(m):
        return Route("agents", agent, "step3: two requests" if agent == "triage" else "step3: dependent second part")
    if agent := _specialist(m):
        return Route("agents", agent, f"step4: {agent}")
    if _triage(m):
        if _fragment(m) and (FIELD.search(t) or RECORD_CHECK.search(t)):  # "Nguyen status?", "Kim -> Lost"
            return Route("agents", "crm", "step4: crm, record fragment")
        return Route("agents", "triage", "step4: triage")
    if _about_named_customer(m):
        if QUESTION.search(t):  # any other question about a named customer or address
            return Route("agents", "crm", "step4: crm, question about a named customer")
        if IMPERATIVE.match(t) and not _writing_help(t):  # "call the Jennings back"
            return Route("agents", "triage", "step4: triage, unclear action on a customer")
    return Route("direct", None, "step4: direct")
