"""Step 1 of the routing guide: a workflow in progress. A message stays with it — answers, field values, edits,
follow-ups about the result — unless it is a new request for another specialist or a self-contained question about
how we work. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.analysis import TECHNIQUE
from hard_e.agents.routing.asks import QUESTION, VERB_START, generic_question
from hard_e.agents.routing.crm import about_named_customer
from hard_e.agents.routing.names import Msg, contact, entity
from hard_e.agents.routing.new_clients import CREATE
from hard_e.agents.routing.routes import Route
from hard_e.agents.routing.rules import specialist
from hard_e.agents.routing.small_talk import SMALL_TALK
from hard_e.agents.routing.triage import triage
from hard_e.agents.routing.vocabulary import rx

WORK_NOUN = (
    r"(?:script|draft|video|primer|voicemail|opener|opening|intro|close|closing|ending|line|lines|tone|"
    r"wording|part|paragraph|section|middle|beginning|end|first|last|second|name|number|email|phone|"
    r"address|spelling|stage|date|time|note|order|greeting|ask|version|record|results?|list|answer|"
    r"research|numbers)"
)
LEAD_IN = r"^(?:please |ok |okay |now |actually |also |and |oh |then |can you |could you )*"
WORK_REFERENCE = rx(  # edits and follow-ups aimed at the work in progress
    rf"\b(?:in|into|to|from|for|on|of)\s+(?:it|there|the {WORK_NOUN})\b|{LEAD_IN}(?:use|put|make|change|cut|trim|"
    rf"drop|remove|swap|replace|keep|add|move|shorten|lengthen|tighten|tweak|rephrase|reword|read|redo|fix|soften|"
    rf"punch up|address|aim|gear|tailor|target|personali[sz]e|customi[sz]e|sign|date|title)\s+(?:in\s+)?(?:it|that|"
    rf"this|her|him|them|his|their|the {WORK_NOUN})\b|{LEAD_IN}(?:say|mention|"
    rf"include|call (?:him|her|them)|end with|open with|start with)\b"
    r"|\b(?:for|on|behind|about)\s+(?:that|this|those|these)\s*[?.!]*$"  # "any sources for that?": the result
    r"|^(?:and |or |but )?(?:what|how) about\b|^(?:and|or) (?:for|in|with|the|only|just|if)\b|^(?:only|just|same|"
    r"instead)\b|\binstead\b|\b(?:of|from|among) (?:those|these|them)\b|\b(?:that|this) one\b|\bthe same\b"
)
REFERS = rx(
    r"\b(?:it|this|that|these|those|they|them|he|she|him|her|his|their|the script|the draft|the video|"
    r"the customer|(?:which|the|those|these) ones|the (?:first|second|third|last|other|top) one|"
    # "does the city need one for gutters?": a place and a thing already named in the thread
    r"(?:need|needs|needed|require|requires|get|pull|have|has) one|the (?:city|county|state|town))\b"
)
COMPANY_KNOWLEDGE = rx(
    r"\b(?:we|our|us|warrant\w*|financ\w*|loan|apr|plans?|prices?|pricing|cost|charge|per square|package|essential|"
    r"preferred|signature|metal|siding|vinyl|fiber cement|windows?|gutters?|guards?|solar|battery|deposit|discount|"
    r"polic\w*|process|stage|mean|required|fields?|lead sources?|primer|script|objection|handle|respond|inspection|"
    r"claim|insurance|deductible|office|hours|branch|minimum|transfer|permit|hoa|series|same[- ]as[- ]cash|"
    r"fixed \d+|solar \d+|promo\w*|referral|commission|discounts?|credit score|valid|expir\w*|techniques?|framework|"
    rf"{TECHNIQUE})\b"
)


TOPIC_CHANGE = rx(  # the user says the subject is changing: what follows is not about the work in progress
    r"^(?:(?:ok|okay|so|also|oh|and|hey)[\s,]+)*(?:(?:totally |completely )?(?:different|unrelated|separate|random|"
    r"new) (?:question|q|topic)|(?:totally |completely |kinda )?unrelated(?: but| question)?|switching gears|"
    r"chang(?:e|ing) (?:of )?(?:the )?subject|on another note)\b[\s,:.!-]*"
)
ACK = rx(  # a leading acknowledgement ("thx, that's great. ...", "nvm, ...") that carries no request of its own
    r"^(?:(?:that's|that is|this is|it's|looks|sounds|seems) (?:great|perfect|good|awesome|fine|helpful|super helpful|"
    r"nice|better|right)|love it|makes sense|interesting|hmm+|got it|nvm|never ?mind|ok|okay|cool|thanks|thx|ty|"
    r"great|perfect|awesome|nice)(?: thanks| thank you)?$"
)
LEAD_IN_ASIDE = rx(r"^(?:btw|by the way|oh and|quick question|real quick)\b[\s,:.!-]*")  # stripped, not a change
FIRST_CLAUSE = re.compile(r"^(.+?)[,.!?;:\u2014-]+\s+(\S.*)$")
PRONOUN_SUBJECT = rx(
    r"^(?:and |oh |also |but |so )?(?:she|he|they|it|her|his|their|its|she's|he's|they're|it's|"
    r"shes|hes|theyre)\b"
)
DIRECTIVE = rx(r"^(?:can|could|would|will) you (?!tell|explain|remind|let me know)")  # an instruction, not a question
DETAIL_STATEMENT = rx(  # "address is ...", "the zip is 75078": a field value supplied for the work
    r"^(?:(?:and|oh|also|so|ok|okay|actually|wait|no)[\s,]+)*(?:(?:the|her|his|their|my|new|correct|right)\s+)*"
    r"(?:address|street|zip(?: code)?|city|state|phone(?: number)?|number|cell|mobile|email|e-mail|name|last name|"
    r"first name|spelling|unit|apt|apartment|lead source|source|best time(?: to call)?|(?:lost )?reason|"
    r"claim(?: number)?|insurance(?: company| carrier)?|hoa|trade|amount|deposit)(?:\s+(?:is|was|should be|=)|\s*:)"
)
CLARIFY = rx(  # "I mean the Whitman job, ...": an answer to the agent's question, not a new request
    r"^(?:(?:no|nope|sorry|oh|yeah|well|ok|okay)[\s,]+)*(?:i mean|i meant|meant|i'm talking about|i was talking about|"
    r"talking about|it's about|this is about)\b"
)
TIME_EXPR = rx(  # times, not things in the work: "this week", "who owns the job at that point?"
    r"\b(?:this|that|next|last) (?:week|weekend|month|year|quarter|morning|afternoon|evening|season|"
    r"spring|summer|fall|winter)\b|\bthese days\b|\b(?:at|by|from|after|before|until|till) (?:that|this) (?:point|"
    r"time|stage|moment)\b"
)


def _core(t: str) -> tuple[str, bool]:
    """The message without leading acknowledgements and topic-change markers, and whether the subject changed."""
    switched = False
    for _ in range(4):
        if (mt := TOPIC_CHANGE.match(t)) and mt.end() < len(t):
            t, switched = t[mt.end() :], True
        elif (mt := LEAD_IN_ASIDE.match(t)) and mt.end() < len(t):
            t = t[mt.end() :]
        elif (mt := FIRST_CLAUSE.match(t)) and (ACK.match(mt.group(1)) or SMALL_TALK.match(mt.group(1))):
            t = mt.group(2)
        else:
            break
    return t, switched


def in_workflow(m: Msg, active: str) -> Route:
    """Where a message sent while `active`'s workflow is in progress goes: it stays, or leaves for a new request or a
    self-contained knowledge question. Staying is the guide's default, so a stay with nothing pointing at the work is
    marked unsure ("workflow.stay"); the agent can still hand over to triage."""
    t, switched = _core(m.text)
    m = Msg(t, m.names)
    label = specialist(m)
    if (
        not label
        and m.names
        and QUESTION.search(t)
        and not REFERS.search(TIME_EXPR.sub(" ", t))
        and about_named_customer(m)
        and not triage(m)
    ):
        label = "crm"  # "what's the Heller job at now?": step 4 sends any question about a named customer to crm
    supplied_details = (
        (contact(t) or DETAIL_STATEMENT.match(t)) and not CREATE.search(t) and not re.search(r"\b(?:met|knocked|home show)\b", t)
    )
    # "add a note that she wants a callback" is about the customer in the work, not a new CRM request
    about_work_customer = label == "crm" and REFERS.search(t) and not entity(m)
    # "she found us through google": a detail about the person in the work, not a request
    statement = (PRONOUN_SUBJECT.match(t) or CLARIFY.match(t)) and not QUESTION.search(t) and not VERB_START.match(t)
    explicit_new = switched or (label == "new_clients" and CREATE.search(t))  # "new lead: ..." is never a detail
    if (
        label
        and label != active
        and (explicit_new or not (WORK_REFERENCE.search(t) or supplied_details or about_work_customer or statement))
    ):
        return Route("agents", label, f"step1: new {label} request", "workflow.new_request")
    question = QUESTION.search(re.sub(r"^(?:also|ok|okay|so|hey|oh|btw|quick question|real quick)\b[,\s]*", "", t))
    knowledge = switched or COMPANY_KNOWLEDGE.search(t) or generic_question(m)  # "when should a job go to Lost?"
    if not label and question and not DIRECTIVE.match(t) and knowledge:
        if not REFERS.search(TIME_EXPR.sub(" ", t)) and not WORK_REFERENCE.search(t) and not triage(m):
            return Route("direct", None, "step1: self-contained knowledge question", "workflow.knowledge_question")
    answer = (
        label == active
        or WORK_REFERENCE.search(t)
        or supplied_details
        or about_work_customer
        or statement
        or REFERS.search(t)
        or SMALL_TALK.search(t)
        or triage(m)  # a confirmation, a pronoun, a fragment: continues the work
    )
    if answer:
        return Route("agents", active, "step1: stays with the workflow", "workflow.answer")
    return Route("agents", active, "step1: stays with the workflow", "workflow.stay", confident=False)
