"""Analysis: patterns across distilled sales-call transcripts. Its aggregation tools read the
transcript tables; until transcripts are loaded it says so."""

from __future__ import annotations

from agents import Agent

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext


def build(model) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="analysis",
        handoff_description="Finds patterns across our sales-call transcripts: objections, win/loss reasons, techniques.",
        instructions=prompts.for_agent("analysis"),
        tools=[],
        model=model,
    )
