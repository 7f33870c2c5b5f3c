"""Runs of scheduled jobs. Every clock (and every `hard-e run` with the scheduler on) fires each job
at the same moments; the first to claim a job's time slot runs it, the others skip it. The rows also
say when each job last succeeded (/metrics) and how its last run ended."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.store.db import writing
from hard_e.store.models import JobRun, utcnow
from hard_e.store.repositories import insert_ignoring_duplicates


class JobRuns:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, job: str, slot: int) -> bool:
        """True for the one caller, across processes, that gets to run `job` in `slot`."""
        values = {"job": job, "slot": slot, "started_at": utcnow(), "outcome": "running"}
        stmt = insert_ignoring_duplicates(self._engine, JobRun, values, ["job", "slot"])
        async with writing(self._engine) as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def finish(self, job: str, slot: int, *, error: str | None = None) -> None:
        """Record how the claimed run ended (`error`: the failure's kind, never its message)."""
        async with writing(self._engine) as conn:
            await conn.execute(
                update(JobRun)
                .where(JobRun.job == job, JobRun.slot == slot)
                .values(finished_at=utcnow(), outcome="failed" if error else "ok", error=error)
            )

    async def last_success(self) -> dict[str, datetime]:
        """When each job last finished without error."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(JobRun.job, func.max(JobRun.finished_at)).where(JobRun.outcome == "ok").group_by(JobRun.job))
            return {job: when for job, when in rows if when is not None}

    async def runs(self, job: str) -> list[JobRun]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(JobRun).where(JobRun.job == job).order_by(JobRun.slot))
            return [JobRun(**row._mapping) for row in rows]

    async def prune(self, older_than: timedelta) -> int:
        async with writing(self._engine) as conn:
            result = await conn.execute(delete(JobRun).where(JobRun.started_at < utcnow() - older_than))
        return result.rowcount or 0
