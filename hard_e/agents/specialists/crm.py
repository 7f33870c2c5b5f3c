"""CRM (Leap): customers, jobs and appointments. Its CRM tools arrive with the CRM integration."""

from __future__ import annotations

from agents import Agent
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="crm",
        handoff_description="Looks up and updates specific customers, jobs, stages and appointments in the Leap CRM.",
        instructions=prompts.for_agent("crm"),
        tools=[],
        model=model,
    )
