"""Workflow state: plain dataclasses carried in the run context and saved as JSON with the
conversation, so a multi-turn draft survives restarts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

T = TypeVar("T")


def _from_json(cls: type[T], data: dict[str, Any] | None) -> T:
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]  # every T here is a dataclass
    return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass
class ScriptDraftState:
    """A call or primer-video script being drafted over several turns."""

    kind: str = ""  # "call", "voicemail", "door_knock", "follow_up", "confirmation", "primer_video"
    customer: str = ""
    goal: str = ""
    draft: str = ""
    revisions: int = 0
    job_id: str = ""  # the CRM job it is for (from /script), where an approved version is noted
    tone: str = ""
    length: str = ""
    key_points: str = ""
    versions: list[str] = field(default_factory=list)  # every saved draft, revision n at index n - 1

    def version(self, revision: int) -> str | None:
        return self.versions[revision - 1] if 1 <= revision <= len(self.versions) else None

    @property
    def in_progress(self) -> bool:
        return bool(self.kind or self.draft)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ScriptDraftState:
        return _from_json(cls, data)


@dataclass
class NewClientState:
    """A customer being created from free text or a voice memo, in the written forms of the intake guide."""

    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""  # one line: "2608 Copper Canyon Drive, Plano, TX 75024"
    trades: list[str] = field(default_factory=list)
    lead_source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def missing_fields(self) -> list[str]:
        """What the intake guide requires and nobody has said yet (phone or email: one of the two)."""
        missing = [name for name in ("first_name", "last_name") if not getattr(self, name)]
        if not (self.phone or self.email):
            missing.append("phone")
        missing += [name for name in ("address", "trades", "lead_source") if not getattr(self, name)]
        return missing

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> NewClientState:
        return _from_json(cls, data)


@dataclass
class WorkflowState:
    """Everything the agents keep between turns of one conversation."""

    script: ScriptDraftState = field(default_factory=ScriptDraftState)
    new_client: NewClientState = field(default_factory=NewClientState)

    def to_json(self) -> dict[str, Any]:
        return {"script": self.script.to_json(), "new_client": self.new_client.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> WorkflowState:
        data = data or {}
        return cls(ScriptDraftState.from_json(data.get("script")), NewClientState.from_json(data.get("new_client")))
