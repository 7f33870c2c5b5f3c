"""A Slack Web API client whose every call draws on the workspace's rate budgets.

Answers are streamed through `SlackCalls`, which budgets with priorities (first text and finals
first, fair progress). Everything else a handler calls directly — `views.open`/`update`,
`files.info`, `users.info`, `conversations.open`, `chat.getPermalink`, `chat.postMessage` for a
status line — goes through this client, installed on every Bolt request by `use_budgeted_clients`,
and takes an urgent turn from the same budgets (`bot/slack_limits.py`), so no load of any kind can
push a method past Slack's published limits. `SlackCalls` calls `unbudgeted_call` for the calls it
has already budgeted.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from hard_e.bot.rate_budget import RateBudgets
from hard_e.bot.slack_calls import retry_after


class BudgetedWebClient(AsyncWebClient):
    def __init__(self, *args: Any, budgets: RateBudgets, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._budgets = budgets

    @classmethod
    def like(cls, client: AsyncWebClient, budgets: RateBudgets) -> BudgetedWebClient:
        """The same client (token, URL, session, team) with budgets."""
        return cls(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            session=client.session,
            trust_env_in_session=client.trust_env_in_session,
            headers=client.headers,
            team_id=client.default_params.get("team_id"),
            logger=client.logger,
            retry_handlers=client.retry_handlers.copy() if client.retry_handlers is not None else None,
            budgets=budgets,
        )

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        budget = self._budgets.get(str(self.default_params.get("team_id") or ""), api_method, _channel(kwargs))
        if budget is None:
            return await self.unbudgeted_call(api_method, **kwargs)
        await budget.acquire(None, urgent=True)
        with budget.in_flight():
            try:
                return await self.unbudgeted_call(api_method, **kwargs)
            except SlackApiError as exc:
                if wait := retry_after(exc):
                    budget.backoff(wait)
                raise

    async def unbudgeted_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        return await super().api_call(api_method, **kwargs)


def use_budgeted_clients(app: AsyncApp, budgets: RateBudgets) -> None:
    """Every listener's `client` draws on `budgets` (a global Bolt middleware)."""

    async def budgeted(context: AsyncBoltContext, next: Any) -> None:
        if context.client is not None and not isinstance(context.client, BudgetedWebClient):
            context["client"] = BudgetedWebClient.like(context.client, budgets)
        await next()

    app.use(budgeted)


def _channel(kwargs: dict[str, Any]) -> str | None:
    for source in (kwargs.get("json"), kwargs.get("data"), kwargs.get("params")):
        if isinstance(source, dict) and isinstance(channel := source.get("channel") or source.get("channel_id"), str):
            return channel
    return None
