"""The ports: what the brain needs from outside, as protocols. `bot/services.py` plugs a real client
or an embedded default into each; tests plug in the same real clients pointed at local fake servers.

Results are plain records: the store's transcript aggregates, the knowledge index's passages,
`hard_e.records` for the CRM. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import BaseModel

from hard_e.media import RenderStatus
from hard_e.records import CrmUser, Customer, Job, NewCustomer, Note

if TYPE_CHECKING:
    from hard_e.store.transcript_store import (
        GroupCount,
        LostReason,
        ObjectionCount,
        Overview,
        QuoteSample,
        TechniqueRate,
        TradeValue,
    )


@dataclass(frozen=True)
class ToolOffer:
    """A function the model may call instead of writing text: its name, what it is for (the model
    reads `description`) and its arguments as a JSON schema (strict: every property required)."""

    name: str
    description: str
    parameters: Mapping[str, object]


class ToolCall(Protocol):
    """The model called an offered function, arguments complete: its name and its arguments (parsed
    from the JSON text the model wrote; empty when that was not a JSON object)."""

    @property
    def name(self) -> str: ...
    @property
    def arguments(self) -> Mapping[str, object]: ...


class TextModel(Protocol):
    """One language model, streaming the text of its answer."""

    def stream(self, instructions: str, messages: list[dict[str, str]]) -> AsyncIterator[str]: ...

    def stream_with_tools(
        self, instructions: str, messages: list[dict[str, str]], tools: Sequence[ToolOffer]
    ) -> AsyncGenerator[str | ToolCall, None]:
        """Like `stream`, but the model may also call one of `tools`: text deltas are yielded as they
        arrive, and each call as a `ToolCall` once its arguments are complete, in the order the
        model wrote them. The caller decides what a call means; nothing is sent back to the model.
        Closing the generator early (`aclose`) ends the model's stream."""
        ...


SchemaT = TypeVar("SchemaT", bound=BaseModel)


class FieldModel(Protocol):
    """A (fast) language model that reads text into a pydantic schema (structured output). Raises on any
    failure — an API error, a refusal, an answer that does not fit the schema; callers fall back."""

    async def extract(self, instructions: str, text: str, schema: type[SchemaT]) -> SchemaT: ...


class Passage(Protocol):
    """A passage of a company document, with where it comes from."""

    @property
    def title(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def citation(self) -> str: ...


class KnowledgeSearch(Protocol):
    """The company's documents, searched by a question."""

    async def search(self, query: str, limit: int = 5) -> Sequence[Passage]: ...


class WebAnswerLike(Protocol):
    def as_text(self) -> str: ...


class WebSearch(Protocol):
    """Research on the open web; failures are raised as `UserFacingError`."""

    async def search(self, question: str) -> WebAnswerLike: ...


class TranscriptQueries(Protocol):
    """Counts over the distilled sales-call transcripts."""

    async def overview(self) -> Overview: ...
    async def objection_counts(self, outcome: str | None = None) -> list[ObjectionCount]: ...
    async def win_rate_by_technique(self) -> list[TechniqueRate]: ...
    async def deal_value_by_trade(self, outcome: str | None = None) -> list[TradeValue]: ...
    async def lost_reasons(self) -> list[LostReason]: ...
    async def quotes(self, objection_type: str, outcome: str | None = None, limit: int = 10) -> QuoteSample: ...
    async def calls_by(self, column: str) -> list[GroupCount]: ...


class Refiner(Protocol):
    """A voice pass over finished text that never fails: on any trouble it returns the input."""

    async def refine(self, text: str, *, kind: str) -> str: ...


class CrmAccess(Protocol):
    """Who may see and change CRM records: guests and, when an allow-list is set, anyone not on it
    are refused."""

    async def refusal(self, user_id: str | None) -> str | None:
        """None when `user_id` may use the CRM; else why not: "guest", "not_allowed" or "unverified"."""
        ...


class CRM(Protocol):
    """The company's CRM: Leap over HTTP, or the embedded local CRM in our database.

    Reads return records or None/[] for nothing found; every failure to reach the CRM raises
    `CrmUnavailable`, an operation the CRM has no way to do raises `CrmUnsupported`. Writes are
    only ever called for an action the rep confirmed.
    """

    @property
    def name(self) -> str:
        """How a rep calls it: "Leap", "the local CRM"."""
        ...

    @property
    def can_move_stages(self) -> bool:
        """Whether `move_stage` can work at all (Leap's public API has no such operation)."""
        ...

    async def find_customers(self, query: str, *, limit: int = 10) -> list[Customer]: ...
    async def customer(self, customer_id: str) -> Customer | None: ...
    async def jobs(
        self,
        *,
        customer_id: str | None = None,
        stages: Sequence[str] = (),
        rep: str | None = None,
        keyword: str | None = None,
        limit: int = 25,
    ) -> list[Job]: ...
    async def job(self, job_id: str) -> Job | None: ...
    async def notes(self, job_id: str, *, limit: int = 5) -> list[Note]: ...
    async def stages(self) -> list[str]: ...
    async def users(self) -> list[CrmUser]: ...
    async def add_note(self, job_id: str, text: str, *, author: str | None = None) -> Note: ...
    async def create_customer(self, new: NewCustomer) -> Customer: ...
    async def move_stage(self, job_id: str, stage: str) -> Job: ...


class Voice(Protocol):
    """Speech from text: MP3 bytes. Every failure raises `MediaUnavailable`."""

    @property
    def name(self) -> str:
        """Which service speaks: "ElevenLabs", "OpenAI"."""
        ...

    async def synthesize(self, text: str) -> bytes: ...


class Transcriber(Protocol):
    """Speech to text: one audio file (within the service's upload limit) in, its transcript out.
    Every failure raises `MediaUnavailable`."""

    async def transcribe(self, audio: bytes, *, filename: str) -> str: ...


class PhotoDescriber(Protocol):
    """A vision model that describes a photo as `instructions` ask. Every failure raises `MediaUnavailable`."""

    async def describe(self, image: bytes, *, mime: str, instructions: str) -> str: ...


class VideoRenderer(Protocol):
    """A video of a script, rendered in the background. Every failure raises `MediaUnavailable`."""

    async def submit(self, script: str, *, title: str) -> str:
        """Queue a render; returns its id for `status`."""
        ...

    async def status(self, render_id: str) -> RenderStatus: ...
