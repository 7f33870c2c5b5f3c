"""Loading distilled call transcripts into the tables, each file checked against the schema first.

A file that breaks the schema is skipped with its reason and counted. Loading is incremental: a
file whose version (ETag, or mtime and size) is unchanged is not read again, a changed one replaces
its call, and the calls of files the source no longer lists are removed. A changed file that cannot be read or is now malformed keeps its
previously loaded version (a half-written upload must not drop a call); a source that cannot be
listed changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.agents.transcripts.schema import MAX_TRANSCRIPT_BYTES, TranscriptError, parse_transcript
from hard_e.integrations.document_sources import DocumentSource, SourceDocument, SourceError
from hard_e.store.transcript_store import CallRecord, TranscriptStore

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    loaded: int = 0  # new or changed files stored
    unchanged: int = 0
    removed: int = 0  # calls whose file is gone from the source
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file uri, reason)
    calls: int = 0  # calls in the tables after the load
    seconds: float = 0.0

    def summary(self) -> str:
        return f"{self.loaded} loaded, {self.unchanged} unchanged, {self.removed} removed, {len(self.skipped)} skipped"


async def load_transcripts(source: DocumentSource, engine: AsyncEngine, *, concurrency: int = 8) -> LoadReport:
    """Bring the transcript tables in line with `source`. Raises SourceError when it cannot be listed."""
    started = time.perf_counter()
    store = TranscriptStore(engine)
    report = LoadReport()
    docs = sorted(await source.list(), key=lambda d: d.uri)
    stored = await store.stored()
    listed = {doc.uri for doc in docs}
    # Which file holds each call id: unchanged and kept files first, they are in the tables already.
    owner = {call.call_id: uri for uri, call in stored.items() if uri in listed}
    changed = [doc for doc in docs if stored.get(doc.uri) is None or stored[doc.uri].version != doc.version]
    report.unchanged = len(docs) - len(changed)

    limit = asyncio.Semaphore(concurrency)
    results = await asyncio.gather(*(_read_and_parse(source, doc, limit) for doc in changed))
    put: list[tuple[str, str, CallRecord]] = []
    for doc, result in zip(changed, results, strict=True):
        previous = stored.get(doc.uri)
        if isinstance(result, CallRecord):
            holder = owner.get(result.call_id, doc.uri)
            if holder == doc.uri:
                put.append((doc.uri, doc.version, result))
                if previous is not None:
                    owner.pop(previous.call_id, None)
                owner[result.call_id] = doc.uri
                continue
            reason = f"call_id {result.call_id} is already loaded from {holder}"
        else:
            reason = result
        if previous is not None:
            reason += "; its previously loaded version is kept"
        report.skipped.append((doc.uri, reason))
        log.warning("transcript %s skipped: %s", doc.uri, reason)

    gone = [uri for uri in stored if uri not in listed]
    await store.apply(remove=gone, put=put)
    report.loaded, report.removed = len(put), len(gone)
    report.calls = (await store.overview()).calls
    report.seconds = time.perf_counter() - started
    log.debug("transcripts load from %s: %s in %.1fs", source.uri, report.summary(), report.seconds)
    return report


async def _read_and_parse(source: DocumentSource, doc: SourceDocument, limit: asyncio.Semaphore) -> CallRecord | str:
    """The file's call, or the reason it is skipped."""
    if doc.size > MAX_TRANSCRIPT_BYTES:
        return f"too large ({doc.size} bytes; the limit is {MAX_TRANSCRIPT_BYTES})"
    async with limit:
        try:
            data = await source.read(doc)
        except SourceError as exc:
            return str(exc)
    try:
        return await asyncio.to_thread(parse_transcript, doc.name, data)
    except TranscriptError as exc:
        return str(exc)
    except Exception as exc:  # a bug here must not stop the load; its message may quote content
        return f"could not be read ({type(exc).__name__})"
