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
import re
import time
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.integrations.documents import DocumentError, ParsedDocument, parse_document
from hard_e.integrations.knowledge_sources import KnowledgeSource, SourceDocument, SourceError
from hard_e.store.knowledge_store import DocumentVersion, KnowledgeStore

log = logging.getLogger(__name__)

CHUNK_MIN = 800
CHUNK_MAX = 1200
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_TITLE = 300
MAX_QUERY_TERMS = 24
# A passage whose document title holds every query word scores up to twice as high: the title says
# what the whole document is about. Re-ranking looks at a few times `limit` candidates.
TITLE_BOOST = 1.0
CANDIDATES_PER_RESULT = 4
HEADING_SEPARATOR = " > "
# A transaction per document spent most of a sync committing (benchmarks/kb_search.py). A batch closes
# at whichever limit comes first: larger batches made syncs no faster, only their transactions longer
# (tens of milliseconds here), and on SQLite a conversation's writes wait for them.
BATCH_DOCUMENTS = 50
BATCH_CHUNKS = 500


@dataclass(frozen=True)
class Passage:
    title: str
    uri: str  # path, or s3://bucket/key
    heading: str  # the section's heading path, e.g. "Warranty Policy > Transfers"
    text: str
    score: float  # higher is better; comparable within one search only
    source: str = ""  # the source it came from: a folder's path, or s3://bucket/prefix

    @property
    def location(self) -> str:
        """Where the document lives, as a rep would recognise it: its S3 URI (bucket and key), or its
        path within the knowledge folder (the server's own directories are nobody's business in Slack)."""
        if self.uri.startswith("s3://") or not self.source:
            return self.uri
        try:
            return PurePath(self.uri).relative_to(self.source).as_posix()
        except ValueError:
            return self.uri

    @property
    def citation(self) -> str:
        return f"{self.title} ({self.location})"


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (uri of a document or source, reason)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.failed)} failed"
        )


class KnowledgeIndex:
    """Full-text index of the knowledge base, kept in the store (SQLite FTS5 or PostgreSQL)."""

    def __init__(
        self, engine: AsyncEngine, *, concurrency: int = 8, batch_documents: int = BATCH_DOCUMENTS,
        batch_chunks: int = BATCH_CHUNKS,
    ) -> None:
        self._store = KnowledgeStore(engine)
        self._concurrency = concurrency
        self._batch_limits = (batch_documents, batch_chunks)
        self._write_lock = asyncio.Lock()  # one writer at a time: SQLite has only one anyway

    async def sync(self, sources: Sequence[KnowledgeSource]) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        indexed = await self._store.documents()
        listed: set[str] = set()  # every URI some source listed (the first source to list one owns it)
        unreachable: set[str] = set()  # sources that could not be listed: their documents stay
        work: list[tuple[KnowledgeSource, SourceDocument]] = []
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
        self, source: KnowledgeSource, doc: SourceDocument, is_update: bool, report: SyncReport,
        limit: asyncio.Semaphore, batches: _Batches,
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
                    uri=doc.uri, source=source.uri, title=parsed.title[:MAX_TITLE], version=doc.version,
                    size=doc.size, chunks=chunks,
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
        passages = [Passage(r.title, r.uri, r.heading, r.text, r.score * _title_boost(terms, r.title), r.source) for r in rows]
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

    def __init__(
        self, store: KnowledgeStore, lock: asyncio.Lock, report: SyncReport, max_documents: int, max_chunks: int
    ) -> None:
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


# --- Queries ----------------------------------------------------------------------------------

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not of off on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t d ll m re ve don doesn didn isn aren wasn weren won wouldn shouldn couldn
    hey hi hello please thanks thank tell know us
    """.split()
)
_WORD = re.compile(r"[^\W_]+")


def query_terms(query: str) -> list[str]:
    """The searchable words of a user's query: lower-cased, stopwords dropped, no search syntax left."""
    terms: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()) or word in terms:
            continue
        terms.append(word)
        if len(terms) == MAX_QUERY_TERMS:
            break
    return terms


def _title_boost(terms: list[str], title: str) -> float:
    words = _WORD.findall(title.lower())
    matched = sum(1 for term in terms if any(_same_word(term, word) for word in words))
    return 1.0 + TITLE_BOOST * matched / len(terms)


