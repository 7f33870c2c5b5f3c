"""Voice-memo transcripts, cached: by Slack file ("team:file_id") and by the audio's SHA-256.

`put` is one unique-key insert: when two processes transcribe the same file at once, the first
row written stays and the second write does nothing. Every database failure raises `StoreUnavailable`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.errors import StoreUnavailable
from hard_e.store.errors import STORE_ERRORS, execute_counted
from hard_e.store.models import AudioTranscript, utcnow
from hard_e.store.repositories import insert_ignoring_duplicates


class AudioTranscripts:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, file_key: str) -> str | None:
        """The transcript stored for this file, or None."""
        return await self._first(select(AudioTranscript.text).where(AudioTranscript.file_key == file_key))

    async def find_by_hash(self, content_hash: str) -> str | None:
        """A transcript of the same audio under any file key (the oldest), or None."""
        stmt = (
            select(AudioTranscript.text)
            .where(AudioTranscript.content_hash == content_hash)
            .order_by(AudioTranscript.created_at, AudioTranscript.file_key)
            .limit(1)
        )
        return await self._first(stmt)

    async def put(self, file_key: str, content_hash: str | None, text: str) -> None:
        """Store a transcript; when `file_key` has one already, it is kept (the first writer wins)."""
        values = {"file_key": file_key, "content_hash": content_hash, "text": text, "created_at": utcnow()}
        await execute_counted(self._engine, insert_ignoring_duplicates(self._engine, AudioTranscript, values, ["file_key"]))

    async def _first(self, stmt: Any) -> str | None:
        try:
            async with self._engine.connect() as conn:
                found = (await conn.execute(stmt)).scalar_one_or_none()
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return str(found) if found is not None else None
