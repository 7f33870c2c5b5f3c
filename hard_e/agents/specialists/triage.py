"""Triage: routes only. It never answers; it hands the conversation to the right specialist."""

from __future__ import annotations

from agents import Agent
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext


def build(model: Model | str, *, handoffs: list[Agent[TurnContext]]) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="triage",
        handoff_description="Works out which specialist a request needs.",
        instructions=prompts.for_agent("triage"),
        handoffs=list(handoffs),
        model=model,
    )
