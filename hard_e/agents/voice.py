"""A voice memo as text: sent whole when the service takes it, else cut at pauses and sent in pieces.

The clip is probed first (in a thread: PyAV blocks), so a damaged file raises `AudioUnreadable`
before anything is uploaded. A memo over the upload limit or longer than `max_chunk_seconds` is
written to a temporary directory, split into compact chunks (`integrations.audio.split_and_encode`),
transcribed a few chunks at a time, and the texts joined in clip order; the temporary files go when
it is done, whatever happens.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import tempfile
from pathlib import Path

from hard_e.agents.ports import Transcriber
from hard_e.integrations.audio import AudioChunk, join_transcripts, probe, split_and_encode

MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # OpenAI's transcription upload limit


def content_hash(audio: bytes) -> str:
    """The audio's SHA-256, hex: the same memo shared twice has the same hash."""
    return hashlib.sha256(audio).hexdigest()


async def transcribe_memo(
    audio: bytes,
    *,
    filename: str,
    transcriber: Transcriber,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    max_chunk_seconds: float = 600,
    concurrency: int = 3,
) -> str:
    """The memo's text. Raises `AudioUnreadable` for a clip that can't be decoded (before any upload)
    and whatever `transcriber` raises (`MediaUnavailable`)."""
    with tempfile.TemporaryDirectory(prefix="hard-e-memo-") as tmp:
        source = Path(tmp) / _safe_name(filename)
        await asyncio.to_thread(source.write_bytes, audio)
        info = await asyncio.to_thread(probe, source)
        if len(audio) <= max_upload_bytes and info.duration_seconds <= max_chunk_seconds:
            return await transcriber.transcribe(audio, filename=filename)
        out_dir = Path(tmp) / "chunks"
        out_dir.mkdir()
        # The defaults (2 s overlap, 20 s search window) need chunks over 24 s; a shorter limit (a test,
        # a service with a tighter cap) scales both down to keep the splitter's constraint.
        overlap, window = min(2.0, max_chunk_seconds / 10), min(20.0, max_chunk_seconds / 2)
        chunks = await asyncio.to_thread(
            functools.partial(
                split_and_encode,
                source,
                out_dir,
                max_chunk_seconds=max_chunk_seconds,
                overlap_seconds=overlap,
                search_window_seconds=window,
            )
        )
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(chunk: AudioChunk) -> tuple[AudioChunk, str]:
            async with gate:
                data = await asyncio.to_thread(chunk.path.read_bytes)
                return chunk, await transcriber.transcribe(data, filename=chunk.path.name)

        try:
            async with asyncio.TaskGroup() as group:  # one failure cancels the other chunks
                tasks = [group.create_task(one(chunk)) for chunk in chunks]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None  # callers handle `MediaUnavailable`, not a group
        return join_transcripts([task.result() for task in tasks])


def _safe_name(filename: str) -> str:
    # Keep only the extension from a user-supplied name: it tells the decoder the format, and a bare
    # name can't climb out of the temporary directory.
    suffix = Path(filename).suffix
    return "memo" + (suffix if suffix.isascii() and suffix[1:].isalnum() else "")
