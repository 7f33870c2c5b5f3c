"""Which face a turn gets in Slack: native streaming or progressive edits (`HARDE_STREAMING`)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.events import Sink
from hard_e.bot.native_stream import NativeStream
from hard_e.bot.services import Services
from hard_e.bot.slack_calls import SlackCalls
from hard_e.bot.slack_sink import Where
from hard_e.bot.streaming import EditStream


def slack_sink(services: Services, client: AsyncWebClient, where: Where) -> Sink:
    calls = SlackCalls(client, team_id=where.team_id, budgets=services.budgets, metrics=services.metrics)
    if services.settings.streaming == "native":
        return NativeStream(calls, where, store=services.store, refusals=services.native_refusals)
    return EditStream(calls, where, store=services.store)
