"""One turn at a time per thread: within a process, and across processes on PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest

from hard_e.agents.conversation import QUEUED, STILL_BUSY
from hard_e.agents.router import route
from hard_e.bot.config import Settings
from hard_e.errors import StoreBusy
from hard_e.store.db import create_engine
from hard_e.store.locks import TurnLocks
from tests import slack_events as se
from tests.conftest import POSTGRES_URL

FIRST = " ".join(["Slow and steady: walk the roof with them and let the photos sell."] * 3)
SECOND = "Yes, same playbook for the follow-up visit."
# Other tests run in parallel on the same server: look only at this test's own database.
THIS_DATABASE = "locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
ADVISORY_HERE = "SELECT count(*) FROM pg_locks WHERE " + THIS_DATABASE
QUESTIONS = ("how should I open a roofing appointment?", "and for a follow up visit?")


def engine_for(database_url: str):
    return create_engine(Settings.from_env({"DATABASE_URL": database_url}, dotenv=None).database_url)


async def overlapping(first: TurnLocks, second: TurnLocks, key_a: str, key_b: str) -> bool:
    """Run two 0.2 s critical sections at once; True when they overlapped."""
    spans: list[tuple[float, float]] = []

    async def section(locks: TurnLocks, key: str) -> None:
        async with locks.hold(key):
            start = time.monotonic()
            await asyncio.sleep(0.2)
            spans.append((start, time.monotonic()))

    await asyncio.gather(section(first, key_a), section(second, key_b))
    (a_start, a_end), (b_start, b_end) = sorted(spans)
    return b_start < a_end


async def test_turns_of_one_conversation_take_turns_and_others_do_not_wait(database_url):
    engine = engine_for(database_url)
    locks = TurnLocks(engine)
    try:
        assert not await overlapping(locks, locks, "T1:C1:1.0", "T1:C1:1.0")
        assert await overlapping(locks, locks, "T1:C1:1.0", "T1:C1:2.0")
    finally:
        await locks.aclose()
        await engine.dispose()


async def told_waiting(first: TurnLocks, second: TurnLocks, key_a: str, key_b: str) -> list[str]:
    """Hold key_a in `first` for 0.3 s while `second` takes key_b; which of them were told they queued."""
    told: list[str] = []
    holding = asyncio.Event()

    async def section(locks: TurnLocks, key: str, name: str, *, after: asyncio.Event | None) -> None:
        if after is not None:
            await after.wait()

        async def on_wait() -> None:
            told.append(name)

        async with locks.hold(key, on_wait=on_wait):
            if after is None:
                holding.set()
                await asyncio.sleep(0.3)

    await asyncio.gather(section(first, key_a, "first", after=None), section(second, key_b, "second", after=holding))
    return told


async def test_a_turn_that_queues_is_told_once_and_a_free_one_is_not(database_url):
    engine = engine_for(database_url)
    locks = TurnLocks(engine)
    try:
        assert await told_waiting(locks, locks, "T1:C1:1.0", "T1:C1:1.0") == ["second"]
        assert await told_waiting(locks, locks, "T1:C1:1.0", "T1:C1:2.0") == []
    finally:
        await locks.aclose()
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HARDE_TEST_POSTGRES_URL is not set")
async def test_on_postgresql_a_turn_queued_behind_another_process_is_told_once(postgres_url):
    engines = [engine_for(postgres_url), engine_for(postgres_url)]
    one, two = TurnLocks(engines[0]), TurnLocks(engines[1])
    try:
        assert await told_waiting(one, two, "T1:C1:1.0", "T1:C1:1.0") == ["second"]
        assert await told_waiting(one, two, "T1:C1:1.0", "T1:C1:2.0") == []
    finally:
        for locks in (one, two):
            await locks.aclose()
        for engine in engines:
            await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HARDE_TEST_POSTGRES_URL is not set")
async def test_on_postgresql_two_processes_serialize_one_conversation(postgres_url):
    # Two TurnLocks on two engines share nothing in memory, as two processes would.
    engines = [engine_for(postgres_url), engine_for(postgres_url)]
    one, two = TurnLocks(engines[0]), TurnLocks(engines[1])
    try:
        assert one.cross_process and two.cross_process
        assert not await overlapping(one, two, "T1:C1:1.0", "T1:C1:1.0")
        assert await overlapping(one, two, "T1:C1:1.0", "T1:C1:2.0")
        # A released lock is free again for the other process right away.
        assert not await overlapping(two, one, "T1:C1:1.0", "T1:C1:1.0")
    finally:
        for locks in (one, two):
            await locks.aclose()
        for engine in engines:
            await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HARDE_TEST_POSTGRES_URL is not set")
async def test_on_postgresql_a_turn_queued_too_long_is_told_the_thread_is_busy(postgres_url):
    engines = [engine_for(postgres_url), engine_for(postgres_url)]
    holder, waiter = TurnLocks(engines[0]), TurnLocks(engines[1], wait=0.3)
    try:
        async with holder.hold("T1:C1:1.0"):
            with pytest.raises(StoreBusy):
                async with waiter.hold("T1:C1:1.0"):
                    pass
        async with waiter.hold("T1:C1:1.0"):  # and nothing was left held
            pass
    finally:
        for locks in (holder, waiter):
            await locks.aclose()
        for engine in engines:
            await engine.dispose()


async def test_a_turn_queued_too_long_in_one_process_is_told_the_thread_is_busy():
    locks = TurnLocks(wait=0.2)
    async with locks.hold("k"):
        with pytest.raises(StoreBusy):
            async with locks.hold("k"):
                pass


async def test_a_timeout_inside_the_turn_is_not_mistaken_for_a_busy_thread():
    locks = TurnLocks(wait=5)
    with pytest.raises(TimeoutError):
        async with locks.hold("k"):
            raise TimeoutError


async def test_two_concurrent_turns_in_one_thread_run_one_after_the_other(bot_factory, fake_slack, fake_openai, database_url):
    assert all(route(q).flow == "direct" for q in QUESTIONS)
    # On PostgreSQL the two turns land on two Hard-E instances (as two processes would);
    # SQLite serves one process, so both go to the one instance there.
    first_bot = await bot_factory()
    second_bot = await bot_factory() if database_url.startswith("postgresql") else first_bot
    fake_openai.reply(FIRST, chunk_size=8, delay=0.03)  # ~0.75 s of streaming
    fake_openai.reply(SECOND)
    root = se.next_ts()

    await asyncio.gather(
        first_bot.send_event(se.mention(QUESTIONS[0], thread_ts=root)),
        second_bot.send_event(se.mention(QUESTIONS[1], thread_ts=root)),
    )
    await first_bot.settle()
    await second_bot.settle()

    first_request, second_request = fake_openai.requests
    [first_stream, _] = fake_openai.streams
    # The second turn's model call began only after the first turn's answer had finished...
    assert second_request.at >= first_stream.finished_at
    # ...and it saw that whole exchange in its history, in order.
    history = str(second_request.body["input"])
    asked_first = next(q for q in QUESTIONS if q in str(first_request.body["input"]))
    assert history.index(asked_first) < history.index(FIRST[:40])
    replies = fake_slack.messages(channel="C1", thread_ts=root)
    assert sorted(m.text for m in replies) == sorted([FIRST, SECOND])
    # While it queued, the second reply said why it was not answering yet.
    [second_reply] = [m for m in replies if m.text == SECOND]
    assert f"_{QUEUED}_" in second_reply.edits
    [first_reply] = [m for m in replies if m.text == FIRST]
    assert not any(QUEUED in edit for edit in first_reply.edits)


async def test_turns_in_different_threads_still_run_side_by_side(bot, fake_slack, fake_openai):
    fake_openai.reply(FIRST, chunk_size=8, delay=0.03)
    fake_openai.reply(SECOND)
    await asyncio.gather(
        bot.send_event(se.mention(QUESTIONS[0], thread_ts=se.next_ts())),
        bot.send_event(se.mention(QUESTIONS[1], thread_ts=se.next_ts())),
    )
    await bot.settle()
    _, second_request = fake_openai.requests
    [first_stream, _] = fake_openai.streams
    assert second_request.at < first_stream.finished_at


async def test_a_housekeeping_job_runs_once_at_a_time_and_a_second_run_skips(database_url):
    from hard_e.store.locks import exclusive

    engines = [engine_for(database_url), engine_for(database_url)]
    try:
        async with exclusive(engines[0], "kb-sync", wait=False) as first:
            async with exclusive(engines[1], "kb-sync", wait=False) as second:
                assert (first, second) == (True, False)
            async with exclusive(engines[1], "transcripts-load", wait=False) as other_job:
                assert other_job
        async with exclusive(engines[1], "kb-sync", wait=False) as after:
            assert after

        # An admin's command waits for the run in progress instead of skipping.
        order: list[str] = []

        async def scheduled() -> None:
            async with exclusive(engines[0], "kb-sync", wait=False) as ours:
                assert ours
                order.append("scheduled starts")
                await asyncio.sleep(0.2)
                order.append("scheduled ends")

        async def command() -> None:
            await asyncio.sleep(0.05)
            async with exclusive(engines[1], "kb-sync", wait=True) as ours:
                assert ours
                order.append("command runs")

        await asyncio.gather(scheduled(), command())
        assert order == ["scheduled starts", "scheduled ends", "command runs"]
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HARDE_TEST_POSTGRES_URL is not set")
async def test_on_postgresql_many_turns_in_flight_share_one_lock_connection(postgres_url):
    from sqlalchemy import text

    engine = engine_for(postgres_url)
    locks = TurnLocks(engine)
    held = asyncio.Event()
    release = asyncio.Event()
    entered = 0

    async def turn(key: str) -> None:
        nonlocal entered
        async with locks.hold(key):
            entered += 1
            if entered == 20:
                held.set()
            await release.wait()

    turns = [asyncio.create_task(turn(f"T1:C1:{n}.0")) for n in range(20)]
    try:
        await asyncio.wait_for(held.wait(), 5)
        async with engine.connect() as conn:
            backends = (await conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))).scalar()
            advisory = (await conn.execute(text(ADVISORY_HERE))).scalar()
        assert (backends, advisory) == (1, 20)
    finally:
        release.set()
        await asyncio.gather(*turns)
        await locks.aclose()
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HARDE_TEST_POSTGRES_URL is not set")
async def test_on_postgresql_a_dropped_lock_connection_is_replaced(postgres_url):
    from sqlalchemy import text

    engine = engine_for(postgres_url)
    locks = TurnLocks(engine)
    try:
        async with locks.hold("T1:C1:1.0"):
            async with engine.connect() as conn:
                await conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE " + THIS_DATABASE + " AND pid <> pg_backend_pid()"
                ))
        # The release failed quietly (the server had dropped the lock with its connection) and the next
        # turn gets a fresh connection.
        other = TurnLocks(engine_for(postgres_url))
        try:
            assert not await overlapping(locks, other, "T1:C1:1.0", "T1:C1:1.0")
        finally:
            await other.aclose()
    finally:
        await locks.aclose()
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HARDE_TEST_POSTGRES_URL is not set")
async def test_on_postgresql_a_lock_connection_dropped_between_turns_is_replaced_quietly(postgres_url):
    from sqlalchemy import text

    engine = engine_for(postgres_url)
    locks = TurnLocks(engine)
    try:
        async with locks.hold("T1:C1:1.0"):
            pass
        async with engine.connect() as conn:  # e.g. a PostgreSQL restart or an idle-connection reaper
            await conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))
        async with locks.hold("T1:C1:1.0"):
            async with engine.connect() as conn:
                assert (await conn.execute(text(ADVISORY_HERE))).scalar() == 1
    finally:
        await locks.aclose()
        await engine.dispose()


async def test_a_thread_held_elsewhere_longer_than_a_turn_tells_the_rep_it_is_busy(bot_factory, fake_slack, fake_openai):
    """The store says "busy" (StoreBusy); the brain picks the words the rep reads."""
    bot = await bot_factory(HARDE_FIRST_TOKEN_TIMEOUT="1", HARDE_TURN_TIMEOUT="1")
    root = se.next_ts()
    fake_openai.reply(FIRST)
    key = f"{se.TEAM}:C1:{root}"
    async with bot.services.locks.hold(key):  # another turn of this thread that never ends
        await bot.send_event(se.mention(QUESTIONS[0], thread_ts=root))
        await asyncio.sleep(2.5)  # past one whole turn's worth of waiting (1 s + 1 s)
        await bot.settle()
    [reply] = fake_slack.messages(channel="C1", thread_ts=root)
    assert reply.text == f":warning: {STILL_BUSY}"
    assert f"_{QUEUED}_" in reply.edits
    assert fake_openai.requests == []
