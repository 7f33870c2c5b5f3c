"""Tables. Alembic migrations own the schema; these declarations mirror it for queries."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, TIMESTAMP, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
    workflow_state: Mapped[dict | None] = mapped_column(JSON)


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
    conversation_key: Mapped[str] = mapped_column(
        String(200), ForeignKey("conversations.key", ondelete="CASCADE"), index=True
    )
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
