"""What every agent run can reach: the turn, its workflow state, and the outside systems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from hard_e.agents.state import WorkflowState
from hard_e.agents.turn import Turn


class PassageLike(Protocol):
    title: str
    text: str

    @property
    def citation(self) -> str: ...


class KnowledgeSearch(Protocol):
    async def search(self, query: str, limit: int = 5) -> list[Any]: ...


@dataclass
class TurnContext:
    """The run context handed to every tool (`RunContextWrapper[TurnContext].context`)."""

    turn: Turn
    state: WorkflowState = field(default_factory=WorkflowState)
    knowledge: KnowledgeSearch | None = None
    web_search: Any = None  # integrations.perplexity client, when configured
    transcripts: Any = None  # analysis store, when loaded
