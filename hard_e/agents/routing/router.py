"""Where one message goes: the direct flow or a specialist agent. Keyword rules, no LLM, no I/O.

route() follows docs/ROUTING_GUIDE.md in order: a workflow in progress (step 1, workflow.py), small talk (step 2,
small_talk.py), two requests in one message (step 3, two_requests.py), then the first matching rule of step 4
(rules.py for rules 1–6, triage.py for rule 7) and step 4's fallbacks, which are here. Messages may be typed in a
hurry, dictated or pasted from Slack, so matching works on the cleaned form of the text (cleaning.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hard_e.agents.routing.asks import QUESTION, writing_help
from hard_e.agents.routing.cleaning import clean, plain
from hard_e.agents.routing.crm import CRM_ACTION, FIELD, about_named_customer
from hard_e.agents.routing.names import MEASURE, Msg, name_candidates
from hard_e.agents.routing.rules import specialist
from hard_e.agents.routing.small_talk import SMALL_TALK
from hard_e.agents.routing.triage import IMPERATIVE, fragment, triage
from hard_e.agents.routing.two_requests import two_requests
from hard_e.agents.routing.vocabulary import COMMON, NOT_A_LEADING_NAME, REPS, STAGE, rx
from hard_e.agents.routing.workflow import in_workflow

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
    r"approved|agreed|decided|replied|responded|is|was|has|hasn't|isn't)\b.*)$"
)
RECORD_CHECK = rx(
    rf"\b{STAGE}\b|\bwhere (?:are we|is it|do we stand|'s it)\b|\bany (?:update|news|word)\b|"
    r"\blatest\b|\bwhat(?:'s| is) (?:up|going on|happening)\b|\b(?:did|has|have|is|was) (?:we|they|he|"
    r"she|it)\b|\bstill\b"
)


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
    if agent := two_requests(m):
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
