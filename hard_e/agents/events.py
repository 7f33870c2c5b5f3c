"""What the brain tells its face (Slack or the console) while it works.

The brain never talks to Slack: it sends these events to a `Sink`, and each face renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hard_e.errors import UserFacingError  # noqa: F401  (re-exported for the brain)


@dataclass(frozen=True)
class Thinking:
    """Work on a turn has begun: show a placeholder now."""


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolStarted:
    name: str
    description: str  # user-facing, e.g. "Searching the knowledge base…"


@dataclass(frozen=True)
class ToolFinished:
    name: str


@dataclass(frozen=True)
class AgentChanged:
    agent: str


@dataclass(frozen=True)
class Final:
    """The complete answer, in Markdown. The last event of a successful turn, but for any
    `NeedsConfirmation` that follow it."""

    text: str


@dataclass(frozen=True)
class Failed:
    """The turn could not finish; `message` is short, friendly and safe to show."""

    message: str


@dataclass(frozen=True)
class NeedsConfirmation:
    """A CRM change waits for the rep's click: show `summary` with Confirm and Cancel buttons that
    carry `action_id`. Sent after `Final`, once per proposed change."""

    action_id: str
    summary: str
    requested_by: str


@dataclass(frozen=True)
class OfferReview:
    """New-customer details are ready to check: offer the form prefilled with `values` (field → text, or
    a list of trades). Sent after `Final`."""

    values: dict[str, object]
    requested_by: str | None


@dataclass(frozen=True)
class OfferScriptActions:
    """A script version was saved in this conversation: offer Revise, Approve, Listen (and, for a primer
    video script, Render video) for `revision`. Sent after `Final`."""

    conversation_key: str
    revision: int
    kind: str


Event = (
    Thinking | TextDelta | ToolStarted | ToolFinished | AgentChanged | Final | Failed | NeedsConfirmation | OfferReview | OfferScriptActions
)


class Sink(Protocol):
    async def send(self, event: Event) -> None: ...
