"""The outbox: CRM creations waiting to reach the CRM, exactly once.

`add` inserts by idempotency key and does nothing when the key is there already (a double click, a
retried payload, another process). `claim` moves one due row to running with a conditional UPDATE,
so only one worker ever works on it; a row left running by a dead process is claimable again after
`STALE_RUNNING`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.errors import StoreUnavailable
from hard_e.store.errors import STORE_ERRORS, as_utc, execute_counted
from hard_e.store.models import CrmOutbox, utcnow
from hard_e.store.repositories import insert_ignoring_duplicates

PENDING, RUNNING, DUPLICATE, DONE, GAVE_UP, DROPPED = "pending", "running", "duplicate", "done", "gave_up", "dropped"
STALE_RUNNING = timedelta(minutes=5)  # a worker that died mid-create leaves its row this long


@dataclass(frozen=True)
class OutboxRow:
    key: str
    kind: str
    payload: dict[str, Any]
    requested_by: str
    team_id: str
    status: str
    attempts: int
    give_up_at: datetime
    force: bool = False
    last_error: str | None = None
    result: dict[str, Any] | None = None


class Outbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, *, key: str, kind: str, payload: dict[str, Any], requested_by: str, team_id: str, keep_for: timedelta) -> bool:
        """Queue a creation; False when `key` was queued before (nothing changes then)."""
        now = utcnow()
        values = {
            "key": key,
            "kind": kind,
            "payload": payload,
            "requested_by": requested_by,
            "team_id": team_id,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "give_up_at": now + keep_for,
            "created_at": now,
            "updated_at": now,
            "force": False,
        }
        return await self._count(insert_ignoring_duplicates(self._engine, CrmOutbox, values, ["key"])) == 1

    async def get(self, key: str) -> OutboxRow | None:
        try:
            async with self._engine.connect() as conn:
                row = (await conn.execute(select(CrmOutbox.__table__).where(CrmOutbox.key == key))).mappings().first()
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return _row(dict(row)) if row is not None else None

    async def due(self, limit: int = 20) -> list[str]:
        """Keys of rows a worker may take now: pending and due, or running but abandoned."""
        now = utcnow()
        stmt = (
            select(CrmOutbox.key)
            .where(
                or_(
                    and_(CrmOutbox.status == PENDING, CrmOutbox.next_attempt_at <= now),
                    and_(CrmOutbox.status == RUNNING, CrmOutbox.updated_at <= now - STALE_RUNNING),
                )
            )
            .order_by(CrmOutbox.next_attempt_at)
            .limit(limit)
        )
        try:
            async with self._engine.connect() as conn:
                return list((await conn.execute(stmt)).scalars())
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    async def claim(self, key: str) -> OutboxRow | None:
        """Take the row for this worker, or None when it is not due or someone else has it."""
        now = utcnow()
        stmt = (
            update(CrmOutbox)
            .where(
                CrmOutbox.key == key,
                or_(
                    and_(CrmOutbox.status == PENDING, CrmOutbox.next_attempt_at <= now),
                    and_(CrmOutbox.status == RUNNING, CrmOutbox.updated_at <= now - STALE_RUNNING),
                ),
            )
            .values(status=RUNNING, updated_at=now)
        )
        if await self._count(stmt) != 1:
            return None
        return await self.get(key)

    async def finish(self, key: str, status: str, *, result: dict[str, Any] | None = None, error: str | None = None) -> None:
        await self._count(
            update(CrmOutbox).where(CrmOutbox.key == key).values(status=status, result=result, last_error=error, updated_at=utcnow())
        )

    async def retry_later(self, key: str, *, attempts: int, wait: timedelta, error: str) -> None:
        now = utcnow()
        stmt = (
            update(CrmOutbox)
            .where(CrmOutbox.key == key, CrmOutbox.status == RUNNING)
            .values(status=PENDING, attempts=attempts, next_attempt_at=now + wait, last_error=error, updated_at=now)
        )
        await self._count(stmt)

    async def create_anyway(self, key: str) -> bool:
        """The rep saw the possible duplicate and wants the customer all the same: True once."""
        now = utcnow()
        stmt = (
            update(CrmOutbox)
            .where(CrmOutbox.key == key, CrmOutbox.status == DUPLICATE)
            .values(status=PENDING, force=True, next_attempt_at=now, updated_at=now)
        )
        return await self._count(stmt) == 1

    async def drop(self, key: str) -> bool:
        """The rep opened the existing customer instead: True once."""
        stmt = update(CrmOutbox).where(CrmOutbox.key == key, CrmOutbox.status == DUPLICATE).values(status=DROPPED, updated_at=utcnow())
        return await self._count(stmt) == 1

    async def _count(self, stmt: Any) -> int:
        return await execute_counted(self._engine, stmt)


def _row(data: dict[str, Any]) -> OutboxRow:
    give_up = as_utc(data["give_up_at"])
    return OutboxRow(
        key=data["key"],
        kind=data["kind"],
        payload=dict(data["payload"]),
        requested_by=data["requested_by"],
        team_id=data["team_id"],
        status=data["status"],
        attempts=int(data["attempts"]),
        give_up_at=give_up,
        force=bool(data["force"]),
        last_error=data.get("last_error"),
        result=data.get("result"),
    )
