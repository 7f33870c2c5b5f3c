"""The local CRM: users, customers, jobs and notes (store/crm.py), the CRM writes waiting for a rep's
confirmation, and the audit of the writes made.

Ids of users, customers, jobs and notes are the CRM's own integers (no sequence: new records get the
table's largest id + 1). A time is the instant in UTC plus the UTC offset it was given in, in minutes
(`*_at_offset`). `*_key` columns hold casefolded, accent-free copies of what searches compare.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = [
    # (name, table, columns)
    ("ix_crm_customers_rep", "crm_customers", ["rep"]),
    ("ix_crm_customers_last_key", "crm_customers", ["last_key"]),
    ("ix_crm_customers_name_key", "crm_customers", ["name_key"]),
    ("ix_crm_customers_email_key", "crm_customers", ["email_key"]),
    ("ix_crm_customers_phone_digits", "crm_customers", ["phone_digits"]),
    ("ix_crm_jobs_customer_id", "crm_jobs", ["customer_id"]),
    ("ix_crm_jobs_rep", "crm_jobs", ["rep"]),
    ("ix_crm_jobs_stage_changed_at", "crm_jobs", ["stage_changed_at"]),
    ("ix_crm_jobs_stage_changed", "crm_jobs", ["stage", "stage_changed_at"]),
    ("ix_crm_notes_job_created", "crm_notes", ["job_id", "created_at"]),
    ("ix_crm_pending_actions_conversation_key", "crm_pending_actions", ["conversation_key"]),
    ("ix_crm_pending_actions_status_expires", "crm_pending_actions", ["status", "expires_at"]),
    ("ix_crm_audit_at", "crm_audit", ["at"]),
    ("ix_crm_audit_slack_user", "crm_audit", ["slack_user"]),
]


def upgrade() -> None:
    op.create_table(
        "crm_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("branch", sa.Text(), nullable=True),
    )
    op.create_table(
        "crm_customers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("zip", sa.Text(), nullable=False),
        sa.Column("company", sa.Text(), nullable=True),
        sa.Column("rep", sa.Text(), nullable=True),
        sa.Column("lead_source", sa.Text(), nullable=True),
        sa.Column("trades", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at_offset", sa.Integer(), nullable=True),
        sa.Column("last_key", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("email_key", sa.Text(), nullable=True),
        sa.Column("phone_digits", sa.String(32), nullable=True),
        sa.Column("search_key", sa.Text(), nullable=False),
    )
    op.create_table(
        "crm_jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("crm_customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("trade", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage_changed_at_offset", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("rep", sa.Text(), nullable=True),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_at_offset", sa.Integer(), nullable=True),
        sa.Column("lost_reason", sa.Text(), nullable=True),
        sa.Column("call_ids", sa.JSON(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
    )
    op.create_table(
        "crm_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("crm_jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at_offset", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_table(
        "crm_pending_actions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("conversation_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "crm_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slack_user", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    for table in ("crm_audit", "crm_pending_actions", "crm_notes", "crm_jobs", "crm_customers", "crm_users"):
        op.drop_table(table)
