"""New customers reach the CRM through the outbox, exactly once, whatever the CRM is doing.

`submit` queues what the rep entered under an idempotency key (the submitted view's): a double
click, a retried payload or a second process queue nothing more. `process` takes one queued row:
a possible duplicate (same email or phone) waits for the rep's word; otherwise the customer is
created. A CRM that is down is retried — 15 s, 30 s, then every minute — until the row's time runs
out, when the rep is told, with everything they entered. Each outcome says what the rep reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hard_e.agents.crm import wording
from hard_e.agents.crm.actions import new_customer
from hard_e.agents.crm.describe import customer_line
from hard_e.agents.ports import CRM
from hard_e.errors import CrmUnavailable, StoreUnavailable
from hard_e.records import Customer, NewCustomer
from hard_e.store.models import utcnow
from hard_e.store.outbox import DONE, DUPLICATE, GAVE_UP, Outbox

log = logging.getLogger(__name__)

CREATE_CUSTOMER = "create_customer"
KEEP_TRYING = timedelta(hours=24)
WAITS = (timedelta(seconds=15), timedelta(seconds=30), timedelta(seconds=60))  # then every minute
PERMANENT = ("rejected",)  # the CRM said no to the record itself: retrying can't help

CREATED, POSSIBLE_DUPLICATE, WAITING, GAVE_UP_NOW = "created", "duplicate", "waiting", "gave_up"


@dataclass(frozen=True)
class CreationOutcome:
    """What became of one queued customer, and what its rep should read (Markdown/mrkdwn subset)."""

    kind: str
    key: str
    requested_by: str
    text: str
    customer: Customer | None = None
    existing: list[Customer] = field(default_factory=list)
    tell: bool = True  # False for a retry the rep was already told about


def entered(p: dict[str, Any]) -> str:
    """Everything the rep entered, so nothing is lost when the CRM never takes it."""
    new = new_customer(p)
    lines = [f"Name: {new.first_name} {new.last_name}".rstrip()]
    for label, value in (
        ("Email", new.email),
        ("Phone", new.phone),
        ("Address", str(new.address)),
        ("Trade", ", ".join(new.trades)),
        ("Lead source", new.lead_source),
        ("Notes", new.note),
    ):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


class CustomerCreations:
    def __init__(self, crm: CRM, outbox: Outbox, *, keep_trying: timedelta = KEEP_TRYING) -> None:
        self.crm = crm
        self.outbox = outbox
        self.keep_trying = keep_trying

    async def submit(self, key: str, customer: dict[str, Any], *, requested_by: str, team_id: str) -> bool:
        """Queue the customer; False when this key was queued before (nothing changes then)."""
        queued = await self.outbox.add(
            key=key, kind=CREATE_CUSTOMER, payload=customer, requested_by=requested_by, team_id=team_id, keep_for=self.keep_trying
        )
        log.info("customer creation %s key=%s", "queued" if queued else "already queued", key)
        return queued

    async def due(self) -> list[str]:
        return await self.outbox.due()

    async def process(self, key: str) -> CreationOutcome | None:
        """Work on one queued customer; None when it is not due or another worker has it."""
        row = await self.outbox.claim(key)
        if row is None:
            return None
        new = new_customer(row.payload)
        name = f"{new.first_name} {new.last_name}".strip()
        try:
            if not row.force and (existing := await possible_duplicates(self.crm, new)):
                await self.outbox.finish(key, DUPLICATE)
                listed = "\n".join(f"• {customer_line(c)}" for c in existing)
                text = f"Before I create *{name}*: {self.crm.name} already has a customer with the same email or phone.\n{listed}"
                return CreationOutcome(POSSIBLE_DUPLICATE, key, row.requested_by, text, existing=existing)
            customer = await self.crm.create_customer(new)
        except CrmUnavailable as exc:
            return await self._not_now(row.key, row.requested_by, row.attempts, row.give_up_at, row.payload, exc.reason, exc)
        except StoreUnavailable:
            return await self._not_now(row.key, row.requested_by, row.attempts, row.give_up_at, row.payload, "store", None)
        except ValueError as exc:  # the local CRM's checks: a user-safe sentence
            await self.outbox.finish(key, GAVE_UP, error="rejected")
            text = f"I couldn't create *{name}*: {exc} Here is everything you entered:\n{entered(row.payload)}"
            return CreationOutcome(GAVE_UP_NOW, key, row.requested_by, text)
        result = {"id": customer.id, "name": customer.name}
        await self.outbox.finish(key, DONE, result=result)
        log.info("customer created key=%s id=%s", key, customer.id)
        text = f"Done — *{customer.name}* is in {self.crm.name} as customer {customer.id}."
        return CreationOutcome(CREATED, key, row.requested_by, text, customer=customer)

    async def create_anyway(self, key: str) -> CreationOutcome | None:
        """The rep saw the possible duplicate and wants the new customer all the same."""
        if not await self.outbox.create_anyway(key):
            return None
        return await self.process(key)

    async def keep_existing(self, key: str) -> bool:
        return await self.outbox.drop(key)

    async def _not_now(
        self, key: str, requested_by: str, attempts: int, give_up_at: Any, payload: dict[str, Any], reason: str, exc: CrmUnavailable | None
    ) -> CreationOutcome:
        name = f"{payload.get('first_name', '')} {payload.get('last_name', '')}".strip()
        why = wording.unavailable(self.crm.name, exc) if exc is not None else wording.STORE_DOWN
        tries = attempts + 1
        wait = WAITS[min(attempts, len(WAITS) - 1)]
        if reason in PERMANENT or utcnow() + wait > give_up_at:
            await self.outbox.finish(key, GAVE_UP, error=reason)
            log.warning("customer creation given up key=%s after %d attempt(s): %s", key, tries, reason)
            text = f"I couldn't create *{name}* in {self.crm.name}. {why} Here is everything you entered:\n{entered(payload)}"
            return CreationOutcome(GAVE_UP_NOW, key, requested_by, text)
        await self.outbox.retry_later(key, attempts=tries, wait=wait, error=reason)
        log.info("customer creation waiting key=%s attempt=%d: %s", key, tries, reason)
        text = f"{why} I've kept *{name}* and will keep trying; I'll message you here when it's done."
        return CreationOutcome(WAITING, key, requested_by, text, tell=attempts == 0)


async def possible_duplicates(crm: CRM, new: NewCustomer) -> list[Customer]:
    """Customers already in the CRM with the same email or phone number."""
    found: dict[str, Customer] = {}
    for probe in (new.email, new.phone):
        if probe and probe.strip():
            for customer in await crm.find_customers(probe.strip(), limit=5):
                if _same_contact(customer, new):
                    found[customer.id] = customer
    return list(found.values())


def _digits(phone: str | None) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _same_contact(customer: Customer, new: NewCustomer) -> bool:
    same_email = bool(new.email and customer.email and customer.email.strip().lower() == new.email.strip().lower())
    same_phone = bool(new.phone and customer.phone and _digits(customer.phone) == _digits(new.phone))
    return same_email or same_phone
