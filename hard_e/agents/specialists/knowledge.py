"""Knowledge: answers from the company's knowledge bases, citing its sources."""

from __future__ import annotations

from collections.abc import Sequence

from agents import Agent, RunContextWrapper, function_tool
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext
from hard_e.agents.knowledge.passages import numbered
from hard_e.agents.ports import Passage

NOT_CONFIGURED = "No knowledge base is configured (an admin sets HARDE_KB_DIR or HARDE_KB_S3_URIS)."


def format_passages(passages: Sequence[Passage]) -> str:
    if not passages:
        return "Nothing in the knowledge base matches that."
    return numbered(passages)


@function_tool
async def search_knowledge(ctx: RunContextWrapper[TurnContext], query: str) -> str:
    """Search the company's knowledge base (training docs, policies, pricing guidelines, playbooks).
    Returns numbered passages, each with its source citation. Use short keyword queries."""
    index = ctx.context.knowledge
    if index is None:
        return NOT_CONFIGURED
    return format_passages(await index.search(query, limit=5))


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="knowledge",
        handoff_description="Searches the knowledge base and answers with quoted, cited sources.",
        instructions=prompts.for_agent("knowledge"),
        tools=[search_knowledge],
        model=model,
    )
