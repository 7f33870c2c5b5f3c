"""The shared Slack edit budget: turns handed out at Slack's rate, urgent first, fairly, never blocking.

Most tests use a hand-moved clock for the token count, so what gets granted is exact. The budget's
wake-up timer still runs on the event loop, in real seconds equal to the clock's seconds, so rates
here are high (10 turns/s) and a test moves the clock, then sleeps a little longer than one turn.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from hard_e.bot.rate_budget import RateBudget, RateBudgets

TEN_PER_SECOND = 600.0  # per minute
ONE_TURN = 0.1  # seconds for one token at TEN_PER_SECOND
TIMER_MARGIN = 0.05


class HandClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def let_tasks_run() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def advance_one_turn(clock: HandClock) -> None:
    """One more token exists; wait for the budget's timer to notice."""
    clock.advance(ONE_TURN)
    await asyncio.sleep(ONE_TURN + TIMER_MARGIN)


def start(budget: RateBudget, stream: str, *, urgent: bool, served: list[str]) -> asyncio.Task[None]:
    async def take_turn() -> None:
        await budget.acquire(stream, urgent=urgent)
        served.append(stream)

    return asyncio.create_task(take_turn())


async def test_full_bucket_grants_burst_at_once_then_paces_at_the_rate():
    budget = RateBudget(TEN_PER_SECOND, 3)  # the real clock
    started = time.monotonic()
    for _ in range(3):
        await budget.acquire("a", urgent=True)
    assert time.monotonic() - started < 0.05

    granted_at = []
    for _ in range(3):
        await budget.acquire("a", urgent=True)
        granted_at.append(time.monotonic() - started)
    # Never ahead of the refill (a late wake-up on a busy machine makes the next gap look short,
    # so the check is on the running total, not on each gap).
    assert all(at >= (k + 1) * ONE_TURN * 0.95 for k, at in enumerate(granted_at)), granted_at
    assert granted_at[-1] < 3 * ONE_TURN + 0.2


async def test_an_empty_bucket_grants_nothing_until_a_token_has_refilled():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 2, clock=clock)
    await budget.acquire("a", urgent=True)
    await budget.acquire("a", urgent=True)
    served: list[str] = []
    start(budget, "a", urgent=True, served=served)
    await asyncio.sleep(ONE_TURN + TIMER_MARGIN)  # time passes, the clock does not: no token
    assert served == [] and budget.waiting == 1

    await advance_one_turn(clock)
    assert served == ["a"] and budget.waiting == 0


async def test_urgent_edit_goes_before_queued_progress_edits():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 1, clock=clock)
    await budget.acquire("drain", urgent=True)
    served: list[str] = []
    start(budget, "progress-1", urgent=False, served=served)
    start(budget, "progress-2", urgent=False, served=served)
    await let_tasks_run()
    start(budget, "final", urgent=True, served=served)
    await let_tasks_run()

    await advance_one_turn(clock)
    assert served == ["final"]
    await advance_one_turn(clock)
    await advance_one_turn(clock)
    assert served == ["final", "progress-1", "progress-2"]


async def test_streams_take_turns_and_none_starves():
    budget = RateBudget(6000.0, 4)  # 100 turns/s, real clock
    streams = ["a", "b", "c"]
    for stream in streams:
        budget.join(stream)
    served: list[str] = []
    thirty_served = asyncio.Event()

    async def keep_editing(stream: str) -> None:
        while True:
            await budget.acquire(stream, urgent=False)
            served.append(stream)
            if len(served) >= 30:
                thirty_served.set()

    workers = [asyncio.create_task(keep_editing(s)) for s in streams]
    async with asyncio.timeout(5):
        await thirty_served.wait()
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)

    counts = [served.count(s) for s in streams]
    assert max(counts) - min(counts) <= 1, counts
    assert all(sorted(served[i:i + 3]) == streams for i in range(0, 27, 3)), served
    assert budget.waiting == 0


async def test_the_stream_served_least_recently_goes_first_not_the_first_to_ask():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 1, clock=clock)
    for stream in ["a", "b", "c"]:
        budget.join(stream)
    await budget.acquire("a", urgent=False)
    served: list[str] = []
    for stream in ["a", "a", "b", "c"]:  # "a" asked first, twice, but was just served
        start(budget, stream, urgent=False, served=served)
        await let_tasks_run()

    for _ in range(4):
        await advance_one_turn(clock)
    assert served == ["b", "c", "a", "a"]


async def test_progress_edits_leave_a_token_for_each_active_streams_final_edit():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 6, clock=clock)
    for n in range(5):
        budget.join(f"s{n}")

    await budget.acquire("s0", urgent=False)  # 6 -> 5: the reserve of 5 is still there
    assert budget.tokens() == pytest.approx(5)
    served: list[str] = []
    progress = start(budget, "s1", urgent=False, served=served)
    await let_tasks_run()
    assert served == [] and budget.waiting == 1  # it would leave 4

    for n in range(5):
        await asyncio.wait_for(budget.acquire(f"s{n}", urgent=True), timeout=0.01)
    assert budget.tokens() == pytest.approx(0)
    assert served == []
    progress.cancel()


