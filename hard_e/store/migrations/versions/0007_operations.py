"""Operations: scheduled job runs (one per job and time slot across every clock), the turn log (who,
where, route, models, tokens, cost, latency, outcome — never message text unless HARDE_LOG_QUESTIONS is
on), feedback votes, usage counters for limits, digest subscriptions and the App Home's charts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(64), primary_key=True),
        sa.Column("slot", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),  # running, ok, failed
        sa.Column("error", sa.String(64), nullable=True),  # the failure's kind, never its message
    )
    op.create_table(
        "turn_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("place", sa.String(16), nullable=False),  # im, channel, group, mpim, slash, button, console
        sa.Column("conversation_key", sa.String(200), nullable=False),
        sa.Column("answer_ts", sa.String(32), nullable=True),
        sa.Column("flow", sa.String(16), nullable=True),
        sa.Column("agent", sa.String(32), nullable=True),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("agents", sa.JSON(), nullable=True),
        sa.Column("tools", sa.JSON(), nullable=True),
        sa.Column("models", sa.JSON(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("output_tokens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cost_usd", sa.Float(), nullable=False, server_default="0"),
        sa.Column("first_token_ms", sa.Integer(), nullable=True),
        sa.Column("first_visible_ms", sa.Integer(), nullable=True),
        sa.Column("total_ms", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_turn_log_created_at", "turn_log", ["created_at"])
    op.create_index("ix_turn_log_user", "turn_log", ["team_id", "user_id", "created_at"])
    op.create_index("ix_turn_log_answer", "turn_log", ["conversation_key", "answer_ts"])
    op.create_table(
        "turn_votes",
        sa.Column("turn_id", sa.Integer(), sa.ForeignKey("turn_log.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("vote", sa.SmallInteger(), nullable=False),  # 1 or -1
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "usage_counters",
        sa.Column("scope", sa.String(80), primary_key=True),  # "user:T:U" or "team:T"
        sa.Column("window", sa.String(32), primary_key=True),  # "minute:<epoch minute>" or "day:<date>"
        sa.Column("turns", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("spend_usd", sa.Float(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_usage_counters_updated_at", "usage_counters", ["updated_at"])
    op.create_table(
        "digest_subscriptions",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_sent", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "analytics_charts",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("file_id", sa.String(32), nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("analytics_charts")
    op.drop_table("digest_subscriptions")
    op.drop_index("ix_usage_counters_updated_at", table_name="usage_counters")
    op.drop_table("usage_counters")
    op.drop_table("turn_votes")
    op.drop_index("ix_turn_log_answer", table_name="turn_log")
    op.drop_index("ix_turn_log_user", table_name="turn_log")
    op.drop_index("ix_turn_log_created_at", table_name="turn_log")
    op.drop_table("turn_log")
    op.drop_table("job_runs")
