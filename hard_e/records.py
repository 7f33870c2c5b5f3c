"""CRM records as every layer sees them: the `CRM` port (agents/ports.py) speaks in these, `LeapCRM`
(integrations/leap.py) and `LocalCRM` (store/crm.py) return them. Plain data, no I/O, no imports from
the rest of Hard-E, so any layer may use them.

Ids are strings whatever the backend uses (Leap's are integers); times are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The sample company's pipeline (crm_stage_definitions.md); LocalCRM's stages, in order.
STAGES = ("Lead", "Appointment Set", "Inspection", "Estimate Sent", "Contract Signed", "Production", "Completed", "Lost")


@dataclass(frozen=True)
class Address:
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""

    def __str__(self) -> str:
        place = " ".join(p for p in (self.state, self.zip) if p)
        return ", ".join(p for p in (self.street, self.city, place) if p)


@dataclass(frozen=True)
class Customer:
    id: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    address: Address = field(default_factory=Address)
    company: str | None = None
    rep: str | None = None  # the assigned rep's full name
    lead_source: str | None = None
    trades: tuple[str, ...] = ()
    note: str | None = None  # the record's own note field
    created_at: datetime | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.company or f"customer {self.id}"


@dataclass(frozen=True)
class Job:
    id: str
    customer_id: str
    name: str
    stage: str
    customer_name: str = ""
    number: str | None = None  # the CRM's own job number, when it has one
    trade: str | None = None
    stage_changed_at: datetime | None = None
    rep: str | None = None
    amount: int | None = None  # the estimate, whole dollars
    address: Address = field(default_factory=Address)
    appointment_at: datetime | None = None
    lost_reason: str | None = None
    url: str | None = None  # where a rep opens it in the CRM, when the CRM has pages


@dataclass(frozen=True)
class Note:
    id: str
    job_id: str
    text: str
    author: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class CrmUser:
    id: str
    first_name: str
    last_name: str
    email: str | None = None
    role: str | None = None
    branch: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class NewCustomer:
    """What a rep gives to create a customer; only the name is required."""

    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    address: Address = field(default_factory=Address)
    trades: tuple[str, ...] = ()
    lead_source: str | None = None
    note: str | None = None
    rep: str | None = None