def _same_word(a: str, b: str) -> bool:
    """Equal, or the same stem near enough (warranty/warranties, price/pricing, roof/roofing)."""
    if a == b:
        return True
    shared = 0
    for x, y in zip(a, b):
        if x != y:
            break
        shared += 1
    return shared >= max(4, min(len(a), len(b)) - 2)


# --- Chunking ---------------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class _Piece:
    path: tuple[str, ...]  # heading path, the document's title first
    text: str
    merged: tuple[str, ...] = ()  # when short sections were joined: their names, one level below `path`

    @property
    def heading(self) -> str:
        names = self.path + ((" / ".join(self.merged),) if self.merged else ())
        return HEADING_SEPARATOR.join(names)


def chunk_document(doc: ParsedDocument) -> list[tuple[str, str]]:
    """(heading path, text) passages of `doc`, in document order."""
    pieces = [
        _Piece(path, text)
        for path, body in _sections(doc.title, doc.text)
        for text in _pack(_paragraphs(body))
    ]
    return [(p.heading, p.text) for p in _merge_small(pieces)]


def _sections(title: str, text: str) -> list[tuple[tuple[str, ...], str]]:
    """Split at Markdown headings (not inside code fences); each body gets its heading path."""
    sections: list[tuple[tuple[str, ...], str]] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def close() -> None:
        body = "\n".join(lines).strip()
        if body:
            names = tuple(name for _, name in stack)
            sections.append((names if names[:1] == (title,) else (title, *names), body))
        lines.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        close()
        level = len(match.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, match.group(2).strip()))
    close()
    return sections


def _paragraphs(body: str) -> list[str]:
    """Blank-line separated blocks, each cut to fit a chunk (at lines, then sentences, then words)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if block:
            out.extend(_fit(block))
    return out


def _fit(block: str) -> list[str]:
    if len(block) <= CHUNK_MAX:
        return [block]
    for splitter in (re.compile(r"\n"), _SENTENCE_END):
        parts = [p.strip() for p in splitter.split(block) if p.strip()]
        if len(parts) > 1:
            joiner = "\n" if splitter.pattern == r"\n" else " "
            return _pack([piece for part in parts for piece in _fit(part)], joiner)
    words, pieces, current = block.split(), [], ""
    for word in words:
        while len(word) > CHUNK_MAX:  # one enormous "word": cut it
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:CHUNK_MAX])
            word = word[CHUNK_MAX:]
        if current and len(current) + 1 + len(word) > CHUNK_MAX:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces


def _pack(parts: list[str], joiner: str = "\n\n") -> list[str]:
    """Greedily join parts into chunks of at most CHUNK_MAX characters."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(joiner) + len(part) > CHUNK_MAX:
            chunks.append(current)
            current = part
        else:
            current = f"{current}{joiner}{part}" if current else part
    if current:
        chunks.append(current)
    return chunks


def _merge_small(pieces: list[_Piece]) -> list[_Piece]:
    """Join a short passage with the next one when both fit; their sub-headings move into the text."""
    out: list[_Piece] = []
    for piece in pieces:
        if out and len(out[-1].text) < CHUNK_MIN:
            previous = out[-1]
            common = _common_prefix(previous.path, piece.path)
            merged = f"{_with_headings(previous, common)}\n\n{_with_headings(piece, common)}"
            if common and len(merged) <= CHUNK_MAX:
                names = dict.fromkeys(_children(previous, common) + _children(piece, common))
                out[-1] = _Piece(common, merged, tuple(names))
                continue
        out.append(piece)
    return out


def _children(piece: _Piece, common: tuple[str, ...]) -> tuple[str, ...]:
    """The sections directly below `common` that `piece` holds text from."""
    return (piece.path[len(common)],) if len(piece.path) > len(common) else piece.merged


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _with_headings(piece: _Piece, common: tuple[str, ...]) -> str:
    lines = ["#" * min(depth + 1, 6) + " " + name for depth, name in enumerate(piece.path) if depth >= len(common)]
    return "\n".join([*lines, piece.text])
