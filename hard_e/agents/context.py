"""What every agent run can reach: the turn, its workflow state, and the outside systems (as ports)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hard_e.agents.ports import CRM, KnowledgeSearch, TranscriptQueries, WebSearch
from hard_e.agents.state import WorkflowState
from hard_e.agents.turn import Turn


@dataclass
class TurnContext:
    """The run context handed to every tool (`RunContextWrapper[TurnContext].context`); a port left
    None is not configured, and the tools that need it say so."""

    turn: Turn
    state: WorkflowState = field(default_factory=WorkflowState)
    knowledge: KnowledgeSearch | None = None
    web_search: WebSearch | None = None
    transcripts: TranscriptQueries | None = None
    crm: CRM | None = None
