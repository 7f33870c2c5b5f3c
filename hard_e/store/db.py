"""The async engine: one per process, shared by our repositories and the Agents SDK session."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

# SQLite lets one connection write at a time; the others sleep in its busy handler (1, 2, 5 … 100 ms
# steps) and wake late. Writers of one process queue on this lock instead and start the moment the
# previous one commits. One lock per engine (the engine is the process's database).
POOL_SIZE = 10
WARM_CONNECTIONS = 4  # opened at start; the rest of the pool as a burst needs them
_WRITERS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; a SQLite file's folder is made on the way."""
    url = make_url(database_url)
    # Errors must not carry SQL parameters into logs: they hold message text.
    kwargs.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # A burst of turns each makes a few short queries: enough connections that they do not queue.
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", 2 * POOL_SIZE)
    return create_async_engine(url, **kwargs)


async def warm(engine: AsyncEngine, connections: int = WARM_CONNECTIONS) -> None:
    """Open the pool's connections now, so the first burst of turns does not wait for connects."""

    async def one() -> None:
        async with engine.connect() as conn:
            await asyncio.sleep(0.01)  # held together, so the pool opens `connections`, not one reused
            del conn

    await asyncio.gather(*(one() for _ in range(connections)))


def dialect_insert(engine: AsyncEngine, table: Any) -> Any:
    """An INSERT in the engine's dialect: both offer ON CONFLICT and RETURNING."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (pg_insert if engine.dialect.name == "postgresql" else sqlite_insert)(table)


@asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A short write transaction (`engine.begin()`); on SQLite, queued behind the process's other
    writers instead of polling for SQLite's lock. Never nest one inside another."""
    lock = _WRITERS.get(engine.sync_engine)
    if lock is None:
        async with engine.begin() as conn:
            yield conn
        return
    async with lock, engine.begin() as conn:
        yield conn


def _tune_sqlite(engine: AsyncEngine) -> None:
    _WRITERS[engine.sync_engine] = asyncio.Lock()

    # WAL lets readers work while a turn writes; busy_timeout turns brief lock waits
    # into waits instead of "database is locked" errors; synchronous=NORMAL is WAL's
    # recommended pairing (no fsync per commit, still safe if the process crashes).
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout = 5000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()
