"""Where one message goes: the direct flow or a specialist agent. Keyword rules, no LLM, no I/O.

route() follows docs/ROUTING_GUIDE.md in order: a workflow in progress (step 1, workflow.py), small talk (step 2,
small_talk.py), two requests in one message (step 3, two_requests.py), then the first matching rule of step 4
(rules.py for rules 1–6, triage.py for rule 7) and step 4's fallbacks, which are here. When no rule matches, the
fail-safe (fail_safe.py) sends a message about records, people, dates, counts, calls or outside facts to triage, and
only the rest takes the direct flow on a guess. Messages may be typed in a hurry, dictated or pasted from Slack, so
matching works on the normalised (hard_e/agents/slack_text.py) and cleaned (cleaning.py) form of the text.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.asks import QUESTION, writing_help
from hard_e.agents.routing.cleaning import clean, plain
from hard_e.agents.routing.crm import CRM_ACTION, FIELD, WEAK_LOOKUP, about_named_customer
from hard_e.agents.routing.fail_safe import needs_an_agent
from hard_e.agents.routing.general import ask_above_paste, clearly_general
from hard_e.agents.routing.names import MEASURE, Msg, name_candidates
from hard_e.agents.routing.routes import SMALL_TALK_REASON, Route
from hard_e.agents.routing.rules import specialist_rule
from hard_e.agents.routing.small_talk import SMALL_TALK
from hard_e.agents.routing.triage import IMPERATIVE, fragment, triage
from hard_e.agents.routing.two_requests import two_requests
from hard_e.agents.routing.vocabulary import COMMON, NOT_A_LEADING_NAME, REPS, STAGE, rx
from hard_e.agents.routing.workflow import in_workflow
from hard_e.agents.slack_text import normalize_slack

AGENTS = ("triage", "crm", "knowledge", "analysis", "web_search", "scripting", "new_clients")


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
    """Pick the flow and, for the agents flow, the specialist for one message (docs/ROUTING_GUIDE.md), with the rule
    that decided. Text that came through a Turn is already normalised; normalising again is cheap and changes nothing,
    and evaluations may pass Slack's raw text."""
    text = plain(normalize_slack((text or "")[:MAX_CHARS]))
    t = clean(text)
    if not re.search(r"\w", t):
        return Route("direct", None, "empty", "empty")
    m = Msg(t, name_candidates(text) | _leading_name(text, t))
    if active_workflow in AGENTS:
        return in_workflow(m, active_workflow)
    if SMALL_TALK.search(t):
        return Route("direct", None, SMALL_TALK_REASON, "small_talk")
    if (ask := ask_above_paste(text)) is not None:  # an email or a text pasted under the question
        asked = Msg(clean(ask), name_candidates(ask))
        if clearly_general(asked) and not specialist_rule(asked):  # "customer sent this, what do I tell her?"
            return Route("direct", None, "step4: general question about pasted text", "pasted.general_ask")
    if agent := two_requests(m):
        if agent == "triage":
            return Route("agents", "triage", "step3: two requests", "two_requests")
        return Route("agents", agent, "step3: dependent second part", "two_requests.dependent")
    if found := specialist_rule(m):
        agent, rule = found
        return Route("agents", agent, f"step4: {agent}", rule, confident=rule != WEAK_LOOKUP)
    if triage(m):
        if fragment(m) and (FIELD.search(t) or RECORD_CHECK.search(t)):  # "Nguyen status?", "Kim -> Lost"
            return Route("agents", "crm", "step4: crm, record fragment", "rule3.crm.record_fragment")
        return Route("agents", "triage", "step4: triage", "rule7.triage")
    if about_named_customer(m):
        if QUESTION.search(t):  # any other question about a named customer or address
            return Route("agents", "crm", "step4: crm, question about a named customer", "rule3.crm.named_customer")
        if IMPERATIVE.match(t) and not writing_help(t):  # "call the Jennings back"
            return Route("agents", "triage", "step4: triage, unclear action on a customer", "rule7.triage.unclear_action")
    # Step 4's "otherwise": no rule matched. The direct flow has no tools, so it only gets what is clearly general.
    if kind := needs_an_agent(m):
        return Route("agents", "triage", f"step4: fail-safe, {kind}", "failsafe.triage", confident=False)
    return Route("direct", None, "step4: direct", "default.direct", confident=False)
