"""Data retention (HARDE_RETENTION_DAYS): what Hard-E keeps about conversations, turns and pending
work is dropped once it is older than the retention. The local CRM's own records are the company's
data and are never pruned here."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Delete, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.store.db import writing
from hard_e.store.models import (
    AgentMessage,
    AgentSession,
    AudioTranscript,
    BotMessage,
    Conversation,
    CrmOutbox,
    CrmPendingAction,
    JobRun,
    ProcessedEvent,
    TurnLog,
    TurnVote,
    UsageCounter,
    utcnow,
)

EVENT_RETENTION = timedelta(days=7)  # Slack retries for minutes: a week of event keys is ample
COUNTER_RETENTION = timedelta(days=2)  # limits look at this minute and today only
FINISHED_OUTBOX = ("done", "gave_up", "dropped", "duplicate")  # duplicate: the rep never answered


async def prune(engine: AsyncEngine, retention: timedelta) -> dict[str, int]:
    """Delete what is older than `retention` (event keys after a week, usage counters after two
    days); how many rows of each kind went. Children first: the result must not depend on foreign
    keys being enforced."""
    now = utcnow()
    cutoff = now - retention
    old_conversations = select(Conversation.key).where(Conversation.updated_at < cutoff).scalar_subquery()
    old_turns = select(TurnLog.id).where(TurnLog.created_at < cutoff).scalar_subquery()
    steps: list[tuple[str, Delete]] = [
        ("history", delete(AgentMessage).where(AgentMessage.session_id.in_(old_conversations))),
        ("sessions", delete(AgentSession).where(AgentSession.session_id.in_(old_conversations))),
        ("messages", delete(BotMessage).where(BotMessage.conversation_key.in_(old_conversations))),
        ("conversations", delete(Conversation).where(Conversation.updated_at < cutoff)),
        ("pending_actions", delete(CrmPendingAction).where(CrmPendingAction.created_at < cutoff)),
        ("outbox", delete(CrmOutbox).where(CrmOutbox.updated_at < cutoff, CrmOutbox.status.in_(FINISHED_OUTBOX))),
        ("voice_transcripts", delete(AudioTranscript).where(AudioTranscript.created_at < cutoff)),
        ("votes", delete(TurnVote).where(TurnVote.turn_id.in_(old_turns))),
        ("turns", delete(TurnLog).where(TurnLog.created_at < cutoff)),
        ("job_runs", delete(JobRun).where(JobRun.started_at < cutoff)),
        ("events", delete(ProcessedEvent).where(ProcessedEvent.received_at < now - EVENT_RETENTION)),
        ("counters", delete(UsageCounter).where(UsageCounter.updated_at < now - COUNTER_RETENTION)),
    ]
    removed: dict[str, int] = {}
    for name, stmt in steps:
        # One short transaction each: a busy database is never held for the whole prune.
        async with writing(engine) as conn:
            removed[name] = (await conn.execute(stmt)).rowcount or 0
    return removed
