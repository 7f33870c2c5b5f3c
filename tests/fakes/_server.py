"""Run an aiohttp app on 127.0.0.1 in a background thread with its own event loop.

The fakes live in their own thread so that tests (and the code under test) can
drive them with real HTTP clients from any event loop, or from sync code.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

_START_TIMEOUT = 5.0
_STOP_TIMEOUT = 5.0
# Handlers still running at shutdown (stalls, delays) get this long to finish.
_HANDLER_GRACE = 1.0


@dataclass(frozen=True)
class Req:
    """One recorded request. `headers` keys are lower-cased."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() when the request arrived


class FakeServer:
    """Base class: subclasses implement `_build_app()`; state is guarded by `_lock`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._requests: list[Req] = []
        self.port: int = 0

    # -- to override -------------------------------------------------------

    def _build_app(self) -> web.Application:
        raise NotImplementedError

    # -- lifecycle ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        if not self.port:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._ready.is_set()

    def start(self) -> Self:
        """Start listening on a free port; returns self once the socket is bound."""
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        self._ready.clear()
        self._start_error = None
        self._thread = threading.Thread(
            target=self._run, name=f"{type(self).__name__}-loop", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            raise RuntimeError(f"{type(self).__name__} did not start within {_START_TIMEOUT}s")
        if self._start_error is not None:
            self._thread.join(_STOP_TIMEOUT)
            self._thread = None
            raise RuntimeError(f"{type(self).__name__} failed to start") from self._start_error
        return self

    def stop(self) -> None:
        """Shut the server down; waits a bounded time. Safe to call twice."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            try:
                fut.result(_STOP_TIMEOUT)
            except Exception:
                pass
            loop.call_soon_threadsafe(loop.stop)
        thread.join(_STOP_TIMEOUT)
        self._thread = None
        self.port = 0

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:
            self._start_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            # Cancel whatever is left (e.g. handlers that outlived the grace period).
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self) -> None:
        self._closing = asyncio.Event()
        runner = web.AppRunner(
            self._build_app(), handle_signals=False, access_log=None, shutdown_timeout=_HANDLER_GRACE
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def _shutdown(self) -> None:
        if self._closing is not None:
            self._closing.set()  # wakes stalled/delayed handlers
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- helpers for handlers (run on the server loop) ----------------------

    async def _sleep(self, seconds: float) -> bool:
        """Sleep up to `seconds`; returns False early if the server is stopping."""
        if seconds <= 0:
            return True
        assert self._closing is not None
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    async def _record(self, request: web.Request) -> tuple[Any, dict[str, str]]:
        """Record `request`; returns its JSON body (None when it is not JSON) and lower-cased headers."""
        at = time.monotonic()
        try:
            body = await request.json()
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self._requests.append(Req(request.path, copy.deepcopy(body) if isinstance(body, dict) else {}, headers, at))
        return body, headers

    # -- test helpers --------------------------------------------------------

    @property
    def requests(self) -> list[Req]:
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> Req | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01
    ) -> bool:
        """Poll `predicate` until truthy (returns True) or raise AssertionError after `timeout`.

        This blocks the calling thread: from an async test whose own loop must make
        progress for the predicate to become true, use `await wait_for_async(...)`.
        """
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            time.sleep(interval)

    async def wait_for_async(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109  polling deadline, fails with AssertionError like `wait_for`
        interval: float = 0.01,
    ) -> bool:
        """Async twin of `wait_for` that yields to the caller's event loop while polling."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            await asyncio.sleep(interval)
