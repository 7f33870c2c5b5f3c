"""Step 4, rule 1 of the routing guide: new_clients — create a customer, or a person introduced with contact
details. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.asks import ADVICE, writing_help
from hard_e.agents.routing.names import Msg, contact
from hard_e.agents.routing.scripting import SCRIPT_ASK
from hard_e.agents.routing.vocabulary import rx

PERSON = r"(?:customer|lead|client|contact|homeowner|prospect)"
# someone added alongside a customer: "add walt's wife linda as a contact"
RELATIVE = (
    r"(?:(?:the |his |her |their )?[a-z]+'s|his|her|their|the) (?:wife|husband|spouse|son|daughter|mom|dad|"
    r"mother|father|brother|sister|neighbou?r|partner|tenant|friend|landlord|property manager)(?: [a-z]+){0,2}"
)
# what gets added to an existing record: "add a note to the new lead", "put photos in the customer file"
RECORD_ITEM = (
    r"(?:(?:a|an|the|this|that|my|another|some|these|those)\s+)?(?:notes?|comments?|calls?|tags?|tasks?|"
    r"reminders?|photos?|pictures?|pics|attachments?|voicemails?|appointments?|follow-?ups?|files?)"
)
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
    r"(?!s|\s+(?:who|that|with|problem|issue|question|complaint|situation|asking|calling|wanting|thing|mess))"
)
PROCESS_QUESTION = rx(  # "what do I need to add a customer?", "how fast should I call a new lead?" are direct
    r"^how (?:do|can|should|would|to)\b|^how (?:fast|soon|quickly|often|early|late|many times)\b.*\b(?:should|"
    r"supposed|have to|must|do|does)\b|^when (?:should|do|must|can) (?:i|we|reps?|consultants?)\b|"
    r"^(?:what|which|how|do|does|is|are|should|when|why|where)\b.*\b(?:need|"
    r"needed|required|require|fields?|info|information|format|process|steps|rules|policy|lead sources?|supposed)\b"
)
RECORD_CONTEXT = rx(  # contact details used to find or update someone already in the CRM
    r"\b(?:find|look up|lookup|pull up|search|who is|who's|whose|who lives|who owns|which customer|do we have|"
    r"is there|update|change|correct|fix|replace|swap|new (?:number|phone|cell|email|address)|on file|notes?|log|"
    r"the \w+ (?:job|account|deal|roof))\b"
)
MET_SOMEONE = rx(  # a voice memo about someone new, details maybe still to come
    r"\b(?:just met|met (?:a|an|this|some)|knocked on|door ?knock|home show|parade of homes|talked to (?:a|an|"
    r"this)|spoke (?:to|with) (?:a|an|this))\b.*\b(?:wants?|interested|looking (?:for|at|to)|needs?|asked (?:for|"
    r"about))\b|\bdetails (?:to follow|later|in a (?:sec|second|minute|bit))\b|\bsend (?:you )?(?:the |her |his |"
    r"their )?(?:details|info)\b"
    # "I've got a new one for you, gimme a min to find the card": someone new, their details (a business card) to come
    r"|\b(?:got|have|here's)\s+(?:a|another|one more)\s+new one\b.*\b(?:card|details|info|number|gimme a|give me a|"
    r"hang on|one sec|in a (?:sec|second|minute|bit))\b"
)
INTRO = rx(
    r"\b(?:met|knocked|door ?knock|talked|spoke|chatted|home show|name is|name's|names|named|guy|gal|lady|"
    r"woman|man|couple|homeowner|wants|interested|looking for|needs|asked|referral|referred|number is|"
    r"cell is|phone is|email is|lives|new|add|enter|save)\b"
)


def new_clients(m: Msg) -> bool:
    t = m.text
    if (PROCESS_QUESTION.search(t) or ADVICE.search(t)) and not contact(t):
        return False  # "what should I say on the first call with a new lead?" asks for advice
    if CREATE.search(t):
        return True
    if SCRIPT_ASK.search(t) or writing_help(t) or ADVICE.search(t):
        return False  # details given for a script or a text, not to record someone
    asks = re.match(r"(?:what|which|who|whose|where|when|is|are|do|does|did)\b", t)
    if MET_SOMEONE.search(t) and not asks:
        return True
    if not contact(t) or RECORD_CONTEXT.search(t) or asks:
        return False  # a question about contact details is a lookup
    return bool(INTRO.search(t) or m.names or len(t.split()) <= 12)
