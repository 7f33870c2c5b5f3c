"""Turns for Slack methods that every stream of a workspace (or of one channel) shares.

Slack rate-limits each Web API method per app per workspace ("Tier 3: 50+ per minute") and
`chat.postMessage` per channel ("one message per second ... short bursts"), without saying how it
counts. A `RateBudget` stays inside both readings at once: at most `limit` calls in ANY rolling
window (60 s, plus a margin for the time a call takes to reach Slack; other windows can be added,
e.g. a burst per second), and no more than a token bucket of `burst` refilled at the rate allows.
A 20-call burst followed by the refill rate stays inside the bucket but exceeds 50 in a minute: the
window is what stops that. Within those limits it hands out turns:

- urgent turns (first visible text, final edit) go before progress turns, and need just one token;
- progress turns leave a reserve of one token per active stream, so that when every stream
  finishes at about the same time their final edits find tokens waiting;
- among equals, the stream served least recently goes first, so no stream starves.

A call counts against Slack's bucket when it arrives there, which can be well after we hand out its
turn (a busy event loop, a slow network). While calls are in flight (`in_flight()`), Slack's bucket
may still be full with them not yet counted, so ours refills only up to `burst - in flight`: a token
Slack could not have banked is never handed out.

Everything runs on one event loop: waiting coroutines park on futures, and a single timer wakes
the budget at the earliest moment another turn could be handed out.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

# Refill arithmetic is floating point; a hair under a whole token still counts as one.
EPSILON = 1e-9
# Slack's bucket starts refilling when a call arrives, a few milliseconds after we hand out the turn;
# once ours runs dry its refill starts this many tokens' time later (~120 ms at 50/min), so turns
# handed out on the refill never reach Slack a hair early.
SLACK_HEADROOM = 0.1
# A turn handed out now reaches Slack a little later; counting our window this much longer than
# Slack's keeps any 60 s of arrivals inside our count even when one call is slow and the next fast.
WINDOW_MARGIN = 2.0
MINUTE = 60.0


@dataclass(eq=False)
class _Waiter:
    stream: Hashable
    urgent: bool
    final: bool
    order: int  # arrival, for FIFO among otherwise equal waiters
    future: asyncio.Future[None] = field(repr=False)


class RateBudget:
    """A token bucket for one Slack method in one workspace, shared by every stream of the process,
    that hands out edit turns fairly."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        headroom: float = 0.0,
        windows: Sequence[tuple[int, float]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.per_minute = per_minute
        self.burst = burst
        self.headroom = headroom
        # (calls, seconds): at most `calls` turns in any `seconds`. Default: the per-minute limit.
        default = ((max(1, math.floor(per_minute + EPSILON)), MINUTE + WINDOW_MARGIN),)
        self.windows = tuple(windows) if windows is not None else default
        if any(calls < 1 or seconds <= 0 for calls, seconds in self.windows):
            raise ValueError("a window needs at least one call and a positive length")
        self._granted: deque[float] = deque()  # when each turn of the longest window was handed out
        self._longest = max((seconds for _, seconds in self.windows), default=0.0)
        self._rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()  # the moment `_tokens` was counted; refill starts from here
        self._paused_until = float("-inf")
        self._streams: set[Hashable] = set()
        self._shown: set[Hashable] = set()  # active streams whose first text is up
        self._waiters: list[_Waiter] = []
        self._arrivals = itertools.count()
        self._grants = itertools.count()
        self._last_served: dict[Hashable, int] = {}  # stream -> number of its latest grant
        self._wakeup: asyncio.TimerHandle | None = None
        self._flying = 0  # calls sent and not yet answered

    # -- streams ---------------------------------------------------------------------------

    def join(self, stream: Hashable) -> None:
        """A stream became active: the reserve now holds a token for its final edit."""
        self._streams.add(stream)

    def shown(self, stream: Hashable) -> None:
        """The stream's first text is up: it owes the budget only its final edit now."""
        if stream in self._streams:
            self._shown.add(stream)

    def leave(self, stream: Hashable) -> None:
        """The stream finished. Idempotent."""
        if stream not in self._streams:
            return
        self._streams.discard(stream)
        self._shown.discard(stream)
        self._last_served.pop(stream, None)
        # A smaller reserve may let a waiting progress turn through now.
        self._dispatch()

    @property
    def active(self) -> int:
        return len(self._streams)

    @property
    def owed(self) -> int:
        """Urgent turns the active streams still need: a final edit each, and a first text each
        that has not shown one."""
        return 2 * len(self._streams) - len(self._shown)

    @property
    def reserve(self) -> int:
        """Tokens a progress turn must leave behind."""
        return min(self.burst - 1, len(self._streams))

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.future.done())

    def tokens(self) -> float:
        """The current level, after refill."""
        self._refill(self._clock())
        return self._tokens

    def capacity(self) -> float:
        """Turns that could be handed out right now: the bucket's level, capped by every window."""
        now = self._clock()
        self._refill(now)
        return min(self._tokens, self._window_room(now))

    def room(self) -> float:
        """Turns every window still has room for now, whatever the bucket holds (it refills; the
        windows only empty as old turns leave them)."""
        return self._window_room(self._clock())

    def free_now(self, *, urgent: bool = True) -> bool:
        """Whether a turn would be granted at once (nobody ahead in line, and room for it)."""
        now = self._clock()
        self._refill(now)
        need = 1 if urgent else self.reserve + 1
        ahead = any(not w.future.done() and (w.urgent or not urgent) for w in self._waiters)
        return (
            now >= self._paused_until
            and not ahead
            and self._tokens + EPSILON >= need
            and self._window_room(now) >= self._window_needs(urgent)
        )

    def take_now(self, stream: Hashable, *, urgent: bool = True) -> bool:
        """Take a turn if `free_now`; False (and nothing taken) otherwise. For callers with another way."""
        if not self.free_now(urgent=urgent):
            return False
        self._grant(stream, self._clock())
        return True

    # -- turns -----------------------------------------------------------------------------

    async def acquire(self, stream: Hashable, *, urgent: bool, final: bool = False) -> None:
        """Wait for a turn; once this returns the token is spent. Final edits go first of all,
        then other urgent turns (first visible text), then progress.

        Fairness among equals follows joined streams' past turns; a stream that never joined
        counts as never served.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(stream, urgent or final, final, next(self._arrivals), future)
        self._waiters.append(waiter)
        self._dispatch()  # may grant at once, in which case the await below does not suspend
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                # Granted in the same instant we were cancelled: the turn is unused, put it back.
                self._tokens = min(float(self.burst), self._tokens + 1.0)
            else:
                self._forget(waiter)
            self._dispatch()
            raise

    def backoff(self, retry_after: float) -> None:
        """Slack answered 429: no turns for anyone for `retry_after` seconds, and the bucket is empty.

        Refill restarts when the pause ends, so the streams do not burst back into the limit.
        An existing longer pause is kept.
        """
        now = self._clock()
        self._refill(now)
        self._paused_until = max(self._paused_until, now + retry_after)
        self._tokens = 0.0
        self._stamp = max(self._stamp, self._paused_until)
        self._dispatch()

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Around a call whose turn was granted: until Slack answers it, it may not have counted yet."""
        self._refill(self._clock())
        self._flying += 1
        # Slack's bucket holds at most `burst` including this call: ours, with it spent, one less.
        self._tokens = min(self._tokens, float(self.burst - self._flying))
        try:
            yield
        finally:
            self._refill(self._clock())
            self._flying -= 1
            self._dispatch()

    @property
    def flying(self) -> int:
        return self._flying

    # -- inside ----------------------------------------------------------------------------

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            ceiling = float(self.burst - self._flying)
            if self._tokens < ceiling:
                self._tokens = min(ceiling, self._tokens + (now - self._stamp) * self._rate)
            self._stamp = now

    def _needs(self, waiter: _Waiter) -> int:
        """Tokens that must be in the bucket for `waiter` to take one."""
        return 1 if waiter.urgent else self.reserve + 1

    def _window_needs(self, urgent: bool) -> int:
        """Room every window must have for a turn: progress also leaves the reserve, and a fifth of
        the shortest window's calls for answers that have not started yet (their first text and
        final edit come before anyone's progress)."""
        if urgent:
            return 1
        return self.reserve + 1 + min(calls for calls, _ in self.windows) // 5

    def _rank(self, waiter: _Waiter) -> tuple[bool, bool, int, int]:
        # Finals, then other urgent turns, then progress; among equals the stream served least
        # recently (never served: -1), then arrival. Finals first: a finished answer frees its stream.
        return (not waiter.urgent, not waiter.final, self._last_served.get(waiter.stream, -1), waiter.order)

    def _forget(self, waiter: _Waiter) -> None:
        try:
            self._waiters.remove(waiter)
        except ValueError:
            pass

    def _dispatch(self) -> None:
        """Grant every turn that can be granted now, then set one timer for the next possible one."""
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        # Cancelled acquisitions clean up after themselves, but may not have run yet.
        self._waiters = [w for w in self._waiters if not w.future.done()]
        if not self._waiters:
            return
        now = self._clock()
        self._refill(now)
        while self._waiters:
            waiter = min(self._waiters, key=self._rank)
            if (
                now < self._paused_until
                or self._tokens + EPSILON < self._needs(waiter)
                or self._window_room(now) < self._window_needs(waiter.urgent)
            ):
                self._schedule(waiter, now)
                return
            self._waiters.remove(waiter)
            self._grant(waiter.stream, now)
            waiter.future.set_result(None)

    def _grant(self, stream: Hashable, now: float) -> None:
        self._tokens = max(0.0, self._tokens - 1.0)
        if self.headroom and self._tokens < 1.0:
            # The bucket ran dry: from here on turns follow the refill, so start it a little
            # later than Slack's own, which starts when our call arrives.
            self._stamp = max(self._stamp, now + self.headroom / self._rate)
        self._granted.append(now)
        if stream in self._streams:
            # Streams that never joined are not remembered: they have no leave() to forget them.
            self._last_served[stream] = next(self._grants)

    def _window_room(self, now: float) -> float:
        """Turns every window still has room for at `now`."""
        while self._granted and self._granted[0] <= now - self._longest:
            self._granted.popleft()
        room = math.inf
        for calls, seconds in self.windows:
            inside = len(self._granted) - self._first_inside(now - seconds)
            room = min(room, calls - inside)
        return room

    def _first_inside(self, since: float) -> int:
        """Index of the first grant after `since` (grants are in time order)."""
        granted = self._granted
        low, high = 0, len(granted)
        while low < high:
            mid = (low + high) // 2
            if granted[mid] <= since:
                low = mid + 1
            else:
                high = mid
        return low

    def _window_ready_at(self, now: float, need: int) -> float:
        """The earliest moment every window has room for `need` turns (grants only leave windows)."""
        ready = now
        for calls, seconds in self.windows:
            first = self._first_inside(now - seconds)
            inside = len(self._granted) - first
            excess = inside - (calls - need)
            if excess > 0:
                ready = max(ready, self._granted[first + excess - 1] + seconds)
        return ready

    def _schedule(self, waiter: _Waiter, now: float) -> None:
        """One timer, at the moment `waiter` (the first in line) could be served."""
        start = max(now, self._paused_until, self._stamp)
        deficit = max(0.0, self._needs(waiter) - self._tokens)
        at = max(start + deficit / self._rate, self._window_ready_at(now, self._window_needs(waiter.urgent)))
        loop = waiter.future.get_loop()
        self._wakeup = loop.call_later(max(0.0, at - now) + 1e-3, self._wake)

    def _wake(self) -> None:
        self._wakeup = None
        self._dispatch()


