"""The knowledge index: sync documents from their sources into the store, and search them.

Sync is incremental: a document whose version (ETag, or mtime and size) is unchanged is skipped, a
changed one is re-chunked, and one its source no longer lists leaves the index. A source that fails
to list keeps its documents (and is reported) — an outage must not empty the knowledge base.
Documents are written in batches, one transaction each, and a version is stored only with its
chunks: a batch that fails to commit leaves its documents at their old versions, so the next sync
redoes whatever did not commit.

Chunks follow the document's structure: split by headings, then packed paragraph by paragraph into
passages of about 800–1,200 characters, each carrying its section's heading path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.agents.knowledge.chunking import chunk_document
from hard_e.agents.knowledge.passages import Passage
from hard_e.agents.knowledge.queries import query_terms, title_boost
from hard_e.integrations.document_sources import DocumentSource, SourceDocument, SourceError
from hard_e.integrations.documents import DocumentError, ParsedDocument, parse_document
from hard_e.store.knowledge_store import DocumentVersion, KnowledgeStore

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_TITLE = 300
# Re-ranking by title looks at a few times `limit` candidates.
CANDIDATES_PER_RESULT = 4
# A transaction per document spent most of a sync committing (benchmarks/kb_search.py). A batch closes
# at whichever limit comes first: larger batches made syncs no faster, only their transactions longer
# (tens of milliseconds here), and on SQLite a conversation's writes wait for them.
BATCH_DOCUMENTS = 50
BATCH_CHUNKS = 500


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (uri of a document or source, reason)
    seconds: float = 0.0

    def summary(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.removed} removed, {len(self.failed)} failed"


class KnowledgeIndex:
    """Full-text index of the knowledge base, kept in the store (SQLite FTS5 or PostgreSQL)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        concurrency: int = 8,
        batch_documents: int = BATCH_DOCUMENTS,
        batch_chunks: int = BATCH_CHUNKS,
    ) -> None:
        self._store = KnowledgeStore(engine)
        self._concurrency = concurrency
        self._batch_limits = (batch_documents, batch_chunks)
        self._write_lock = asyncio.Lock()  # one writer at a time: SQLite has only one anyway

    async def sync(self, sources: Sequence[DocumentSource]) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        indexed = await self._store.documents()
        listed: set[str] = set()  # every URI some source listed (the first source to list one owns it)
        unreachable: set[str] = set()  # sources that could not be listed: their documents stay
        work: list[tuple[DocumentSource, SourceDocument]] = []
        for source in sources:
            try:
                docs = await source.list()
            except Exception as exc:
                reason = _reason(exc)
                report.failed.append((source.uri, reason))
                unreachable.add(source.uri)
                log.warning("knowledge source %s could not be listed (%s); its indexed documents are kept", source.uri, reason)
                continue
            for doc in docs:
                if doc.uri in listed:
                    continue
                listed.add(doc.uri)
                known = indexed.get(doc.uri)
                if known is not None and known.version == doc.version and known.source == source.uri:
                    report.unchanged += 1
                else:
                    work.append((source, doc))

        limit = asyncio.Semaphore(self._concurrency)
        batches = _Batches(self._store, self._write_lock, report, *self._batch_limits)
        try:
            async with asyncio.TaskGroup() as group:
                for source, doc in work:
                    is_update = indexed.get(doc.uri) is not None
                    group.create_task(self._index(source, doc, is_update, report, limit, batches))
        except ExceptionGroup as errors:  # a store failure: surface it as itself
            raise errors.exceptions[0] from None
        await batches.flush()

        gone = [uri for uri, known in indexed.items() if uri not in listed and known.source not in unreachable]
        if gone:
            async with self._write_lock:
                report.removed = await self._store.remove(gone)
        report.seconds = time.perf_counter() - started
        log.debug("knowledge sync: %s in %.1fs", report.summary(), report.seconds)
        return report

    async def _index(
        self,
        source: DocumentSource,
        doc: SourceDocument,
        is_update: bool,
        report: SyncReport,
        limit: asyncio.Semaphore,
        batches: _Batches,
    ) -> None:
        async with limit:
            try:
                if doc.size > MAX_DOCUMENT_BYTES:
                    raise DocumentError(f"too large to index ({doc.size >> 20} MB; the limit is {MAX_DOCUMENT_BYTES >> 20} MB)")
                data = await source.read(doc)
                parsed, chunks = await asyncio.to_thread(_parse_and_chunk, doc.name, data)
            except (SourceError, DocumentError) as exc:
                report.failed.append((doc.uri, str(exc)))
                log.warning("knowledge document %s was not indexed: %s", doc.uri, exc)
                return
            except Exception as exc:  # a parser bug must not stop the sync; its message may quote content
                report.failed.append((doc.uri, f"could not be read ({type(exc).__name__})"))
                log.warning("knowledge document %s was not indexed: %s", doc.uri, type(exc).__name__)
                return
            # Still holding a reading slot: while a full batch waits to be written, reading pauses.
            await batches.add(
                DocumentVersion(
                    uri=doc.uri,
                    source=source.uri,
                    title=parsed.title[:MAX_TITLE],
                    version=doc.version,
                    size=doc.size,
                    chunks=chunks,
                ),
                is_update,
            )

    async def search(self, query: str, limit: int = 5) -> list[Passage]:
        """The passages that best match `query`, any user text (punctuation, quotes, AND, *…) welcome."""
        terms = query_terms(query)
        if not terms:
            return []
        limit = max(1, min(limit, 50))
        rows = await self._store.search(terms, limit * CANDIDATES_PER_RESULT)
        passages = [Passage(r.title, r.uri, r.heading, r.text, r.score * title_boost(terms, r.title), r.source) for r in rows]
        passages.sort(key=lambda p: p.score, reverse=True)  # stable: ties keep the store's order
        return passages[:limit]

    async def counts(self) -> tuple[int, int]:
        """(documents, chunks) currently indexed."""
        return await self._store.counts()