async def test_a_stream_leaving_shrinks_the_reserve_and_lets_progress_through():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 6, clock=clock)
    for n in range(5):
        budget.join(f"s{n}")
    await budget.acquire("s0", urgent=False)
    served: list[str] = []
    start(budget, "s1", urgent=False, served=served)
    await let_tasks_run()
    assert served == []

    budget.leave("s4")
    budget.leave("s4")  # idempotent
    await let_tasks_run()
    assert served == ["s1"] and budget.active == 4


async def test_a_lone_stream_edits_freely():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 5, clock=clock)
    budget.join("only")
    for _ in range(4):
        await asyncio.wait_for(budget.acquire("only", urgent=False), timeout=0.01)
    assert budget.tokens() == pytest.approx(1)  # kept for its final edit
    await asyncio.wait_for(budget.acquire("only", urgent=True), timeout=0.01)


async def test_backoff_delays_every_turn_without_blocking_the_loop():
    budget = RateBudget(6000.0, 5)  # real clock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    budget.backoff(1.0)
    budget.backoff(0.1)  # a shorter pause does not cut the longer one
    assert budget.tokens() == 0
    await budget.acquire("a", urgent=True)
    waited = time.monotonic() - started
    ticker.cancel()

    assert waited >= 1.0
    assert waited < 1.5
    assert ticks >= 50  # the loop kept running other coroutines meanwhile


async def test_backoff_empties_the_bucket_and_refill_resumes_after_the_pause():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 5, clock=clock)
    budget.backoff(2.0)
    clock.advance(2.0)
    assert budget.tokens() == 0
    clock.advance(0.3)
    assert budget.tokens() == pytest.approx(3)


async def test_a_cancelled_wait_leaves_no_waiter_and_takes_no_token():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 2, clock=clock)
    await budget.acquire("a", urgent=True)
    await budget.acquire("a", urgent=True)
    waiting = start(budget, "a", urgent=True, served=[])
    await let_tasks_run()
    assert budget.waiting == 1

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert budget.waiting == 0
    clock.advance(ONE_TURN)
    assert budget.tokens() == pytest.approx(1)
    await asyncio.wait_for(budget.acquire("b", urgent=True), timeout=0.01)


async def test_a_turn_granted_as_the_wait_is_cancelled_goes_back_in_the_bucket():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 2, clock=clock)
    budget.join("a")
    await budget.acquire("a", urgent=True)  # 1 token left; progress needs 2 while "a" is active
    waiting = start(budget, "b", urgent=False, served=[])
    await let_tasks_run()
    assert budget.waiting == 1

    budget.leave("a")  # the reserve drops to 0: the turn is granted at once...
    waiting.cancel()  # ...but the waiter is cancelled before it could use it
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert budget.waiting == 0
    assert budget.tokens() == pytest.approx(1)


async def test_many_waiters_share_one_wakeup_timer(monkeypatch):
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 1, clock=clock)
    await budget.acquire("drain", urgent=True)
    loop = asyncio.get_running_loop()
    timers: list[asyncio.TimerHandle] = []
    real_call_later = loop.call_later

    def counting_call_later(*args, **kwargs):
        timers.append(real_call_later(*args, **kwargs))
        return timers[-1]

    monkeypatch.setattr(loop, "call_later", counting_call_later)
    tasks = [start(budget, f"s{n}", urgent=n % 2 == 0, served=[]) for n in range(6)]
    await let_tasks_run()
    assert budget.waiting == 6
    assert sum(not timer.cancelled() for timer in timers) == 1
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert budget.waiting == 0
    assert sum(not timer.cancelled() for timer in timers) == 0


async def test_share_scales_rate_and_burst():
    clock = HandClock()
    budgets = RateBudgets({"chat.update": (60.0, 6)}, share=0.5, headroom=0.0, clock=clock)
    budget = budgets.get("T1", "chat.update")
    assert (budget.per_minute, budget.burst) == (30.0, 3)
    assert budget.tokens() == pytest.approx(3)
    for _ in range(3):
        await budget.acquire("a", urgent=True)
    clock.advance(2.0)
    assert budget.tokens() == pytest.approx(1)  # half a token a second

    tiny = RateBudgets({"chat.update": (60.0, 5)}, share=0.1).get("T1", "chat.update")
    assert tiny.burst == 1


def test_share_must_be_a_fraction_of_the_workspace():
    with pytest.raises(ValueError):
        RateBudgets({}, share=0)
    with pytest.raises(ValueError):
        RateBudgets({}, share=1.5)


