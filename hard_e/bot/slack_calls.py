"""Slack Web API calls made while answering: budgeted, counted, and retried the same way everywhere.

A call to a budgeted method (every method an answer calls, `bot/slack_limits.py`) first waits for a
turn from the workspace's — or, for chat.postMessage, the channel's — `RateBudget`; a 429 pauses
that budget for `Retry-After` seconds for every stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Hashable
from contextlib import nullcontext
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from hard_e.bot.metrics import Metrics
from hard_e.bot.rate_budget import RateBudget, RateBudgets

log = logging.getLogger(__name__)

# Errors that no retry can fix.
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "message_not_found",
    "cant_update_message",
    "msg_too_long",
    "no_text",
    "invalid_blocks",
    "invalid_arguments",
    "unknown_method",
    "not_allowed_token_type",
    "method_deprecated",
    "invalid_chunks",
    "edit_window_closed",
}


def error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or exc.response.status_code)
    except Exception:
        return "unknown"


def retry_after(exc: SlackApiError) -> float:
    """Seconds Slack asked us to wait (0 when it was not a 429)."""
    try:
        if exc.response.status_code == 429:
            headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
            return max(1.0, float(headers.get("retry-after", 1)))
    except (AttributeError, TypeError, ValueError):
        pass
    return 0.0


class SlackCalls:
    """The calls one stream makes, in one workspace."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        team_id: str,
        budgets: RateBudgets,
        metrics: Metrics,
        tidying: set[asyncio.Task[None]] | None = None,
    ) -> None:
        self.client = client
        self._team_id = team_id
        self._budgets = budgets
        self._metrics = metrics
        self._tidying: set[asyncio.Task[None]] = tidying if tidying is not None else set()

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Clean-up that runs after an answer is complete, as the budgets allow (shutdown waits for it)."""
        task = asyncio.create_task(work)
        self._tidying.add(task)
        task.add_done_callback(self._tidying.discard)

    def budget(self, method: str, channel: str | None = None) -> RateBudget | None:
        """The budget `method` draws on here (None: not budgeted)."""
        return self._budgets.get(self._team_id, method, channel)

    def join(self, stream: Hashable, method: str) -> None:
        if (budget := self.budget(method)) is not None:
            budget.join(stream)

    def leave(self, stream: Hashable, method: str) -> None:
        if (budget := self.budget(method)) is not None:
            budget.leave(stream)

    async def turn(self, method: str, stream: Hashable, *, urgent: bool, final: bool = False) -> None:
        """Wait for a budget turn for `method` (at once when it is not budgeted)."""
        if (budget := self.budget(method)) is not None:
            await budget.acquire(stream, urgent=urgent, final=final)

    async def call(
        self,
        method: str,
        *,
        stream: Hashable = None,
        urgent: bool = True,
        final: bool = False,
        have_turn: bool = False,
        **params: Any,
    ) -> AsyncSlackResponse:
        """One attempt. Waits for a budget turn first, unless the caller already holds one."""
        budget = self.budget(method, params.get("channel") or params.get("channel_id"))
        if budget is not None and not have_turn:
            await budget.acquire(stream, urgent=urgent, final=final)
        with budget.in_flight() if budget is not None else nullcontext():
            try:
                # Budgeted here already: a budgeted client (bot/budgeted_client.py) must not count it again.
                send = getattr(self.client, "unbudgeted_call", self.client.api_call)
                response = await send(method, json={k: v for k, v in params.items() if v is not None})
            except SlackApiError as exc:
                code = error_code(exc)
                self._metrics.slack_calls.labels(method=method, outcome=code).inc()
                log.warning("slack %s failed: %s", method, code)
                if budget is not None and (wait := retry_after(exc)):
                    budget.backoff(wait)  # before the call leaves flight, so nothing slips out in between
                raise
        self._metrics.slack_calls.labels(method=method, outcome="ok").inc()
        return response

    async def call_retrying(self, method: str, *, attempts: int = 4, stream: Hashable = None, **params: Any) -> AsyncSlackResponse:
        """A final call that must land: first in line, retried after Retry-After or a short pause."""
        for attempt in range(attempts):
            try:
                return await self.call(method, stream=stream, urgent=True, final=True, **params)
            except SlackApiError as exc:
                if attempt == attempts - 1 or error_code(exc) in PERMANENT_ERRORS:
                    raise
                wait = retry_after(exc)
                if not wait or self.budget(method, params.get("channel")) is None:
                    # A budgeted method waits on the budget's pause instead of sleeping here.
                    await asyncio.sleep(wait or 0.5 * (attempt + 1))
        raise AssertionError("unreachable")