class _Batches:
    """Parsed documents on their way to the store, a batch per transaction.

    One batch is written while the next fills; a document that finds the next one full waits, so
    memory holds at most two batches and the documents being read. Documents count as added or
    updated once their batch has committed.
    """

    def __init__(self, store: KnowledgeStore, lock: asyncio.Lock, report: SyncReport, max_documents: int, max_chunks: int) -> None:
        self._store, self._lock, self._report = store, lock, report
        self._max_documents, self._max_chunks = max_documents, max_chunks
        self._pending: list[tuple[DocumentVersion, bool]] = []  # (document, is_update)
        self._chunks = 0

    async def add(self, document: DocumentVersion, is_update: bool) -> None:
        self._pending.append((document, is_update))
        self._chunks += len(document.chunks)
        if self._full():
            async with self._lock:
                if self._full():  # else the writer we waited for took it along
                    await self._write()

    async def flush(self) -> None:
        async with self._lock:
            await self._write()

    def _full(self) -> bool:
        return len(self._pending) >= self._max_documents or self._chunks >= self._max_chunks

    async def _write(self) -> None:
        batch, self._pending, self._chunks = self._pending, [], 0
        if not batch:
            return
        await self._store.replace([document for document, _ in batch])
        updated = sum(1 for _, is_update in batch if is_update)
        self._report.updated += updated
        self._report.added += len(batch) - updated


def _parse_and_chunk(name: str, data: bytes) -> tuple[ParsedDocument, list[tuple[str, str]]]:
    parsed = parse_document(name, data)
    return parsed, chunk_document(parsed)


def _reason(exc: Exception) -> str:
    if isinstance(exc, (SourceError, DocumentError)):
        return str(exc)
    return f"unexpected {type(exc).__name__}"
