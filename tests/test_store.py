"""The schema comes from migrations, matches the models, and serves the Agents SDK session."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from hard_e.bot.config import Settings
from hard_e.store import migrate
from hard_e.store.db import create_engine
from hard_e.store.models import Base
from hard_e.store.repositories import ConversationStore, EventLedger


def engine_for(database_url: str):
    return create_engine(Settings.from_env({"DATABASE_URL": database_url}, dotenv=None).database_url)


async def test_migrations_create_the_whole_schema_and_match_the_models(database_url):
    engine = engine_for(database_url)
    try:
        await migrate.upgrade(engine)
        await migrate.upgrade(engine)  # idempotent
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
        assert {"conversations", "processed_events", "bot_messages", "agent_sessions", "agent_messages"} <= tables
        # The full-text objects (SQLite FTS5 tables and their shadow tables) are the migration's
        # own and have no model.
        assert [d for d in diff if not _is_fts(d)] == []
    finally:
        await engine.dispose()


def _is_fts(change) -> bool:
    """SQLite's FTS5 tables, PostgreSQL's generated tsvector column and its index."""
    shown = repr(change)
    return "kb_chunks_fts" in shown or "ix_kb_chunks_search" in shown or ("'kb_chunks'" in shown and "'search'" in shown)


async def test_agents_sdk_session_runs_on_migrated_tables_without_creating_them(database_url):
    from agents.extensions.memory import SQLAlchemySession

    engine = engine_for(database_url)
    try:
        await migrate.upgrade(engine)
        session = SQLAlchemySession("T1:C1:1.0", engine=engine, create_tables=False)
        await session.add_items([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])
        again = SQLAlchemySession("T1:C1:1.0", engine=engine, create_tables=False)
        assert [i["content"] for i in await again.get_items()] == ["hi", "hello"]
    finally:
        await engine.dispose()


async def test_event_ledger_admits_each_key_once_even_when_racing(database_url):
    engines = [engine_for(database_url) for _ in range(2)]
    try:
        await migrate.upgrade(engines[0])
        ledgers = [EventLedger(e) for e in engines]
        results = await asyncio.gather(*(ledgers[i % 2].first_time("T1:C1:123.4") for i in range(8)))
        assert results.count(True) == 1
        assert await ledgers[1].first_time("T1:C1:999.9")
    finally:
        for e in engines:
            await e.dispose()


async def test_conversation_rows_and_posted_messages_are_kept(database_url):
    engine = engine_for(database_url)
    try:
        await migrate.upgrade(engine)
        store = ConversationStore(engine)
        await store.ensure(key="T1:C1:5.0", team_id="T1", channel_id="C1", thread_ts="5.0", channel_type="channel", user_id="U1")
        await store.ensure(key="T1:C1:5.0", team_id="T1", channel_id="C1", thread_ts="5.0", channel_type="channel", user_id="U2")
        await store.record_message(conversation_key="T1:C1:5.0", channel_id="C1", ts="6.0", kind="placeholder")
        await store.record_message(conversation_key="T1:C1:5.0", channel_id="C1", ts="6.0", kind="answer")
        await store.save_workflow("T1:C1:5.0", active_workflow="scripting", last_agent="scripting", state={"step": 2})
        convo = await store.get("T1:C1:5.0")
        assert (convo.user_id, convo.active_workflow, convo.workflow_state) == ("U1", "scripting", {"step": 2})
        assert [(m.ts, m.kind) for m in await store.messages("T1:C1:5.0")] == [("6.0", "answer")]
        assert await store.exists("T1:C1:5.0") and not await store.exists("T1:C1:7.0")
    finally:
        await engine.dispose()


async def test_an_acknowledgement_recorded_before_its_turn_creates_the_conversation(database_url):
    # The placeholder goes up before the turn writes its conversation row; recording it must not
    # fail on the foreign key, and the turn's own ensure afterwards keeps the row as it is.
    engine = engine_for(database_url)
    try:
        await migrate.upgrade(engine)
        store = ConversationStore(engine)
        convo = {"team_id": "T1", "thread_ts": "dm", "channel_type": "im", "user_id": "U1"}
        await store.record_message(conversation_key="T1:D1:dm", channel_id="D1", ts="8.0", kind="placeholder", conversation=convo)
        await store.ensure(key="T1:D1:dm", team_id="T1", channel_id="D1", thread_ts="dm", channel_type="im", user_id="U1")
        await store.record_message(conversation_key="T1:D1:dm", channel_id="D1", ts="8.0", kind="answer", conversation=convo)
        row = await store.get("T1:D1:dm")
        assert (row.team_id, row.channel_id, row.thread_ts, row.channel_type, row.user_id) == ("T1", "D1", "dm", "im", "U1")
        assert [(m.ts, m.kind) for m in await store.messages("T1:D1:dm")] == [("8.0", "answer")]
    finally:
        await engine.dispose()


async def test_clock_prunes_event_keys_older_than_a_week(database_url):
    from datetime import timedelta

    from sqlalchemy import update

    from hard_e.bot.scheduler import prune_processed_events
    from hard_e.bot.services import Services
    from hard_e.store.models import ProcessedEvent, utcnow

    services = Services.build(Settings.from_env({"DATABASE_URL": database_url}, dotenv=None))
    try:
        await services.prepare()
        assert await services.events.first_time("old") and await services.events.first_time("new")
        async with services.engine.begin() as conn:
            await conn.execute(
                update(ProcessedEvent).where(ProcessedEvent.key == "old").values(received_at=utcnow() - timedelta(days=8))
            )
        assert await prune_processed_events(services) == 1
        assert await services.events.first_time("old")  # forgotten, so admitted again
        assert not await services.events.first_time("new")
    finally:
        await services.aclose()


async def test_sqlite_writers_of_one_process_queue_instead_of_colliding(tmp_path):
    # SQLite has one writer at a time. With its busy handler off, two of our writes overlapping
    # would fail with "database is locked": the writer queue means they never overlap.
    from sqlalchemy import event

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'writers.db'}")

    @event.listens_for(engine.sync_engine, "connect")
    def _no_busy_wait(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")
        cursor.close()

    try:
        await migrate.upgrade(engine)
        ledger, store = EventLedger(engine), ConversationStore(engine)
        convo = {"team_id": "T1", "thread_ts": "1.0", "channel_type": "channel", "user_id": "U1"}
        writes = [ledger.first_time(f"T1:C1:{i}.0") for i in range(40)]
        writes += [
            store.record_message(conversation_key="T1:C1:1.0", channel_id="C1", ts=f"{i}.5", kind="placeholder", conversation=convo)
            for i in range(40)
        ]
        results = await asyncio.gather(*writes)
        assert results[:40] == [True] * 40
        assert len(await store.messages("T1:C1:1.0")) == 40
    finally:
        await engine.dispose()


async def test_a_burst_of_events_is_written_together_and_each_key_is_new_once(database_url, monkeypatch):
    # Thirty events at once: their ledger rows go in a few statements, not thirty, and a key sent
    # twice in the same burst (a retry, the app_mention twin) is new for one caller only.
    from sqlalchemy import event

    engine = engine_for(database_url)
    inserts = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO PROCESSED_EVENTS"):
            inserts.append(statement)

    try:
        await migrate.upgrade(engine)
        ledger = EventLedger(engine)
        keys = [f"T1:C{i}:1.0" for i in range(30)] + ["T1:C0:1.0", "T1:C5:1.0"]
        results = await asyncio.gather(*(ledger.first_time(k) for k in keys))
        assert results[:30] == [True] * 30 and results[30:] == [False, False]
        assert len(inserts) <= 3
        assert await ledger.first_time("T1:C7:1.0") is False and await ledger.first_time("T1:C99:1.0") is True
    finally:
        await engine.dispose()
