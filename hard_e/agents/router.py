"""Where one message goes: the direct flow or a specialist agent. Keyword rules, no LLM, no I/O.

Follows docs/ROUTING_GUIDE.md in order: a workflow in progress (step 1), small talk (step 2), two requests
in one message (step 3), then the first matching rule of step 4. Messages may be typed in a hurry, dictated or
pasted from Slack, so matching works on lowercased text with Slack markup, emoji, filler words, stutters, chat
shorthand and common misspellings normalised (word lists and normalisation: routing_vocab.py).

This module holds the step order (route()), step 3 and step 4's fallbacks. The rules live beside it:
routing_workflow.py (step 1), routing_asks.py (small talk and other kinds of ask shared by several steps),
routing_specialists.py (step 4, rules 1–6 in order, one module per rule: routing_new_clients.py,
routing_scripting.py, routing_crm.py, routing_analysis.py, routing_web.py, routing_knowledge.py),
routing_triage.py (rule 7) and routing_names.py (whether a customer, job, address or contact details are named).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hard_e.agents.routing_asks import QUESTION, SMALL_TALK, VERB_START, writing_help
from hard_e.agents.routing_crm import CRM_ACTION, FIELD, about_named_customer
from hard_e.agents.routing_names import MEASURE, Msg
from hard_e.agents.routing_specialists import specialist
from hard_e.agents.routing_triage import IMPERATIVE, fragment, triage
from hard_e.agents.routing_vocab import COMMON, NOT_A_LEADING_NAME, REPS, STAGE, clean, name_candidates, plain, rx
from hard_e.agents.routing_workflow import in_workflow

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


# --- reading the message: a surname that opens it ------------------------------------------------------------
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


def _two_requests(m: Msg) -> str | None:
    requests: list[tuple[str, str]] = []
    for i, part in enumerate(p.strip() for p in SPLIT.split(m.text) if p and p.strip()):
        if i and not VERB_START.match(part):
            continue  # continues the previous clause ("..., wants gutters"), not a new request
        if label := specialist(Msg(part, m.names)):
            requests.append((label, part))
    if len({label for label, _ in requests}) < 2:
        return None
    (_, first), (last_label, last) = requests[0], requests[-1]
    if len(requests) == 2 and DEPENDENT.search(last) and not WRITES.search(first):
        return last_label  # the first part only feeds the second
    return "triage"


MAX_CHARS = 4000  # the opening decides the route; bounds the cost of pathological input


def route(text: str, active_workflow: str | None = None) -> Route:
    """Pick the flow and, for the agents flow, the specialist for one message (docs/ROUTING_GUIDE.md)."""
    text = plain((text or "")[:MAX_CHARS])
    t = clean(text)
    if not re.search(r"\w", t):
        return Route("direct", None, "empty")
    m = Msg(t, name_candidates(text) | _leading_name(text, t))
    if active_workflow in AGENTS:
        return Route(*in_workflow(m, active_workflow))
    if SMALL_TALK.search(t):
        return Route("direct", None, SMALL_TALK_REASON)
    if agent := _two_requests(m):
        return Route("agents", agent, "step3: two requests" if agent == "triage" else "step3: dependent second part")
    if agent := specialist(m):
        return Route("agents", agent, f"step4: {agent}")
    if triage(m):
        if fragment(m) and (FIELD.search(t) or RECORD_CHECK.search(t)):  # "Nguyen status?", "Kim -> Lost"
            return Route("agents", "crm", "step4: crm, record fragment")
        return Route("agents", "triage", "step4: triage")
    if about_named_customer(m):
        if QUESTION.search(t):  # any other question about a named customer or address
            return Route("agents", "crm", "step4: crm, question about a named customer")
        if IMPERATIVE.match(t) and not writing_help(t):  # "call the Jennings back"
            return Route("agents", "triage", "step4: triage, unclear action on a customer")
    return Route("direct", None, "step4: direct")
