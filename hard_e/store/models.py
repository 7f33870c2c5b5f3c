"""Tables. Alembic migrations own the schema; these declarations mirror it for queries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    TIMESTAMP,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    """One Slack thread (or DM, or console session) Hard-E takes part in."""

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # team:channel:thread_ts
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32))
    channel_type: Mapped[str] = mapped_column(String(16))  # channel, group, im, mpim, console
    user_id: Mapped[str | None] = mapped_column(String(32))  # who started it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    active_workflow: Mapped[str | None] = mapped_column(String(32))
    last_agent: Mapped[str | None] = mapped_column(String(32))
    workflow_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProcessedEvent(Base):
    """A Slack message Hard-E has taken on; the primary key makes a second delivery a no-op."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class BotMessage(Base):
    """A message Hard-E posted, so it can recognise its threads and clean up after itself."""

    __tablename__ = "bot_messages"
    __table_args__ = (Index("ix_bot_messages_channel_ts", "channel_id", "ts", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    conversation_key: Mapped[str] = mapped_column(String(200), ForeignKey("conversations.key", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # placeholder, answer, continuation, error
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The Agents SDK's SQLAlchemySession tables, declared here so migrations own them too
# (the SDK then runs with create_tables=False). Columns follow the SDK's own definition.
class AgentSession(Base):
    __tablename__ = "agent_sessions"

    session_id: Mapped[str] = mapped_column(String, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False), server_default=text("CURRENT_TIMESTAMP"))
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False), server_default=text("CURRENT_TIMESTAMP"))


class AgentMessage(Base):
    __tablename__ = "agent_messages"
    __table_args__ = (
        Index("idx_agent_messages_session_time", "session_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String, ForeignKey("agent_sessions.session_id", ondelete="CASCADE"))
    message_data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False), server_default=text("CURRENT_TIMESTAMP"))


class KbDocument(Base):
    """A knowledge-base document as last indexed: where it lives and which version of it."""

    __tablename__ = "kb_documents"

    uri: Mapped[str] = mapped_column(Text, primary_key=True)  # absolute path or s3://bucket/key
    source: Mapped[str] = mapped_column(Text, index=True)  # the folder or s3://bucket/prefix that lists it
    title: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(200))  # S3 ETag, or a file's mtime_ns-size
    size: Mapped[int] = mapped_column(BigInteger)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KbChunk(Base):
    """A passage of a document (about a thousand characters) under its section's heading path."""

    __tablename__ = "kb_chunks"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_uri: Mapped[str] = mapped_column(Text, ForeignKey("kb_documents.uri", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class TranscriptCall(Base):
    """One distilled sales call, as loaded from its JSON file: the facts the analysis tools count.

    The customer's name and contact details stay in the file: no tool needs them.
    """

    __tablename__ = "transcript_calls"

    call_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # BWC-<yy>-<nnn>
    source_uri: Mapped[str] = mapped_column(Text, index=True, unique=True)  # absolute path or s3://bucket/key
    version: Mapped[str] = mapped_column(String(200))  # S3 ETag, or a file's mtime_ns-size
    date: Mapped[date] = mapped_column(Date)
    branch: Mapped[str] = mapped_column(String(64))
    rep: Mapped[str] = mapped_column(String(200))
    trade: Mapped[str] = mapped_column(String(16))
    call_type: Mapped[str] = mapped_column(String(32))
    lead_source: Mapped[str] = mapped_column(String(32))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # won, lost, pending
    lost_reason: Mapped[str | None] = mapped_column(String(32))  # only when lost, and optional then
    deal_value: Mapped[int] = mapped_column(BigInteger)  # whole dollars
    sentiment: Mapped[str] = mapped_column(String(16))  # the customer's overall sentiment
    quote_summary: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TranscriptObjection(Base):
    """An objection the customer raised on a call, in the order raised."""

    __tablename__ = "transcript_objections"

    call_id: Mapped[str] = mapped_column(String(32), ForeignKey("transcript_calls.call_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 for the first raised
    type: Mapped[str] = mapped_column(String(32), index=True)
    quote: Mapped[str] = mapped_column(Text)
    handled_how: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean)


class TranscriptTechnique(Base):
    """A selling technique the rep used on a call (each at most once per call)."""

    __tablename__ = "transcript_techniques"

    call_id: Mapped[str] = mapped_column(String(32), ForeignKey("transcript_calls.call_id", ondelete="CASCADE"), primary_key=True)
    technique: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


# --- The local CRM (migration 0004; store/crm.py) ---------------------------------------------------
# Ids are the CRM's own integers (imported ones kept; new records get the table's largest id + 1).
# A time is kept as the instant in UTC (`*_at`, sortable on both backends) plus the UTC offset it was
# given in, in minutes (`*_at_offset`), so a 10 am visit in Denver reads back as 10 am -06:00.
# `*_key` columns are casefolded, accent-free copies of what searches compare (store/crm.py `search_key`).


class CrmUserRow(Base):
    """A CRM user (a rep or manager); jobs and customers name them by full name."""

    __tablename__ = "crm_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    branch: Mapped[str | None] = mapped_column(Text)


class CrmCustomerRow(Base):
    __tablename__ = "crm_customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(Text, default="")
    zip: Mapped[str] = mapped_column(Text, default="")
    company: Mapped[str | None] = mapped_column(Text)
    rep: Mapped[str | None] = mapped_column(Text, index=True)  # the assigned rep's full name
    lead_source: Mapped[str | None] = mapped_column(Text)
    trades: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at_offset: Mapped[int | None] = mapped_column(Integer)
    last_key: Mapped[str] = mapped_column(Text, index=True)
    name_key: Mapped[str] = mapped_column(Text, index=True)  # "first last"
    email_key: Mapped[str | None] = mapped_column(Text, index=True)
    phone_digits: Mapped[str | None] = mapped_column(String(32), index=True)
    search_key: Mapped[str] = mapped_column(Text)  # names, company, email, phone digits, street, city, state, zip


class CrmJobRow(Base):
    __tablename__ = "crm_jobs"
    __table_args__ = (Index("ix_crm_jobs_stage_changed", "stage", "stage_changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    customer_id: Mapped[int] = mapped_column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    trade: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(32))  # one of hard_e.records.STAGES, as spelled there
    stage_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    stage_changed_at_offset: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[int | None] = mapped_column(BigInteger)  # the estimate, whole dollars
    rep: Mapped[str | None] = mapped_column(Text, index=True)  # the assigned rep's full name
    appointment_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appointment_at_offset: Mapped[int | None] = mapped_column(Integer)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    call_ids: Mapped[list[str]] = mapped_column(JSON)  # transcripts of this job's calls (BWC-yy-nnn)
    name_key: Mapped[str] = mapped_column(Text)


class CrmNoteRow(Base):
    __tablename__ = "crm_notes"
    __table_args__ = (Index("ix_crm_notes_job_created", "job_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    job_id: Mapped[int] = mapped_column(Integer, ForeignKey("crm_jobs.id", ondelete="CASCADE"))
    author: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at_offset: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class CrmPendingAction(Base):
    """A CRM write Hard-E proposed and a rep has yet to confirm (or did: `status` says how it ended)."""

    __tablename__ = "crm_pending_actions"
    __table_args__ = (Index("ix_crm_pending_actions_status_expires", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a uuid4
    kind: Mapped[str] = mapped_column(String(32))  # add_note, create_customer, move_stage
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(32))  # Slack user id
    team_id: Mapped[str] = mapped_column(String(32))
    conversation_key: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))  # the confirmation message, once posted
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, done, failed, cancelled, expired
    result: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(32))  # Slack user id
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CrmAudit(Base):
    """Who had Hard-E write what to the CRM. Never a note's text: `target` and `detail` name records."""

    __tablename__ = "crm_audit"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    slack_user: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))  # e.g. "job 4723"
    result: Mapped[str] = mapped_column(String(16))  # done, failed, ...
    detail: Mapped[str | None] = mapped_column(Text)


class CrmOutbox(Base):
    """A CRM creation a rep submitted, kept until the CRM has it: retried while the CRM is down, given
    up after a while (the rep is told, with everything they entered). `key` makes it exactly once."""

    __tablename__ = "crm_outbox"
    __table_args__ = (Index("ix_crm_outbox_status_next", "status", "next_attempt_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # derived from the submitted view
    kind: Mapped[str] = mapped_column(String(32))  # create_customer
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(32))  # Slack user id
    team_id: Mapped[str] = mapped_column(String(32))
    # pending, running, duplicate (waiting for the rep: create anyway?), done, gave_up, dropped
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    give_up_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    force: Mapped[bool] = mapped_column(Boolean, default=False)  # create even if it looks like a duplicate
    last_error: Mapped[str | None] = mapped_column(String(64))  # a failure kind, never a message
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the created customer's id and link


class AudioTranscript(Base):
    """A voice memo's transcript, so the same file (or the same audio shared again) is transcribed once."""

    __tablename__ = "audio_transcripts"
    __table_args__ = (Index("ix_audio_transcripts_content_hash", "content_hash"),)

    file_key: Mapped[str] = mapped_column(String(200), primary_key=True)  # team:file_id
    content_hash: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the audio, hex
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JobRun(Base):
    """One run of a scheduled job in one time slot: the primary key lets one clock of many claim it."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16))  # running, ok, failed
    error: Mapped[str | None] = mapped_column(String(64))  # the failure's kind, never its message


class TurnLog(Base):
    """One answered (or refused, or failed) turn: who, where, how, at what cost. Never message text,
    unless HARDE_LOG_QUESTIONS=on keeps the question for the admins (pruned after the retention)."""

    __tablename__ = "turn_log"
    __table_args__ = (
        Index("ix_turn_log_created_at", "created_at"),
        Index("ix_turn_log_user", "team_id", "user_id", "created_at"),
        Index("ix_turn_log_answer", "conversation_key", "answer_ts"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(String(16))  # im, channel, group, mpim, slash, button, console
    conversation_key: Mapped[str] = mapped_column(String(200))
    answer_ts: Mapped[str | None] = mapped_column(String(32))
    flow: Mapped[str | None] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(64))
    agents: Mapped[list[str] | None] = mapped_column(JSON)
    tools: Mapped[list[str] | None] = mapped_column(JSON)
    models: Mapped[list[str] | None] = mapped_column(JSON)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    output_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    first_token_ms: Mapped[int | None] = mapped_column(Integer)
    first_visible_ms: Mapped[int | None] = mapped_column(Integer)
    total_ms: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TurnVote(Base):
    """A 👍 / 👎 on an answer: one per user per turn, changeable."""

    __tablename__ = "turn_votes"

    turn_id: Mapped[int] = mapped_column(Integer, ForeignKey("turn_log.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    vote: Mapped[int] = mapped_column(SmallInteger)  # 1 or -1
    comment: Mapped[str | None] = mapped_column(Text)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UsageCounter(Base):
    """Turns and model spend of one user or workspace in one window (a minute, a day), for limits."""

    __tablename__ = "usage_counters"
    __table_args__ = (Index("ix_usage_counters_updated_at", "updated_at"),)

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)  # "user:T:U" or "team:T"
    window: Mapped[str] = mapped_column(String(32), primary_key=True)  # "minute:<epoch minute>" or "day:<date>"
    turns: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    spend_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DigestSubscription(Base):
    """A rep who asked for the morning digest (`/hard-e digest on`)."""

    __tablename__ = "digest_subscriptions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    last_sent: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnalyticsChart(Base):
    """A chart image uploaded to Slack for the admins' App Home, and when it was drawn."""

    __tablename__ = "analytics_charts"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(32))
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Full-text search objects that migration 0002 creates for one dialect only, so no model can declare
# them: on SQLite the FTS5 table kb_chunks_fts (plus the shadow tables SQLite makes for it, all named
# kb_chunks_fts_*); on PostgreSQL the generated column kb_chunks.search and its GIN index.
KB_SEARCH_TABLE_PREFIX = "kb_chunks_fts"


def include_in_schema_comparison(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic `include_name` hook for comparing the schema with these models: skips the search objects."""
    if type_ == "table":
        return not (name or "").startswith(KB_SEARCH_TABLE_PREFIX)
    if type_ == "column":
        return not (parent_names.get("table_name") == "kb_chunks" and name == "search")
    if type_ == "index":
        return name != "ix_kb_chunks_search"
    return True
