"""The knowledge base: documents from their sources, chunked into passages, indexed in the store and
searched by a rep's question (`KnowledgeIndex`)."""

from hard_e.agents.knowledge.chunking import chunk_document
from hard_e.agents.knowledge.index import KnowledgeIndex, SyncReport
from hard_e.agents.knowledge.passages import Passage
from hard_e.agents.knowledge.queries import query_terms

__all__ = ["KnowledgeIndex", "Passage", "SyncReport", "chunk_document", "query_terms"]
