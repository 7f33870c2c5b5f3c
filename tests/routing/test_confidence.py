"""route() says which rule decided and whether it is sure, and fails safe: with no rule, a message about records,
people, dates, counts, calls or outside facts goes to triage (one cheap hop), not to the direct flow, which has no tools.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from hard_e.agents.router import Route, route
from tests.routing.test_router import CASE_SETS, load, load_unseen

RULE_ID = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")


@cache
def routed() -> list[tuple[dict, Route]]:
    """Every labelled row with its route, computed once for the tests below."""
    rows = [row for name in CASE_SETS for row in load(name)] + load_unseen()
    return [(row, route(row["text"], row["active_workflow"])) for row in rows]


def test_every_route_names_the_rule_that_decided():
    for row, r in routed():
        assert RULE_ID.fullmatch(r.rule), f"{row['id']}: {r.rule!r}"


def test_the_rule_never_echoes_the_message():
    r = route("the Quartermaines are lovely people")
    assert r.rule == "failsafe.triage" and "quartermaine" not in (r.rule + r.reason).lower()


@pytest.mark.parametrize(
    ("text", "active", "rule"),
    [
        ("", None, "empty"),
        ("thanks, that helps", None, "small_talk"),
        ("log a call on the Rivera job and find out what permits cost in Aurora", None, "two_requests"),
        ("new lead Colin Shaw 555-404-1212", None, "rule1.new_clients"),
        ("write a primer video script for the Ostrowski appointment", None, "rule2.scripting"),
        ("move the Kowalski job to Production", None, "rule3.crm.action"),
        ("which of my jobs are in Inspection?", None, "rule3.crm.list_count"),
        ("where are we with okonkwo", None, "rule3.crm.lookup_phrase"),
        ("what price objections come up on our calls?", None, "rule4.analysis"),
        ("what are other roofers in Fort Worth charging per square these days?", None, "rule5.web_search"),
        ("which doc covers warranty transfers? quote it", None, "rule6.knowledge"),
        ("sort out the Whitman mess for me", None, "rule7.triage"),
        ("what is our warranty on a full tear-off?", None, "default.direct"),
        ("make the opening shorter", "scripting", "workflow.answer"),
        ("what stage is the Brandt job in?", "scripting", "workflow.new_request"),
        ("do we offer a warranty on gutter guards?", "new_clients", "workflow.knowledge_question"),
        ("how did we do in Q3 compared to Q2?", None, "failsafe.triage"),
    ],
)
def test_rule_identifiers_are_stable(text, active, rule):
    assert route(text, active).rule == rule


@pytest.mark.parametrize(
    "text",
    ["what is our warranty on a full tear-off?", "how did we do in Q3 compared to Q2?", "where are we with okonkwo"],
)
def test_fall_through_and_weak_routes_are_not_confident(text):
    assert not route(text).confident


def test_a_workflow_stay_with_nothing_pointing_at_the_work_is_not_confident():
    assert route("make the opening shorter", "scripting").confident
    unsure = route("wants gutters and maybe the micro mesh guards", "new_clients")  # likely an answer, but says nothing
    assert (unsure.flow, unsure.agent, unsure.rule, unsure.confident) == ("agents", "new_clients", "workflow.stay", False)


@pytest.mark.parametrize(
    "text",
    ["good morning", "move the Kowalski job to Production", "new lead Colin Shaw 555-404-1212", "sure, do that"],
)
def test_rules_that_match_are_confident(text):
    assert route(text).confident


def test_route_keeps_the_contract_fields():
    r = route("pull up the Hendersons in Leap")
    assert (r.flow, r.agent) == ("agents", "crm") and r.reason
    assert Route("direct", None, "step2: small talk").small_talk  # built by hand, as before
    assert route("good morning").small_talk and not route("what is our warranty?").small_talk


# --- the fail-safe: fresh phrasings that no rule matches ---------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("the Quartermaines are lovely people", "record"),  # a named customer, no ask
        ("Jimenez roof [CRM job 4733, customer 1028] fyi she's lovely", "record"),
        ("what were the numbers for Plano in August", "time window"),
        ("anything big close this quarter?", "time window"),
        ("who's been slacking on follow-ups?", "person"),
        ("did Marcus hit his number in September?", "person"),
        ("can you run that again for Frisco", "lookup"),
        ("what was the best thing on the first call of the day", "calls"),
        ("saw a blog post about synthetic underlayment, worth a read?", "outside facts"),
    ],
)
def test_an_unsure_message_about_specifics_goes_to_triage(text, kind):
    r = route(text)
    assert (r.flow, r.agent, r.rule, r.confident) == ("agents", "triage", "failsafe.triage", False)
    assert r.reason == f"step4: fail-safe, {kind}"


@pytest.mark.parametrize(
    "text",
    [
        "how should I follow up after an inspection?",
        "can I offer a discount if they sign the same day?",
        "if a customer signs on Nov 10 and we finish on Dec 2, when does the 15 yr warranty start?",
        "we signed a lot of metal this year, should we push it harder?",
        "what's the difference between Lost and Cancelled?",
        "which leads are considered hot?",
        "is Preferred the same as last year?",
        "tell me about ice dams",
    ],
)
def test_an_unsure_general_question_stays_direct(text):
    r = route(text)
    assert (r.flow, r.agent, r.rule, r.confident) == ("direct", None, "default.direct", False)


def test_the_fail_safe_takes_no_direct_labelled_message_and_is_not_the_default():
    pairs = [(row, r) for row, r in routed() if row["active_workflow"] is None]
    assert not [row["id"] for row, r in pairs if r.rule == "failsafe.triage" and row["expected_flow"] == "direct"]
    routes = [r for _, r in pairs]
    direct_guesses = sum(r.rule == "default.direct" for r in routes)
    triage_guesses = sum(r.rule == "failsafe.triage" for r in routes)
    assert triage_guesses < direct_guesses / 10  # a safety net under the rules, not where unsure messages usually go


def test_a_general_question_above_pasted_text_is_answered_directly():
    pasted = "customer sent this, what do I tell her?\n\n> Hi Luis, another roofer said he'd go over the old shingles.\n> Nadia"
    r = route(pasted)
    assert (r.flow, r.rule, r.confident) == ("direct", "pasted.general_ask", True)
    logged = route("can you log this on the Hale job?\n\n> Hi Marcus, we'd like to go ahead with the Preferred roof.")
    assert (logged.agent, logged.flow) == ("crm", "agents")  # a request above the paste is routed as before
