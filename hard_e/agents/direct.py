"""The direct flow: one streamed LLM call with the persona and the thread's history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date

from hard_e.agents import prompts
from hard_e.agents.knowledge.passages import numbered
from hard_e.agents.ports import Passage, TextModel
from hard_e.agents.turn import Turn

PLACES = {
    "im": "a private DM with one rep",
    "mpim": "a small group DM",
    "channel": "a thread in a team channel",
    "group": "a thread in a private channel",
    "console": "a terminal session with a developer or admin",
}


def instructions_for(turn: Turn, passages: Sequence[Passage] = (), today: date | None = None) -> str:
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
    return text


def answer_directly(model: TextModel, turn: Turn, history: list[dict[str, str]], passages: Sequence[Passage] = ()) -> AsyncIterator[str]:
    """Stream the answer to `turn`, given the earlier messages of its conversation and any knowledge passages."""
    return model.stream(instructions_for(turn, passages), [*history, {"role": "user", "content": turn.text}])