@dataclass(frozen=True)
class Limit:
    """A Slack method's published limit: `per_minute` calls, bursts of `burst`; per workspace, or
    per channel (chat.postMessage: "one message per second per channel ... short bursts")."""

    per_minute: float
    burst: int
    per_channel: bool = False


class RateBudgets:
    """One RateBudget per (team, method) — or (team, method, channel) for per-channel limits —
    created on first use."""

    def __init__(
        self,
        limits: Mapping[str, Limit | tuple[float, int]],
        *,
        share: float = 1.0,
        headroom: float = SLACK_HEADROOM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        # Several processes serving one workspace each take their share of Slack's limit.
        self._limits: dict[str, Limit] = {}
        for method, given in limits.items():
            limit = given if isinstance(given, Limit) else Limit(*given)
            self._limits[method] = Limit(limit.per_minute * share, max(1, math.floor(limit.burst * share + EPSILON)), limit.per_channel)
        self._clock = clock
        self._headroom = headroom
        self._budgets: dict[tuple[str, ...], RateBudget] = {}

    def get(self, team_id: str, method: str, channel: str | None = None) -> RateBudget | None:
        """The budget for `method` in `team_id` (and `channel`, when limited per channel); None when
        the method is not budgeted."""
        limit = self._limits.get(method)
        if limit is None:
            return None
        key = (team_id, method, channel or "") if limit.per_channel else (team_id, method)
        budget = self._budgets.get(key)
        if budget is None:
            windows = None
            if limit.per_channel:
                # A short burst, then about one a second: at most `burst` in any second as well.
                windows = ((max(1, math.floor(limit.per_minute + EPSILON)), MINUTE + WINDOW_MARGIN), (limit.burst, 1.0 + WINDOW_MARGIN / 8))
            budget = RateBudget(limit.per_minute, limit.burst, headroom=self._headroom, windows=windows, clock=self._clock)
            self._budgets[key] = budget
        return budget
