"""What kind of ask a message is, whoever it names — rules shared by several of the guide's steps: asking for
advice, asking a question, a clause that asks for something, help writing a text or email, a question about how
things are done in general, and small talk (step 2). No I/O.
"""

from __future__ import annotations

from functools import lru_cache

from hard_e.agents.routing_names import Msg, entity
from hard_e.agents.routing_vocab import WHEN, rx


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
VERB_START = rx(  # a clause that asks for something (used for fragments and for splitting double requests)
    r"^(?:please |also |then |and |so |ok |okay |now |can you |could you |would you |will you |i need you to |"
    r"i need |i want |need |let's |go ahead and |quickly |real quick )*(?:add|create|enter|log|move|mark|put|"
    r"update|change|schedule|book|reschedule|set|write|draft|make|give|find|look|pull|check|search|show|list|tell|"
    r"send|record|voice|generate|summarize|summarise|compare|research|get|reopen|assign|cancel|note|call|text|"
    r"remind|help|figure|sort|see|what|what's|which|who|who's|whose|how|how's|when|where|why|is|are|was|were|do|"
    r"does|did|can|could|should|any|new|shorten|rewrite|quote|cite|google|close|email|handle|deal|take|use)\b")


WRITING_HELP = rx(  # a text, email, post, card or review reply is direct, even when it mentions an appointment
    r"\b(?:write|draft|word|compose|help me (?:write|word|with)|reply|clean up|polish|proofread|proof|edit|fix up|"
    r"tidy up|touch up|reword|rephrase|look over|punch up|soften)\b(?:\s+\S+){0,4}?\s+(?:texts?|sms|emails?|"
    r"e-mails?|messages?|reply|replies|post|caption|notes? to|cards?|letters?|reviews?|comments?|dms?)\b")
REPLIED = rx(r"\b(?:did|has|have|had|didn't|hasn't|haven't)\s+(?:\S+\s+){0,3}?(?:reply|replied|respond\w*|answer\w*|"
             r"read|open\w*|get|got|see|seen)\b")  # "did the Hills reply to my text?" asks about the customer


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
    r"put|enter)\b")
GENERIC_QUESTION = rx(r"^(?!(?:can|could|would|will) you\b)(?:what|which|who|how|when|why|is|are|do|does|should|can|"
                       r"could|would|if)\b|^(?!(?:can|could|would|will) you\b).*\?\s*(?:(?:thanks|thank you|thx|ty|"
                       r"cheers|please)[\s!.]*)?$")
SCHEDULE_ANCHOR = rx(rf"\b{WHEN}\b|\b(?:right now|currently|so far)\b")


def generic_question(m: Msg) -> bool:
    """A question about how things are done in general, not about specific records: the direct flow's."""
    t = m.text
    return bool(GENERIC_QUESTION.search(t) and GENERIC.search(t) and not SCHEDULE_ANCHOR.search(t)
                and not entity(m))


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
