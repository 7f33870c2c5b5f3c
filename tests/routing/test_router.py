"""route() sends each message where docs/ROUTING_GUIDE.md says it goes.

The labelled messages are rows of tests/data/routing_*.jsonl: id, text, active_workflow, expected_flow,
expected_agent, and notes that never change the label (section, batch, cause, why, note, ambiguous).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from hard_e.agents.router import AGENTS, Route, route

DATA = Path(__file__).parents[1] / "data"


def load(name: str) -> list[dict]:
    """The rows of tests/data/<name>.jsonl."""
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip()]


def label(r: Route) -> str:
    return "direct" if r.flow == "direct" else r.agent


def expected(row: dict) -> str:
    return row["expected_agent"] or "direct"


def row_id(row: dict) -> str:
    return row["id"]


def assert_routed_as_labelled(row: dict) -> None:
    got = route(row["text"], row["active_workflow"])
    assert (got.flow, got.agent) == (row["expected_flow"], row["expected_agent"]), f"{row['id']}: {got.reason}"


# The guide's public examples.
@pytest.mark.parametrize("row", load("routing_examples"), ids=row_id)
def test_public_example(row):
    assert_routed_as_labelled(row)


# The guide's contrasting pairs and its other worked examples.
@pytest.mark.parametrize("row", load("routing_guide_cases"), ids=row_id)
def test_guide_case(row):
    assert_routed_as_labelled(row)


# Our own set, written from the rules, one section per step, rule or exclusion.
@pytest.mark.parametrize("row", load("routing_own"), ids=row_id)
def test_own_case(row):
    assert_routed_as_labelled(row)


# Held-out batches: written from the rules after the first version of the router passed the set above, run once
# before any fix to measure generalization (see the report), then kept as regressions.
@pytest.mark.parametrize("row", load("routing_held_out"), ids=row_id)
def test_held_out_case(row):
    assert_routed_as_labelled(row)


# One group ("cause") per root cause found on the unseen sets below ("found_in"), with "why" it went wrong: new
# phrasings (not rows of those sets), with guards that must not move.
@pytest.mark.parametrize("row", load("routing_root_causes"), ids=row_id)
def test_root_cause(row):
    assert_routed_as_labelled(row)


CASE_SETS = ["routing_examples", "routing_guide_cases", "routing_own", "routing_held_out", "routing_root_causes"]


@pytest.mark.parametrize("name", CASE_SETS)
def test_case_set_is_well_formed(name):
    rows = load(name)
    assert rows and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["active_workflow"] in (None, *AGENTS)
        assert (r["expected_flow"], r["expected_agent"]) in (("direct", None), *(("agents", a) for a in AGENTS))


def test_empty_and_whitespace_go_direct():
    assert route("") == Route("direct", None, route("").reason, "empty")
    assert route("   \n ").flow == "direct"


def test_unknown_workflow_is_treated_as_none():
    assert label(route("hi", "billing")) == "direct"
    assert label(route("what stage is the Morales job in?", "billing")) == "crm"


def test_every_agent_route_names_a_known_agent_and_direct_has_none():
    for row in load("routing_own") + load("routing_guide_cases") + load("routing_held_out"):
        r = route(row["text"], row["active_workflow"])
        assert (r.flow == "direct" and r.agent is None) or (r.flow == "agents" and r.agent in AGENTS)


def test_reason_never_echoes_the_message():
    r = route("new lead Zebulon Quartermaine 555-404-1212")
    assert "zebulon" not in r.reason.lower() and r.reason


def test_long_dictated_input_is_routed_quickly():
    start = time.perf_counter()
    route("five oh " * 2000)
    route("so um the Hendersons want to talk about the warranty and uh " * 100)
    assert time.perf_counter() - start < 2


# --- Robustness pass --------------------------------------------------------------------------------------------
# Unseen sets: messages written from docs/ROUTING_GUIDE.md, each batch labelled before the router was run on it
# (and, from batch 4 on, before the router's code was read). Each batch was measured once, its misses were traced to
# root causes, and the rules were fixed. Rows with an "ambiguous" field are where the guide leaves room and a
# tie-break was applied.
# - routing_unseen.jsonl: 412 messages in three batches (batch 1: 262, batch 2: 94, batch 3: 56); 8 ambiguous (~2%).
# - routing_unseen_batch4.jsonl: 250 messages, 74 with a workflow in progress; 10 ambiguous (4%); 91.2% before fixes.
# - routing_unseen_batch5.jsonl: 250 messages from a wider range of writers (managers, office staff, new reps,
#   fragments, dictation, pasted emails and texts, customers' names around policy questions), 79 with a workflow in
#   progress; 12 ambiguous (5%); 90.4% before fixes.
# - routing_unseen_batch6.jsonl: 300 messages modelled on the public examples (length, tone, label mix), covering each
#   rule, exception and contrasting pair of the guide with close variants and near misses, 93 with a workflow in
#   progress; 7 ambiguous (2%); 94.7% before fixes (95.2% on the rows not marked ambiguous).
# - routing_unseen_batch7.jsonl: 300 messages on threads with a workflow in progress (182, all seven agents: answers,
#   messy details, edits, confirmations, questions about the result, both exceptions with near misses) and on how
#   customers are named without one (surnames opening a message, names that are words or places, job numbers, bare
#   addresses, "her" with no context); 14 ambiguous (5%); 90.0% before fixes (90.9% on the rows not marked
#   ambiguous; 95.6% with a workflow, 81.4% without). One ambiguous row still misses: b7-043 ("book her for an
#   inspection ..." in new_clients) was given crm, where b5-205 and b6-297 gave the same pattern new_clients.
# - routing_unseen_batch8.jsonl and routing_unseen_batch9.jsonl: 160 messages each (issue 15), in the styles of that
#   issue's hidden set — Slack markup (mentions, labelled links, links to CRM records), voice-memo transcripts, pasted
#   emails, questions about the pipeline over a time window, patterns across calls — 62 each with a workflow in progress;
#   3 and 2 ambiguous. Before fixes: batch 8 148 exact (92.5%), 0 to triage, 12 wrong place; batch 9 150 exact
#   (93.8%), 1 to triage, 9 wrong place; direct-labelled messages kept direct 72/79. With the normaliser and the fail-safe
#   alone (no rule fixed): batch 8 149 / 4 / 7, batch 9 150 / 5 / 5 — 8 of the 21 wrong-place misses became one triage
#   hop. After fixes: batch 8 159 exact (the miss is the ambiguous b8-058), batch 9 160; direct kept 79/79.
UNSEEN_SETS = {"batches1-3": "routing_unseen", "batch4": "routing_unseen_batch4", "batch5": "routing_unseen_batch5",
               "batch6": "routing_unseen_batch6", "batch7": "routing_unseen_batch7", "batch8": "routing_unseen_batch8",
               "batch9": "routing_unseen_batch9"}
# Fresh batches scored 88-95% before their fixes, so these are regression guards, not a generalization claim.


def load_unseen(name: str | None = None) -> list[dict]:
    return [row for key in ([name] if name else UNSEEN_SETS) for row in load(UNSEEN_SETS[key])]


def test_unseen_ids_are_unique_across_sets():
    rows = load_unseen()
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("name", UNSEEN_SETS)
def test_unseen_set_is_well_formed(name):
    rows = load_unseen(name)
    assert len(rows) >= 150 and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["active_workflow"] in (None, *AGENTS)
        assert (r["expected_flow"], r["expected_agent"] is None) in (("direct", True), ("agents", False))
        assert r["expected_agent"] in (None, *AGENTS)


@pytest.mark.parametrize("name", UNSEEN_SETS)
def test_unseen_set_misses_only_ambiguous_rows(name):
    """Every row the guide decides routes as labelled; only a row marked ambiguous may go the other defensible way."""
    missed = []
    for r in load_unseen(name):
        got = route(r["text"], r["active_workflow"])
        if (got.flow, got.agent) != (r["expected_flow"], r["expected_agent"]) and "ambiguous" not in r:
            missed.append(f"  {r['id']} [{r['active_workflow'] or '-'}] want {expected(r)}, got {label(got)} "
                          f"({got.reason}): {r['text']!r}")
    assert not missed, f"{len(missed)} unambiguous rows routed elsewhere:\n" + "\n".join(missed)


def test_route_stays_fast_on_realistic_messages():
    texts = [(r["text"], r["active_workflow"]) for r in load_unseen()]
    start = time.perf_counter()
    for text, active in texts:
        route(text, active)
    mean = (time.perf_counter() - start) / len(texts)
    assert mean < 0.003, f"{mean * 1e6:.0f} us per call"  # ~0.2 ms measured; generous for loaded CI machines


def test_small_talk_is_marked_so_the_direct_flow_looks_nothing_up():
    assert route("good morning").small_talk and route("thanks, that helps").small_talk
    assert not route("what is our warranty on a full tear-off?").small_talk
    assert not route("thanks!", "scripting").small_talk  # in a workflow it answers the agent
