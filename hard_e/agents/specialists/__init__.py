"""The seven agents. Each module builds one agent; `build_team` wires their handoffs.

Triage only routes: it hands off to one of the six specialists. A specialist that is asked for
something outside its job hands back to Triage.
"""

from __future__ import annotations

from collections.abc import Callable

from agents import Agent
from agents.models.interface import Model

from hard_e.agents.context import TurnContext
from hard_e.agents.specialists import analysis, crm, knowledge, new_clients, scripting, triage, web_search

SPECIALISTS = {
    "crm": crm,
    "knowledge": knowledge,
    "analysis": analysis,
    "web_search": web_search,
    "scripting": scripting,
    "new_clients": new_clients,
}
AGENT_NAMES = ("triage", *SPECIALISTS)

# What the user sees while a tool runs.
TOOL_STATUS = {
    "search_knowledge": "Searching the knowledge base…",
    "search_web": "Researching on the web…",
    "save_script_draft": "Updating the script draft…",
    "record_customer_details": "Noting the customer's details…",
    "objections_by_outcome": "Counting objections across our calls…",
    "win_rate_by_technique": "Working out win rates by technique…",
    "deal_value_by_trade": "Adding up deal values by trade…",
    "objection_quotes": "Pulling what customers said…",
    "transcript_overview": "Looking over the call transcripts…",
    "find_customers": "Looking up customers…",
    "customer_details": "Pulling up the customer…",
    "job_status": "Checking the job…",
    "jobs_by_stage": "Going through the pipeline…",
    "job_notes": "Reading the job's notes…",
    "add_note": "Drafting the note…",
    "move_stage": "Preparing the stage change…",
    "create_customer": "Preparing the new customer…",
}
# What the user sees while a handoff brings in another agent, by agent.
HANDOFF_STATUS = {
    "triage": "Working out who should take this…",
    "crm": "Turning to the CRM…",
    "knowledge": "Checking the company docs…",
    "analysis": "Digging into our sales calls…",
    "web_search": "Taking this to the web…",
    "scripting": "Getting the script going…",
    "new_clients": "Setting up the new customer…",
}


def build_team(model_for: Callable[[str], Model | str]) -> dict[str, Agent[TurnContext]]:
    """All seven agents, keyed by name; `model_for(name)` picks each one's model."""
    team: dict[str, Agent[TurnContext]] = {name: module.build(model_for(name)) for name, module in SPECIALISTS.items()}
    team["triage"] = triage.build(model_for("triage"), handoffs=list(team.values()))
    for name in SPECIALISTS:
        team[name].handoffs.append(team["triage"])
    return team
