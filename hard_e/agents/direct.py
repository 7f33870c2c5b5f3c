"""The direct flow: one streamed LLM call with the persona and the thread's history.

The call may offer the model one tool, `hand_over`: when the message needs what only a specialist
has (the CRM, the call transcripts, the web, a workflow), the model calls it instead of answering
and the turn moves to the agents flow. Only a call that comes before any text counts; once text has
been shown the answer stands.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date

from hard_e.agents import prompts
from hard_e.agents.knowledge.passages import numbered
from hard_e.agents.ports import Passage, TextModel, ToolOffer
from hard_e.agents.turn import Turn

log = logging.getLogger(__name__)

PLACES = {
    "im": "a private DM with one rep",
    "mpim": "a small group DM",
    "channel": "a thread in a team channel",
    "group": "a thread in a private channel",
    "console": "a terminal session with a developer or admin",
}
HAND_OVER = "hand_over"


@dataclass(frozen=True)
class HandOver:
    """The model passed the turn on before writing anything. `to` is what it named (one of the offered
    agents, unless the model server ignored the schema); `why` is its own words, which can echo the
    message, so it is never logged."""

    to: str
    why: str = ""


def instructions_for(turn: Turn, passages: Sequence[Passage] = (), today: date | None = None, *, can_hand_over: bool = False) -> str:
    place = PLACES.get(turn.channel_type, "Slack")
    today = today or date.today()
    text = f"{prompts.load('persona')}\n\n## Context\n- Today is {today:%A, %B %d, %Y}.\n- You are talking in {place}.\n"
    if passages:
        found = numbered(passages)
        text += (
            "\n## From the company knowledge base\nUse these passages when they answer the question, and cite "
            "each fact you take from them with its source in parentheses, e.g. (Warranty Policy — "
            "warranty_policy.md). Ignore passages that don't fit the question; never invent a source.\n\n" + found + "\n"
        )
    if can_hand_over:
        text += f"\n{prompts.load('hand_over')}"
    return text


def hand_over_tool(agents: Sequence[str]) -> ToolOffer:
    """The one tool the direct flow offers: pass the turn to one of `agents` (names as in the team)."""
    return ToolOffer(
        name=HAND_OVER,
        description=(
            "Pass this message to a specialist colleague instead of answering it yourself. Call it before "
            "writing any text, and only when the answer needs the CRM (specific customers, jobs, appointments, "
            "pipeline counts over dates), patterns across our sales-call transcripts, outside or current facts "
            "from the web, a workflow (drafting a script, creating a customer) or work on knowledge-base "
            "documents. Answer general sales questions yourself."
        ),
        parameters={
            "type": "object",
            "properties": {
                "to": {
                    "type": "string",
                    "enum": list(agents),
                    "description": "Who takes it: crm, analysis (sales-call patterns), web_search, scripting, "
                    "new_clients, knowledge (documents), or triage when unsure which.",
                },
                "why": {"type": "string", "description": "A few words on what the message needs."},
            },
            "required": ["to", "why"],
            "additionalProperties": False,
        },
    )


def answer_directly(model: TextModel, turn: Turn, history: list[dict[str, str]], passages: Sequence[Passage] = ()) -> AsyncIterator[str]:
    """Stream the answer to `turn`, given the earlier messages of its conversation and any knowledge passages."""
    return model.stream(instructions_for(turn, passages), [*history, {"role": "user", "content": turn.text}])


async def answer_or_hand_over(
    model: TextModel,
    turn: Turn,
    history: list[dict[str, str]],
    passages: Sequence[Passage] = (),
    *,
    hand_over_to: Sequence[str] = (),
) -> AsyncGenerator[str | HandOver, None]:
    """Stream the answer to `turn` like `answer_directly`; with `hand_over_to`, the model may instead
    pass the turn to one of those agents: then the only item is a `HandOver`, and the model's stream
    is closed. Text is yielded as it comes (leading whitespace is held until real text follows, since
    it shows nothing); a hand-over after text is ignored."""
    if not hand_over_to:
        async for delta in answer_directly(model, turn, history, passages):
            yield delta
        return
    instructions = instructions_for(turn, passages, can_hand_over=True)
    messages = [*history, {"role": "user", "content": turn.text}]
    held = ""  # leading whitespace, not shown yet
    started = False
    async with aclosing(model.stream_with_tools(instructions, messages, [hand_over_tool(hand_over_to)])) as stream:
        async for item in stream:
            if isinstance(item, str):
                if started:
                    yield item
                elif (held := held + item).strip():
                    started, text, held = True, held, ""
                    yield text
                continue
            to = item.arguments.get("to")
            named = to if isinstance(to, str) and to in hand_over_to else "unknown"  # never log free text
            if item.name != HAND_OVER:
                log.warning("direct flow: model called an unoffered tool conversation=%s", turn.conversation_key)
            elif started:
                log.info("direct flow: hand-over after text ignored conversation=%s to=%s", turn.conversation_key, named)
            else:
                why = item.arguments.get("why")
                yield HandOver(to if isinstance(to, str) else "", why if isinstance(why, str) else "")
                return
    if held:
        yield held  # whitespace only: the caller treats it as an empty answer
