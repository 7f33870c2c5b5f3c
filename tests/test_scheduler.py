"""Scheduled jobs: one run per job and time slot however many processes fire it, failures logged by
their kind and retried in the next slot, each job's last success on /metrics, and retention."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from hard_e.bot.config import Settings
from hard_e.bot.scheduler import JOBS, Job, build_scheduler, run_job, start_in_run
from hard_e.bot.services import Services
from hard_e.store.models import AgentMessage, BotMessage, Conversation, CrmPendingAction, ProcessedEvent, TurnLog, utcnow
from hard_e.store.repositories import ConversationStore, EventLedger
from hard_e.store.retention import prune


def services_on(database_url: str, **env: str) -> Services:
    return Services.build(Settings.from_env({"DATABASE_URL": database_url, **env}, dotenv=None))


async def test_processes_firing_the_same_slot_run_the_job_once(database_url):
    # Three "clocks" on one database (their own engines, as separate processes have) fire the same
    # job at the same moment, twice over: each slot runs exactly once.
    clocks = [services_on(database_url) for _ in range(3)]
    await clocks[0].prepare()
    ran: list[int] = []

    async def work(services: Services) -> None:
        ran.append(id(services))
        await asyncio.sleep(0.05)

    job = Job("counting", timedelta(minutes=5), work)
    try:
        first = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        outcomes = await asyncio.gather(*(run_job(c, job, first + timedelta(milliseconds=40 * i)) for i, c in enumerate(clocks)))
        assert sorted(outcomes) == ["ran", "skipped", "skipped"]
        later = await asyncio.gather(*(run_job(c, job, first + timedelta(minutes=5, seconds=-i)) for i, c in enumerate(clocks)))
        assert sorted(later) == ["ran", "skipped", "skipped"]
        assert len(ran) == 2
        runs = await clocks[0].job_runs.runs("counting")
        assert [r.outcome for r in runs] == ["ok", "ok"] and runs[1].slot == runs[0].slot + 1
    finally:
        for c in clocks:
            await c.aclose()


async def test_a_failed_job_is_logged_by_its_kind_and_runs_again_next_slot(database_url, caplog):
    services = services_on(database_url)
    await services.prepare()
    attempts = 0

    async def flaky(_: Services) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionResetError("secret detail from the server")

    job = Job("flaky", timedelta(minutes=1), flaky)
    try:
        at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        with caplog.at_level(logging.ERROR, logger="hard_e.bot.scheduler"):
            assert await run_job(services, job, at) == "failed"
        assert "job flaky failed: ConnectionResetError" in caplog.text and "secret detail" not in caplog.text
        assert await run_job(services, job, at) == "skipped"  # the failed slot is not run twice
        assert await run_job(services, job, at + timedelta(minutes=1)) == "ran"
        assert [(r.outcome, r.error) for r in await services.job_runs.runs("flaky")] == [("failed", "ConnectionResetError"), ("ok", None)]
    finally:
        await services.aclose()


async def test_metrics_show_when_each_job_last_succeeded_whichever_process_ran_it(bot_factory, database_url):
    bot = await bot_factory()
    clock = services_on(database_url)

    async def nothing(_: Services) -> None:
        return None

    try:
        await run_job(clock, Job("knowledge_sync", timedelta(minutes=15), nothing))
        status, text = await bot.get("/metrics")
        assert status == 200
        line = next(x for x in text.splitlines() if x.startswith('harde_job_last_success_timestamp_seconds{job="knowledge_sync"}'))
        assert abs(float(line.split()[-1]) - datetime.now(UTC).timestamp()) < 60
    finally:
        await clock.aclose()


async def test_the_scheduler_runs_inside_run_only_when_on(database_url):
    on, off = services_on(database_url), services_on(database_url, HARDE_SCHEDULER="off")
    await on.prepare()
    try:
        assert start_in_run(off) is None
        scheduler = start_in_run(on)
        assert scheduler is not None
        try:
            assert {j.id for j in scheduler.get_jobs()} == {job.name for job in JOBS}
            # Every job fires at once on start: the retention job's first slot is recorded.
            for _ in range(200):
                if [r.outcome for r in await on.job_runs.runs("retention")] == ["ok"]:
                    break
                await asyncio.sleep(0.05)
            assert [r.outcome for r in await on.job_runs.runs("retention")] == ["ok"]
        finally:
            scheduler.shutdown(wait=False)
    finally:
        await on.aclose()
        await off.aclose()


def test_jobs_fire_on_multiples_of_their_interval_so_every_clock_agrees():
    services = object()
    scheduler = build_scheduler(services, (Job("every5", timedelta(minutes=5), lambda _: asyncio.sleep(0)),))
    trigger = scheduler.get_job("every5").trigger
    now = datetime(2026, 12, 7, 9, 2, 30, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, now) == datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
    job = Job("every5", timedelta(minutes=5), lambda _: asyncio.sleep(0))
    # A run fired a little late still belongs to the slot it was fired for.
    assert job.slot(datetime(2026, 12, 7, 9, 5, 0, 800_000, tzinfo=UTC)) == job.slot(datetime(2026, 12, 7, 9, 4, 59, 900_000, tzinfo=UTC))


async def test_retention_drops_what_is_older_than_the_setting_and_keeps_the_rest(engine):
    store, ledger = ConversationStore(engine), EventLedger(engine)
    now = utcnow()
    for key, age in (("T1:C1:old", 100), ("T1:C1:new", 5)):
        await store.ensure(key=key, team_id="T1", channel_id="C1", thread_ts=key[-3:], channel_type="channel", user_id="U1")
        await store.record_message(conversation_key=key, channel_id="C1", ts=f"{age}.0", kind="answer")
        async with engine.begin() as conn:
            await conn.execute(update(Conversation).where(Conversation.key == key).values(updated_at=now - timedelta(days=age)))
            await conn.execute(
                TurnLog.__table__.insert().values(
                    team_id="T1", user_id="U1", place="channel", conversation_key=key, outcome="answered",
                    question="what about the Jimenez roof?", created_at=now - timedelta(days=age),
                )
            )
            await conn.execute(
                CrmPendingAction.__table__.insert().values(
                    id=f"pa-{age}", kind="add_note", payload={}, requested_by="U1", team_id="T1", conversation_key=key,
                    channel="C1", created_at=now - timedelta(days=age), expires_at=now, status="expired",
                )
            )
    from agents.extensions.memory.sqlalchemy_session import SQLAlchemySession

    await SQLAlchemySession("T1:C1:old", engine=engine, create_tables=False).add_items([{"role": "user", "content": "hi"}])
    await ledger.first_time("T1:C1:1.0")
    async with engine.begin() as conn:
        await conn.execute(update(ProcessedEvent).values(received_at=now - timedelta(days=8)))

    removed = await prune(engine, timedelta(days=90))

    assert removed["conversations"] == 1 and removed["turns"] == 1 and removed["pending_actions"] == 1 and removed["events"] == 1
    assert await store.exists("T1:C1:new") and not await store.exists("T1:C1:old")
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(BotMessage))).scalar() == 1
        assert (await conn.execute(select(func.count()).select_from(AgentMessage))).scalar() == 0
        assert (await conn.execute(select(TurnLog.conversation_key))).scalars().all() == ["T1:C1:new"]
        assert (await conn.execute(select(CrmPendingAction.id))).scalars().all() == ["pa-5"]
