"""CRM writes waiting for the rep's click, and the audit trail of every write attempt.

A pending action is claimed with one conditional UPDATE (`status` from pending to running), so
whichever process, retry or double click gets there first runs it and every other gets nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.errors import StoreUnavailable
from hard_e.store.errors import STORE_ERRORS, as_utc, execute_counted
from hard_e.store.models import CrmAudit, CrmPendingAction, utcnow

PENDING, RUNNING, DONE, FAILED, CANCELLED, EXPIRED = "pending", "running", "done", "failed", "cancelled", "expired"


@dataclass(frozen=True)
class StoredAction:
    id: str
    kind: str
    payload: dict[str, Any]
    requested_by: str
    team_id: str
    conversation_key: str
    channel: str
    status: str
    expires_at: datetime
    result: str | None = None
    decided_by: str | None = None


class PendingActions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        kind: str,
        payload: dict[str, Any],
        requested_by: str,
        team_id: str,
        conversation_key: str,
        channel: str,
        ttl: timedelta,
    ) -> StoredAction:
        now = utcnow()
        row = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "payload": payload,
            "requested_by": requested_by,
            "team_id": team_id,
            "conversation_key": conversation_key,
            "channel": channel,
            "created_at": now,
            "expires_at": now + ttl,
            "status": PENDING,
        }
        await self._run(insert(CrmPendingAction).values(**row))
        return _action(row)

    async def get(self, action_id: str) -> StoredAction | None:
        try:
            async with self._engine.connect() as conn:
                found = (await conn.execute(select(CrmPendingAction.__table__).where(CrmPendingAction.id == action_id))).mappings().first()
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return _action(dict(found)) if found is not None else None

    async def claim(self, action_id: str, user_id: str) -> bool:
        """Move the action from pending to running for `user_id`; True for exactly one caller, ever."""
        now = utcnow()
        stmt = (
            update(CrmPendingAction)
            .where(CrmPendingAction.id == action_id, CrmPendingAction.status == PENDING, CrmPendingAction.expires_at > now)
            .values(status=RUNNING, decided_by=user_id, decided_at=now)
        )
        return await self._run(stmt) == 1

    async def settle(self, action_id: str, status: str, result: str | None = None, *, user_id: str | None = None) -> bool:
        """End a pending or running action (done, failed, cancelled, expired); False when it had ended already."""
        values: dict[str, Any] = {"status": status, "result": result}
        if user_id is not None:
            values.update(decided_by=user_id, decided_at=utcnow())
        stmt = (
            update(CrmPendingAction)
            .where(CrmPendingAction.id == action_id, CrmPendingAction.status.in_((PENDING, RUNNING)))
            .values(**values)
        )
        return await self._run(stmt) == 1

    async def remember_message(self, action_id: str, message_ts: str) -> None:
        await self._run(update(CrmPendingAction).where(CrmPendingAction.id == action_id).values(message_ts=message_ts))

    async def audit(self, *, user_id: str, action: str, target: str, result: str, detail: str | None = None) -> None:
        await self._run(
            insert(CrmAudit).values(at=utcnow(), slack_user=user_id, action=action, target=target, result=result, detail=detail)
        )

    async def _run(self, stmt: Any) -> int:
        return await execute_counted(self._engine, stmt)


def _action(row: dict[str, Any]) -> StoredAction:
    expires = as_utc(row["expires_at"])
    return StoredAction(
        id=row["id"],
        kind=row["kind"],
        payload=dict(row["payload"]),
        requested_by=row["requested_by"],
        team_id=row["team_id"],
        conversation_key=row["conversation_key"],
        channel=row["channel"],
        status=row["status"],
        expires_at=expires,
        result=row.get("result"),
        decided_by=row.get("decided_by"),
    )
