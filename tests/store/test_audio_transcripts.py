"""The voice-memo transcript cache on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from hard_e.agents.voice import content_hash
from hard_e.errors import StoreUnavailable
from hard_e.store.audio_transcripts import AudioTranscripts

MEMO = b"OggS memo bytes"


async def test_a_stored_transcript_is_found_by_file_and_by_hash(engine):
    cache = AudioTranscripts(engine)
    assert await cache.get("T1:F1") is None

    await cache.put("T1:F1", content_hash(MEMO), "Met the Hendersons.")

    assert await cache.get("T1:F1") == "Met the Hendersons."
    assert await cache.find_by_hash(content_hash(MEMO)) == "Met the Hendersons."
    assert await cache.find_by_hash(content_hash(b"another memo")) is None
    assert await cache.get("T2:F1") is None  # file ids are per team


async def test_the_first_writer_wins(engine):
    cache = AudioTranscripts(engine)
    await asyncio.gather(*(cache.put("T1:F1", content_hash(MEMO), f"take {n}") for n in range(5)))
    first = await cache.get("T1:F1")
    assert first in {f"take {n}" for n in range(5)}

    await cache.put("T1:F1", content_hash(MEMO), "a later transcript")

    assert await cache.get("T1:F1") == first


async def test_a_transcript_without_a_hash_is_kept_by_file(engine):
    cache = AudioTranscripts(engine)
    await cache.put("T1:F2", None, "No hash for this one.")
    assert await cache.get("T1:F2") == "No hash for this one."


async def test_a_broken_database_raises_store_unavailable(engine):
    cache = AudioTranscripts(engine)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DROP TABLE audio_transcripts")
    with pytest.raises(StoreUnavailable):
        await cache.get("T1:F1")
    with pytest.raises(StoreUnavailable):
        await cache.find_by_hash(content_hash(MEMO))
    with pytest.raises(StoreUnavailable):
        await cache.put("T1:F1", content_hash(MEMO), "text")
