"""Repositories: the only code that writes SQL for our own tables."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from hard_e.store.db import dialect_insert, writing
from hard_e.store.models import BotMessage, Conversation, ProcessedEvent, utcnow


def insert_ignoring_duplicates(engine: AsyncEngine, table: Any, values: dict[str, Any], keys: list[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO NOTHING: one row per key, whoever gets there first."""
    return dialect_insert(engine, table).values(**values).on_conflict_do_nothing(index_elements=keys)


LEDGER_BATCH = 500  # keys per statement, well inside SQLite's limit on bound parameters


class EventLedger:
    """Remembers which Slack messages were taken on, so retries and duplicates get one reply.

    Every event waits on this before anything is shown, so a burst of events (thirty reps asking at
    once) is written together: keys that arrive while a write is under way go in the next one, one
    INSERT … ON CONFLICT DO NOTHING RETURNING for all of them (group commit)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: dict[str, list[asyncio.Future[bool]]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def first_time(self, key: str) -> bool:
        """True exactly once per key, across every process sharing the database."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, []).append(future)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await asyncio.shield(future)  # a caller cancelled mid-write must not cancel the others' write

    async def _write(self) -> None:
        while self._pending:
            # In key order: two processes writing overlapping keys then wait for each other in the same
            # order, never in a cycle (PostgreSQL would abort one batch as a deadlock).
            keys = sorted(self._pending)[:LEDGER_BATCH]
            batch = {key: self._pending.pop(key) for key in keys}
            now = utcnow()
            stmt = dialect_insert(self._engine, ProcessedEvent).values([{"key": key, "received_at": now} for key in batch])
            stmt = stmt.on_conflict_do_nothing(index_elements=["key"]).returning(ProcessedEvent.key)
            try:
                async with writing(self._engine) as conn:
                    new = set((await conn.execute(stmt)).scalars())
            except BaseException as exc:
                for futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc if isinstance(exc, Exception) else asyncio.CancelledError())
                if not isinstance(exc, Exception):
                    raise
                continue
            for key, futures in batch.items():
                for index, future in enumerate(futures):
                    if not future.done():
                        future.set_result(key in new and index == 0)  # a key twice in one batch: its first caller

    async def prune(self, older_than: timedelta = timedelta(days=7)) -> int:
        async with writing(self._engine) as conn:
            result = await conn.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < utcnow() - older_than))
        return result.rowcount or 0


class ConversationStore:
    """Conversations and the messages Hard-E posted in them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get(self, key: str) -> Conversation | None:
        async with self._sessions() as session:
            return await session.get(Conversation, key)

    async def exists(self, key: str) -> bool:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(Conversation.key).where(Conversation.key == key))
            return found.first() is not None

    async def ensure(self, *, key: str, team_id: str, channel_id: str, thread_ts: str, channel_type: str, user_id: str | None) -> None:
        """Create the conversation if new; otherwise mark it active now."""
        now = utcnow()
        stmt = dialect_insert(self._engine, Conversation).values(
            key=key,
            team_id=team_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            channel_type=channel_type,
            user_id=user_id,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"updated_at": now})
        async with writing(self._engine) as conn:
            await conn.execute(stmt)

    async def save_workflow(self, key: str, *, active_workflow: str | None, last_agent: str | None, state: dict[str, Any] | None) -> None:
        async with writing(self._engine) as conn:
            await conn.execute(
                update(Conversation)
                .where(Conversation.key == key)
                .values(active_workflow=active_workflow, last_agent=last_agent, workflow_state=state, updated_at=utcnow())
            )

    async def record_message(
        self, *, conversation_key: str, channel_id: str, ts: str, kind: str, conversation: dict[str, str | None] | None = None
    ) -> None:
        """Remember a message Hard-E posted. `conversation` (team_id, thread_ts, channel_type, user_id)
        creates its conversation first when that is not there yet: an acknowledgement goes up before
        the turn's own `ensure` has been written."""
        stmt = dialect_insert(self._engine, BotMessage).values(
            conversation_key=conversation_key, channel_id=channel_id, ts=ts, kind=kind, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(index_elements=["channel_id", "ts"], set_={"kind": kind})
        async with writing(self._engine) as conn:
            if conversation is not None:
                now = utcnow()
                new = dialect_insert(self._engine, Conversation).values(
                    key=conversation_key, channel_id=channel_id, created_at=now, updated_at=now, **conversation
                )
                await conn.execute(new.on_conflict_do_nothing(index_elements=["key"]))
            await conn.execute(stmt)

    async def stale_placeholders(self, older_than: timedelta, limit: int = 50) -> list[BotMessage]:
        """Placeholders whose turn should long have ended (its process died mid-answer)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(BotMessage)
                .where(BotMessage.kind == "placeholder", BotMessage.created_at < utcnow() - older_than)
                .order_by(BotMessage.id)
                .limit(limit)
            )
            return list(rows)

    async def claim(self, message_id: int, *, from_kind: str, to_kind: str) -> bool:
        """Change a message's kind if nobody else has; True for the one caller that did."""
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(BotMessage).where(BotMessage.id == message_id, BotMessage.kind == from_kind).values(kind=to_kind)
            )
        return result.rowcount == 1

    async def messages(self, conversation_key: str) -> list[BotMessage]:
        async with self._sessions() as session:
            rows = await session.scalars(select(BotMessage).where(BotMessage.conversation_key == conversation_key).order_by(BotMessage.id))
            return list(rows)
