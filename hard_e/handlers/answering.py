"""Answering one turn in Slack, wherever it came from (a mention, a DM, `/hard-e`)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.conversation import STORE_DOWN
from hard_e.agents.events import Failed
from hard_e.agents.turn import Turn
from hard_e.handlers.privacy import move_to_dm
from hard_e.store.errors import STORE_ERRORS

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)


async def answer_in_slack(turn: Turn, client: AsyncWebClient, services: Services, *, kind: str, started: float) -> None:
    """Stream the answer to `turn` into Slack, once per message however often Slack delivers it."""
    if await first_delivery(turn, client, services, kind=kind):
        await answer_where_allowed(turn, client, services, started=started)


async def first_delivery(turn: Turn, client: AsyncWebClient, services: Services, *, kind: str) -> bool:
    """True the first time this message arrives (any process); a retry or a twin event is False."""
    try:
        first_time = await services.events.first_time(turn.event_key)
    except STORE_ERRORS as exc:
        # Without the ledger a Slack retry could be answered twice; Bolt acks at once, so
        # retries are rare, and silence would be worse.
        log.error("event ledger unavailable: %s", type(exc).__name__)
        await services.sink(client, turn).send(Failed(STORE_DOWN))
        return False
    services.metrics.events.labels(kind=kind, outcome="answered" if first_time else "duplicate").inc()
    return first_time


async def answer_where_allowed(turn: Turn, client: AsyncWebClient, services: Services, *, started: float) -> None:
    """Answer `turn`, in the asker's DM when it needs the CRM and was asked where others can read; over a
    limit (turns a minute, spend a day), say when the rep can ask again instead."""
    if (message := await services.over_limit(turn.team_id, turn.user_id)) is not None:
        services.metrics.turns.labels(outcome="limited").inc()
        await services.sink(client, turn).send(Failed(message))
        return
    if not turn.private and await services.conversations.wants_crm(turn):
        private = await move_to_dm(turn, client, services.crm_access.bound(client))
        if private is None:
            return
        turn = private
    await answer_turn(turn, client, services, started=started)


async def answer_turn(turn: Turn, client: AsyncWebClient, services: Services, *, started: float | None = None, kind: str = "") -> None:
    """Stream the answer to a turn the caller has already deduplicated (and placed where it may be seen)."""
    started = time.monotonic() if started is None else started
    answer = await services.conversations.answer(turn, services.sink(client, turn), crm_access=services.crm_access.bound(client))
    services.metrics.turns.labels(outcome="answered" if answer is not None else "failed").inc()
    services.metrics.turn_seconds.observe(time.monotonic() - started)
