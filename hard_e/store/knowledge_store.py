"""The knowledge index's SQL: documents, chunks, and full-text search on either backend.

SQLite ranks with FTS5's bm25 (heading column weighted twice the text); PostgreSQL with ts_rank_cd
over the generated tsvector (heading weight A, text B). Both take the same OR-joined query terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.store.db import writing
from hard_e.store.models import KbChunk, KbDocument, utcnow

# Bound parameters per statement stay well under SQLite's limit when deleting by URI.
_DELETE_BATCH = 500

# The best rows are picked inside the FTS table first, so only `limit` chunks and documents are
# joined: joining every match before sorting made searches 1.5–1.7× slower at 10,000 chunks (benchmarks/kb_search.py).
_SQLITE_SEARCH = text(
    """
    SELECT d.title, d.uri, d.source, c.heading, c.text, -best.bm25_rank AS score
    FROM (
        SELECT rowid, bm25(kb_chunks_fts, 2.0, 1.0) AS bm25_rank
        FROM kb_chunks_fts
        WHERE kb_chunks_fts MATCH :query
        ORDER BY bm25_rank, rowid
        LIMIT :limit
    ) AS best
    JOIN kb_chunks AS c ON c.id = best.rowid
    JOIN kb_documents AS d ON d.uri = c.document_uri
    ORDER BY best.bm25_rank, c.id
    """
)

# Normalization 1 divides by 1 + log(length), so a long chunk doesn't win by size alone.
_POSTGRES_SEARCH = text(
    """
    SELECT d.title, d.uri, d.source, c.heading, c.text, ts_rank_cd(c.search, q, 1) AS score
    FROM kb_chunks AS c
    JOIN kb_documents AS d ON d.uri = c.document_uri
    CROSS JOIN websearch_to_tsquery('english', :query) AS q
    WHERE c.search @@ q
    ORDER BY score DESC, c.id
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class IndexedDocument:
    uri: str
    source: str
    version: str


@dataclass(frozen=True)
class DocumentVersion:
    """A document's version ready to index: its row, and its (heading path, text) chunks in order."""

    uri: str
    source: str
    title: str
    version: str
    size: int
    chunks: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class ChunkRow:
    title: str
    uri: str
    source: str
    heading: str
    text: str
    score: float


class KnowledgeStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def documents(self) -> dict[str, IndexedDocument]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(KbDocument.uri, KbDocument.source, KbDocument.version))
            return {row.uri: IndexedDocument(row.uri, row.source, row.version) for row in rows}

    async def replace(self, documents: Sequence[DocumentVersion]) -> None:
        """Index new versions of `documents` (each URI once): their rows upserted and their chunks
        replaced, all in one transaction, so a failure leaves every one of them as it was."""
        if not documents:
            return
        synced_at = utcnow()
        rows = [dict(uri=d.uri, source=d.source, title=d.title, version=d.version, size=d.size, synced_at=synced_at) for d in documents]
        chunks = [
            {"document_uri": d.uri, "ordinal": n, "heading": heading, "text": body}
            for d in documents
            for n, (heading, body) in enumerate(d.chunks)
        ]
        uris = [d.uri for d in documents]
        new_row = (pg_insert if self.dialect == "postgresql" else sqlite_insert)(KbDocument)
        upsert = new_row.on_conflict_do_update(
            index_elements=["uri"], set_={name: new_row.excluded[name] for name in rows[0] if name != "uri"}
        )
        async with writing(self._engine) as conn:
            await conn.execute(upsert, rows)
            for start in range(0, len(uris), _DELETE_BATCH):
                await conn.execute(delete(KbChunk).where(KbChunk.document_uri.in_(uris[start : start + _DELETE_BATCH])))
            if chunks:
                await conn.execute(insert(KbChunk), chunks)

    async def remove(self, uris: Sequence[str]) -> int:
        """Drop documents and (by cascade, and the FTS triggers on SQLite) their chunks."""
        removed = 0
        async with writing(self._engine) as conn:
            for start in range(0, len(uris), _DELETE_BATCH):
                batch = list(uris[start : start + _DELETE_BATCH])
                # Chunks first and explicitly: the result must not depend on foreign keys being enforced.
                await conn.execute(delete(KbChunk).where(KbChunk.document_uri.in_(batch)))
                result = await conn.execute(delete(KbDocument).where(KbDocument.uri.in_(batch)))
                removed += result.rowcount or 0
        return removed

    async def search(self, terms: Sequence[str], limit: int) -> list[ChunkRow]:
        """Chunks matching any of `terms` (plain words, already cleaned), best first."""
        if not terms or limit <= 0:
            return []
        if self.dialect == "postgresql":
            statement, query = _POSTGRES_SEARCH, " or ".join(terms)
        else:
            statement, query = _SQLITE_SEARCH, " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        async with self._engine.connect() as conn:
            rows = await conn.execute(statement, {"query": query, "limit": limit})
            return [ChunkRow(r.title, r.uri, r.source, r.heading, r.text, float(r.score)) for r in rows]

    async def counts(self) -> tuple[int, int]:
        """(documents, chunks) in the index."""
        async with self._engine.connect() as conn:
            documents = await conn.scalar(select(func.count()).select_from(KbDocument))
            chunks = await conn.scalar(select(func.count()).select_from(KbChunk))
        return int(documents or 0), int(chunks or 0)
