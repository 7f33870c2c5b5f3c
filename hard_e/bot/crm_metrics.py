"""CRM calls counted for /metrics, by operation and outcome, whichever CRM is behind the port (Leap or
the local one). A thin proxy: every coroutine method of the CRM is counted, everything else passes."""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from hard_e.agents.ports import CRM
from hard_e.bot.metrics import Metrics


class CountedCRM:
    def __init__(self, crm: CRM, metrics: Metrics) -> None:
        self._crm = crm
        self._metrics = metrics

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._crm, name)
        if name.startswith("_") or name == "aclose" or not inspect.iscoroutinefunction(attr):
            return attr
        return self._counted(name, attr)

    def _counted(self, name: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            outcome = "ok"
            try:
                return await call(*args, **kwargs)
            except Exception as exc:
                outcome = type(exc).__name__
                raise
            finally:
                self._metrics.crm_calls.labels(operation=name, outcome=outcome).inc()
                self._metrics.crm_seconds.labels(operation=name).observe(time.monotonic() - started)

        return counted


def counted(crm: CRM, metrics: Metrics) -> CRM:
    """`crm`, its calls counted in `metrics`."""
    return cast(CRM, CountedCRM(crm, metrics))
