"""Call transcripts: distilled sales calls, their objections and the techniques used.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transcript_calls",
        sa.Column("call_id", sa.String(32), primary_key=True),
        sa.Column("source_uri", sa.Text(), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("branch", sa.String(64), nullable=False),
        sa.Column("rep", sa.String(200), nullable=False),
        sa.Column("trade", sa.String(16), nullable=False),
        sa.Column("call_type", sa.String(32), nullable=False),
        sa.Column("lead_source", sa.String(32), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("lost_reason", sa.String(32), nullable=True),
        sa.Column("deal_value", sa.BigInteger(), nullable=False),
        sa.Column("sentiment", sa.String(16), nullable=False),
        sa.Column("quote_summary", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_transcript_calls_source_uri", "transcript_calls", ["source_uri"], unique=True)
    op.create_index("ix_transcript_calls_outcome", "transcript_calls", ["outcome"])
    op.create_table(
        "transcript_objections",
        sa.Column(
            "call_id", sa.String(32), sa.ForeignKey("transcript_calls.call_id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("handled_how", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_transcript_objections_type", "transcript_objections", ["type"])
    op.create_table(
        "transcript_techniques",
        sa.Column(
            "call_id", sa.String(32), sa.ForeignKey("transcript_calls.call_id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("technique", sa.String(32), primary_key=True),
    )
    op.create_index("ix_transcript_techniques_technique", "transcript_techniques", ["technique"])


def downgrade() -> None:
    op.drop_index("ix_transcript_techniques_technique", table_name="transcript_techniques")
    op.drop_table("transcript_techniques")
    op.drop_index("ix_transcript_objections_type", table_name="transcript_objections")
    op.drop_table("transcript_objections")
    op.drop_index("ix_transcript_calls_outcome", table_name="transcript_calls")
    op.drop_index("ix_transcript_calls_source_uri", table_name="transcript_calls")
    op.drop_table("transcript_calls")
