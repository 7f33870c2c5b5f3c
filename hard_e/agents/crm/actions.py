"""CRM writes happen only on the rep's click.

A write tool never writes: it records a pending action (who asked, exactly what, where, for 24
hours) and the turn ends with a message holding the change and two buttons. `decide` runs when a
button is clicked: only the rep who asked can confirm, and a confirmed action runs exactly once,
however many clicks, retries or processes see it. Every attempt lands in the audit table, which
names records and never holds a note's text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hard_e.agents.crm import wording
from hard_e.agents.crm.describe import job_ref
from hard_e.agents.ports import CRM, CrmAccess
from hard_e.agents.turn import Turn
from hard_e.errors import CrmUnavailable, CrmUnsupported, StoreUnavailable
from hard_e.records import Address, NewCustomer
from hard_e.store.crm_actions import CANCELLED, DONE, EXPIRED, FAILED, PENDING, PendingActions, StoredAction
from hard_e.store.models import utcnow

log = logging.getLogger(__name__)

TTL = timedelta(hours=24)
ADD_NOTE, CREATE_CUSTOMER, MOVE_STAGE = "add_note", "create_customer", "move_stage"

# Outcomes of a click.
NOT_YOURS, GONE, REFUSED = "not_yours", "gone", "refused"


@dataclass(frozen=True)
class Proposal:
    """A change waiting for the rep's click; `summary` is what the confirmation message shows."""

    action_id: str
    summary: str
    requested_by: str


@dataclass(frozen=True)
class Decision:
    """What a click came to. `text` replaces the confirmation message (done, failed, cancelled,
    expired), or goes to the clicker alone (not_yours, refused); `gone` needs nothing shown."""

    outcome: str
    text: str
    requested_by: str | None = None
    link: str | None = None
    summary: str = ""  # the change as proposed


@dataclass
class CrmActions:
    crm: CRM
    store: PendingActions
    ttl: timedelta = TTL
    _names: dict[str, str] = field(default_factory=dict)

    async def propose(self, turn: Turn, kind: str, payload: dict[str, Any], summary: str) -> Proposal:
        if not turn.user_id:
            raise ValueError("a CRM change needs the rep who asked for it")
        stored = await self.store.create(
            kind=kind,
            payload={**payload, "summary": summary},
            requested_by=turn.user_id,
            team_id=turn.team_id,
            conversation_key=turn.conversation_key,
            channel=turn.channel_id,
            ttl=self.ttl,
        )
        log.info("crm action proposed id=%s kind=%s conversation=%s", stored.id, kind, turn.conversation_key)
        return Proposal(stored.id, summary, turn.user_id)

    async def decide(self, action_id: str, user_id: str, *, confirm: bool, access: CrmAccess | None = None) -> Decision:
        action = await self.store.get(action_id)
        if action is None or action.status != PENDING:
            return Decision(GONE, "", action.requested_by if action else None)
        summary = str(action.payload.get("summary") or "")
        if user_id != action.requested_by:
            await self.store.audit(
                user_id=user_id, action=action.kind, target=_target(action), result="refused", detail="not the requester"
            )
            return Decision(NOT_YOURS, f"Only <@{action.requested_by}> can confirm this.", action.requested_by, summary=summary)
        if action.expires_at <= utcnow():
            await self.store.settle(action.id, EXPIRED)
            expired = "This change expired before it was confirmed, so nothing was changed. Ask me again if it's still needed."
            return Decision(EXPIRED, expired, user_id, summary=summary)
        if not confirm:
            if await self.store.settle(action.id, CANCELLED, "cancelled", user_id=user_id):
                await self.store.audit(user_id=user_id, action=action.kind, target=_target(action), result="cancelled")
                return Decision(CANCELLED, "Cancelled — nothing was changed.", user_id, summary=summary)
            return Decision(GONE, "", user_id)
        if access is not None and (reason := await access.refusal(user_id)) is not None:
            return Decision(REFUSED, wording.refused(reason), user_id, summary=summary)
        if not await self.store.claim(action.id, user_id):
            return Decision(GONE, "", user_id)  # another click, retry or process got there first
        text, link, status = await self._execute(action)
        await self.store.settle(action.id, status, text)
        await self.store.audit(
            user_id=user_id, action=action.kind, target=_target(action), result=status, detail=None if status == DONE else text
        )
        log.info("crm action %s id=%s kind=%s", status, action.id, action.kind)
        return Decision(status, text, user_id, link, summary)

    async def _execute(self, action: StoredAction) -> tuple[str, str | None, str]:
        p = action.payload
        try:
            if action.kind == ADD_NOTE:
                job = await self.crm.job(str(p["job_id"]))
                if job is None:
                    return f"Couldn't add the note: job {p['job_id']} isn't in {self.crm.name} any more.", None, FAILED
                await self.crm.add_note(job.id, str(p["text"]), author=p.get("author"))
                where = job_ref(job)
                return f"Done — note added to {where}.", job.url, DONE
            if action.kind == MOVE_STAGE:
                job = await self.crm.move_stage(str(p["job_id"]), str(p["stage"]))
                return f"Done — {job_ref(job)} is now at {job.stage}.", job.url, DONE
            if action.kind == CREATE_CUSTOMER:
                customer = await self.crm.create_customer(new_customer(p))
                return f"Done — {customer.name} is in {self.crm.name} as customer {customer.id}.", None, DONE
            return f"I don't know how to do a {action.kind} change.", None, FAILED
        except CrmUnavailable as exc:
            return f"Nothing was changed. {wording.unavailable(self.crm.name, exc)}", None, FAILED
        except CrmUnsupported:
            return f"Nothing was changed: {self.crm.name} offers no way to do that from here.", None, FAILED
        except StoreUnavailable:
            return f"Nothing was changed. {wording.STORE_DOWN}", None, FAILED
        except ValueError as exc:  # the local CRM's checks: user-safe messages
            return f"Nothing was changed: {exc}", None, FAILED


def new_customer(p: dict[str, Any]) -> NewCustomer:
    address = p.get("address") or {}
    return NewCustomer(
        first_name=str(p.get("first_name") or ""),
        last_name=str(p.get("last_name") or ""),
        email=p.get("email"),
        phone=p.get("phone"),
        address=Address(**{k: str(address.get(k) or "") for k in ("street", "city", "state", "zip")}),
        trades=tuple(p.get("trades") or ()),
        lead_source=p.get("lead_source"),
        note=p.get("note"),
        rep=p.get("rep"),
    )


def _target(action: StoredAction) -> str:
    p = action.payload
    if "job_id" in p:
        return f"job {p['job_id']}"
    if action.kind == CREATE_CUSTOMER:
        return "new customer"
    return action.kind
