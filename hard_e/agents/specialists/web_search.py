"""WebSearch: outside and current information, with citations."""

from __future__ import annotations

from agents import Agent, RunContextWrapper, function_tool
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext
from hard_e.errors import UserFacingError

NOT_CONFIGURED = "Web search is not configured (an admin sets PERPLEXITY_API_KEY). Say so plainly; do not guess."


@function_tool
async def search_web(ctx: RunContextWrapper[TurnContext], question: str) -> str:
    """Research a question on the web: market prices, competitors, weather and storm reports,
    permits and codes, incentives, rates, news. Returns an answer with numbered source URLs."""
    client = ctx.context.web_search
    if client is None:
        return NOT_CONFIGURED
    try:
        answer = await client.search(question)
    except UserFacingError as exc:
        return exc.message
    return answer.as_text()


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="web_search",
        handoff_description="Researches outside or current information on the web, with citations.",
        instructions=prompts.for_agent("web_search"),
        tools=[search_web],
        model=model,
    )
