"""What every agent run can reach: the turn, its workflow state, and the outside systems (as ports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hard_e.agents.ports import CRM, CrmAccess, KnowledgeSearch, TranscriptQueries, WebSearch
from hard_e.agents.state import WorkflowState
from hard_e.agents.turn import Turn

if TYPE_CHECKING:
    from hard_e.agents.crm.actions import CrmActions, Proposal


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
    crm_actions: CrmActions | None = None
    crm_access: CrmAccess | None = None
    # CRM changes proposed during the turn; each ends the turn with a Confirm/Cancel message.
    proposals: list[Proposal] = field(default_factory=list)
    crm_checked: bool = False  # the asker's CRM access was checked once this turn
    # New-customer details gathered this turn: the turn ends with a "Review & create" offer of them.
    review: dict[str, object] | None = None
    script_saved: int = 0  # the script revision saved this turn (0: none): the turn ends with its buttons
