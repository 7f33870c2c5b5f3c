"""Voice-memo transcripts, kept so a memo shared again (or a retried event) is not transcribed twice:
keyed by the Slack file ("team:file_id"), findable by the audio's SHA-256.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audio_transcripts",
        sa.Column("file_key", sa.String(200), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audio_transcripts_content_hash", "audio_transcripts", ["content_hash"])


def downgrade() -> None:
    op.drop_index("ix_audio_transcripts_content_hash", table_name="audio_transcripts")
    op.drop_table("audio_transcripts")