def test_one_budget_per_team_and_method():
    budgets = RateBudgets({"chat.update": (50.0, 20), "chat.appendStream": (100.0, 20)})
    update = budgets.get("T1", "chat.update")
    assert update is budgets.get("T1", "chat.update")
    assert update is not budgets.get("T2", "chat.update")
    assert update is not budgets.get("T1", "chat.appendStream")
    assert budgets.get("T1", "chat.postMessage") is None


async def test_headroom_delays_refill_once_the_bucket_runs_dry():
    clock = HandClock()
    budget = RateBudget(60.0, 2, headroom=0.5, clock=clock)  # one token a second
    await budget.acquire("a", urgent=True)
    assert budget.tokens() == pytest.approx(1)  # not dry yet: refill runs as usual
    await budget.acquire("a", urgent=True)
    clock.advance(1.0)
    assert budget.tokens() == pytest.approx(0.5)  # dry: refill started half a token late
    clock.advance(0.5)
    assert budget.tokens() == pytest.approx(1)


async def test_a_call_in_flight_keeps_refill_below_what_slack_could_have_banked():
    clock = HandClock()
    budget = RateBudget(60.0, 2, clock=clock)  # one token a second
    await budget.acquire("a", urgent=True)
    with budget.in_flight():
        assert budget.flying == 1
        clock.advance(5.0)
        # Slack has not counted the call yet, so its bucket is still full: ours can hold one more turn, not two.
        assert budget.tokens() == pytest.approx(1)
    # Slack counted it at the latest now; refill goes on from here.
    assert budget.flying == 0
    assert budget.tokens() == pytest.approx(1)
    clock.advance(1.0)
    assert budget.tokens() == pytest.approx(2)


async def test_a_waiter_held_back_by_calls_in_flight_gets_its_turn_when_they_land():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 1, clock=clock)
    await budget.acquire("a", urgent=True)
    served: list[str] = []
    with budget.in_flight():
        start(budget, "b", urgent=True, served=served)
        await advance_one_turn(clock)
        await advance_one_turn(clock)
        assert served == []  # the call has not landed: Slack's only token may still be unspent
    clock.advance(ONE_TURN)
    await asyncio.sleep(ONE_TURN + TIMER_MARGIN)
    assert served == ["b"]


def test_a_rolling_window_caps_what_the_bucket_alone_would_allow():
    # The bucket alone: 3 at once, then 10 a second. The window: at most 4 in any 0.5 s.
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 3, windows=((4, 0.5),), clock=clock)
    granted_at = []
    for _ in range(240):  # 1.2 s in 5 ms steps
        while budget.take_now("a"):
            granted_at.append(clock.now)
        clock.advance(0.005)
    for at in granted_at:
        inside = [g for g in granted_at if at - 0.5 < g <= at]
        assert len(inside) <= 4, [round(g - granted_at[0], 3) for g in granted_at]
    assert len(granted_at) >= 8  # and it keeps granting as turns leave the window


async def test_a_waiting_turn_wakes_when_the_window_has_room():
    budget = RateBudget(TEN_PER_SECOND, 5, windows=((2, 0.3),))  # the real clock: the wake-up timer
    started = time.monotonic()
    for _ in range(3):
        await budget.acquire("a", urgent=True)
    assert 0.3 <= time.monotonic() - started < 0.3 + 0.25


async def test_slacks_published_minute_holds_after_a_burst_and_the_refill():
    # 50 a minute with a burst of 20: by the bucket alone 20 + 50 calls could go in the first minute.
    clock = HandClock()
    budget = RateBudget(50, 20, clock=clock)
    granted: list[float] = []
    for _ in range(200):
        if budget.take_now("a"):
            granted.append(clock.now)
        clock.advance(0.5)
    for at in granted:
        assert len([g for g in granted if at - 60 < g <= at]) <= 50
    assert len(granted) >= 50 + 20  # over 100 s: the window refills as its oldest turns leave


def test_take_now_respects_the_line_and_the_reserve():
    clock = HandClock()
    budget = RateBudget(TEN_PER_SECOND, 3, clock=clock)
    budget.join("a")
    budget.join("b")
    assert budget.free_now(urgent=False)  # 3 tokens, reserve 2: one progress turn
    assert budget.take_now("a", urgent=False)
    assert not budget.free_now(urgent=False) and budget.free_now(urgent=True)
    assert budget.take_now("b") and budget.take_now("b")
    assert not budget.take_now("a") and budget.capacity() < 1


def test_what_the_streams_still_owe_counts_a_first_text_until_it_is_shown():
    budget = RateBudget(50, 20)
    for stream in ("a", "b", "c"):
        budget.join(stream)
    assert budget.owed == 6  # a first text and a final edit each
    budget.shown("a")
    budget.shown("a")
    budget.shown("stranger")  # never joined: nothing owed, nothing changes
    assert budget.owed == 5
    budget.leave("a")
    assert budget.owed == 4
    budget.join("a")  # a new answer on the same key owes both again
    assert budget.owed == 6
