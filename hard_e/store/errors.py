"""What a failing store raises — its own typed errors, and what the database drivers raise underneath —
and the one way a repository runs a write so that a failure surfaces as `StoreUnavailable`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.errors import StoreBusy, StoreUnavailable
from hard_e.store.db import writing

# The database is down or broken; asyncpg may surface a refused connection as a bare OSError.
STORE_ERRORS: tuple[type[BaseException], ...] = (StoreUnavailable, SQLAlchemyError, OSError)

__all__ = ["STORE_ERRORS", "StoreBusy", "StoreUnavailable", "as_utc", "execute_counted"]


async def execute_counted(engine: AsyncEngine, stmt: Any) -> int:
    """Run one write in its own transaction; how many rows it touched. A failing database raises
    `StoreUnavailable` (named by the driver's error type only: SQL parameters hold customer data)."""
    try:
        async with writing(engine) as conn:
            result = await conn.execute(stmt)
    except STORE_ERRORS as exc:
        raise StoreUnavailable(type(exc).__name__) from exc
    return int(result.rowcount or 0)


def as_utc(at: datetime) -> datetime:
    """A stored time, aware: SQLite hands back naive UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
