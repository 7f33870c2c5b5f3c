"""Knowledge base: indexed documents, their chunks, and full-text search over the chunks.

SQLite: an FTS5 table over kb_chunks (external content, kept in step by triggers; Porter stemming).
PostgreSQL: a generated tsvector column (english; heading weighted A, text B) with a GIN index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE kb_chunks_fts USING fts5("
    "heading, text, content='kb_chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER kb_chunks_fts_insert AFTER INSERT ON kb_chunks BEGIN "
    "INSERT INTO kb_chunks_fts(rowid, heading, text) VALUES (new.id, new.heading, new.text); END",
    "CREATE TRIGGER kb_chunks_fts_delete AFTER DELETE ON kb_chunks BEGIN "
    "INSERT INTO kb_chunks_fts(kb_chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text); END",
    "CREATE TRIGGER kb_chunks_fts_update AFTER UPDATE ON kb_chunks BEGIN "
    "INSERT INTO kb_chunks_fts(kb_chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text); "
    "INSERT INTO kb_chunks_fts(rowid, heading, text) VALUES (new.id, new.heading, new.text); END",
]

POSTGRES_SEARCH = [
    "ALTER TABLE kb_chunks ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', heading), 'A') || setweight(to_tsvector('english', text), 'B')) STORED",
    "CREATE INDEX ix_kb_chunks_search ON kb_chunks USING gin (search)",
]


def upgrade() -> None:
    op.create_table(
        "kb_documents",
        sa.Column("uri", sa.Text(), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_documents_source", "kb_documents", ["source"])
    op.create_table(
        "kb_chunks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_uri", sa.Text(), sa.ForeignKey("kb_documents.uri", ondelete="CASCADE"), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_kb_chunks_document_uri", "kb_chunks", ["document_uri"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("kb_chunks_fts_update", "kb_chunks_fts_delete", "kb_chunks_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS kb_chunks_fts")
    op.drop_index("ix_kb_chunks_document_uri", table_name="kb_chunks")
    op.drop_table("kb_chunks")  # on PostgreSQL its search column and GIN index go with it
    op.drop_index("ix_kb_documents_source", table_name="kb_documents")
    op.drop_table("kb_documents")
