"""Locks that hold across processes on PostgreSQL, and within the process on SQLite.

`TurnLocks`: one turn at a time per conversation, so a thread's history and workflow state stay in
order. Within a process an asyncio lock per conversation key queues the turns. On PostgreSQL a
session advisory lock keyed by the conversation extends that across every Hard-E process sharing
the database; a process keeps all its turn locks on one connection of its own (outside the engine's
pool, so turns waiting for each other never starve the queries they make, and connections do not
grow with turns in flight), and they die with it if the process does. SQLite is one process's
embedded store, so the in-process lock is the whole story there.

`exclusive`: one run at a time of a housekeeping job (a knowledge sync, a transcript load), so a
web process starting up, the clock and an admin's command never load the same files at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from hard_e.errors import StoreBusy

log = logging.getLogger(__name__)


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: defaultdict[str, int] = defaultdict(int)

    def busy(self, key: str) -> bool:
        return key in self._locks and self._locks[key].locked()

    @asynccontextmanager
    async def hold(self, key: str, *, wait: float | None = None) -> AsyncIterator[None]:
        """Hold `key`'s lock; waiting longer than `wait` seconds for it raises TimeoutError."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with asyncio.timeout(wait):
                await lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


def advisory_key(name: str, namespace: bytes = b"turn") -> int:
    """A stable signed 64-bit id for `pg_advisory_lock` (a collision only serializes two keys)."""
    digest = hashlib.blake2b(b"hard-e:" + namespace + b":" + name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_JOBS = KeyedLocks()


@asynccontextmanager
async def exclusive(engine: AsyncEngine, job: str, *, wait: bool) -> AsyncIterator[bool]:
    """Run a job alone: yields True while no other run of `job` is going on anywhere.

    With `wait=False` a run already going on elsewhere yields False at once (the caller skips);
    with `wait=True` this waits for it (an admin's command). SQLite: this process's runs only.
    """
    if engine.dialect.name != "postgresql":
        if not wait and _JOBS.busy(job):
            yield False
            return
        async with _JOBS.hold(job):
            yield True
        return
    lock_id = advisory_key(job, b"job")
    lock_engine = create_async_engine(engine.url, poolclass=NullPool, hide_parameters=True)
    try:
        async with lock_engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            function = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            got = (await conn.execute(text(f"SELECT {function}(:id)"), {"id": lock_id})).scalar()
            if got is False:
                yield False
                return
            try:
                yield True
            finally:
                await _unlock(conn, lock_id)
    finally:
        await lock_engine.dispose()


class TurnLocks:
    """`async with locks.hold(key):` runs the block while no other turn of `key` runs, anywhere.

    `wait` bounds how long a turn queues behind others (seconds); past it the user is told the
    thread is busy (`StoreBusy`) instead of waiting forever.

    On PostgreSQL every advisory lock of the process sits on one connection of its own, so the
    connections Hard-E uses do not grow with the number of turns in flight. Turns of one thread
    queue in process first; only the one at the head asks PostgreSQL, with `pg_try_advisory_lock`
    retried every POLL_* seconds while another process holds the thread. If that connection drops,
    PostgreSQL releases its locks; the next turn opens a new one.
    """

    POLL_FIRST, POLL_MAX = 0.05, 0.25

    def __init__(self, engine: AsyncEngine | None = None, *, wait: float = 180.0) -> None:
        self._local = KeyedLocks()
        self._wait = wait
        self._lock_engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._conn_guard = asyncio.Lock()  # one statement at a time on the shared connection
        if engine is not None and engine.dialect.name == "postgresql":
            self._lock_engine = create_async_engine(engine.url, poolclass=NullPool, hide_parameters=True)

    @property
    def cross_process(self) -> bool:
        return self._lock_engine is not None

    @asynccontextmanager
    async def hold(self, key: str, *, on_wait: Callable[[], Awaitable[None]] | None = None) -> AsyncIterator[None]:
        """Hold `key`'s turn. `on_wait` is awaited once if the turn has to queue behind another."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait
        queued = True
        told = False

        async def waiting() -> None:
            nonlocal told
            if on_wait is not None and not told:
                told = True
                await on_wait()

        try:
            if self._local.busy(key):
                await waiting()
            async with self._local.hold(key, wait=self._wait):
                if self._lock_engine is None:
                    queued = False
                    yield
                    return
                lock_id = advisory_key(key)
                await self._acquire(lock_id, deadline, waiting)
                queued = False
                try:
                    yield
                finally:
                    await self._release(lock_id)
        except TimeoutError:
            if not queued:
                raise  # the turn itself timed out
            log.warning("turn lock wait expired")
            raise StoreBusy("turn lock wait expired") from None

    async def _acquire(self, lock_id: int, deadline: float, waiting: Callable[[], Awaitable[None]]) -> None:
        """Take the advisory lock, polling while another process holds it (`waiting` is told);
        TimeoutError past `deadline`."""
        loop = asyncio.get_running_loop()
        pause = self.POLL_FIRST
        while True:
            attempt = asyncio.ensure_future(self._scalar("SELECT pg_try_advisory_lock(:id)", lock_id))
            try:
                taken = await asyncio.shield(attempt)  # a cancelled turn must not leave a lock behind
            except asyncio.CancelledError:
                attempt.add_done_callback(lambda done: self._undo(done, lock_id))
                raise
            if taken:
                return
            if loop.time() + pause > deadline:
                raise TimeoutError
            await waiting()
            await asyncio.sleep(pause)
            pause = min(pause * 2, self.POLL_MAX)

    def _undo(self, attempt: asyncio.Future[Any], lock_id: int) -> None:
        if not attempt.cancelled() and attempt.exception() is None and attempt.result():
            asyncio.ensure_future(self._release(lock_id))

    async def _release(self, lock_id: int) -> None:
        try:
            await asyncio.shield(self._scalar("SELECT pg_advisory_unlock(:id)", lock_id))
        except Exception as exc:  # a lost connection has released it already
            log.warning("turn lock release failed: %s", type(exc).__name__)

    async def _scalar(self, sql: str, lock_id: int) -> Any:
        async with self._conn_guard:
            while True:
                fresh = self._conn is None
                if self._conn is None:
                    assert self._lock_engine is not None  # only PostgreSQL takes advisory locks
                    conn = await self._lock_engine.connect()
                    # Autocommit: session locks, and no transaction left open while turns run.
                    self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                try:
                    return (await self._conn.execute(text(sql), {"id": lock_id})).scalar()
                except BaseException:
                    broken, self._conn = self._conn, None
                    await asyncio.shield(_close_quietly(broken))
                    if fresh:
                        raise
                    # An idle connection the server dropped: once more on a new one.

    async def aclose(self) -> None:
        async with self._conn_guard:
            if self._conn is not None:
                await _close_quietly(self._conn)
                self._conn = None
        if self._lock_engine is not None:
            await self._lock_engine.dispose()


async def _close_quietly(conn: AsyncConnection) -> None:
    try:
        await conn.close()
    except Exception:  # already broken
        pass


async def _unlock(conn: AsyncConnection, lock_id: int) -> None:
    # Closing the connection would release the lock too; unlocking first keeps that prompt.
    try:
        await asyncio.shield(conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id}))
    except Exception as exc:  # the connection is going away either way
        log.warning("advisory lock release failed: %s", type(exc).__name__)
