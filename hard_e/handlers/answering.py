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
from hard_e.turn_report import TurnReport, reporting

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)


async def answer_in_slack(turn: Turn, client: AsyncWebClient, services: Services, *, kind: str, started: float) -> None:
    """Stream the answer to `turn` into Slack, once per message however often Slack delivers it."""
    if await first_delivery(turn, client, services, kind=kind):
        await answer_where_allowed(turn, client, services, started=started, kind=kind)


def place_of(turn: Turn, kind: str = "") -> str:
    """Where the question was asked, for the turn log: a slash command, a button, or the conversation's type."""
    if kind == "command":
        return "slash"
    if turn.message_ts.startswith("retry:"):
        return "button"
    return turn.channel_type


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


async def answer_where_allowed(turn: Turn, client: AsyncWebClient, services: Services, *, started: float, kind: str = "") -> None:
    """Answer `turn`, in the asker's DM when it needs the CRM and was asked where others can read; over a
    limit (turns a minute, spend a day), say when the rep can ask again instead."""
    place = place_of(turn, kind)
    if await refused_over_limit(turn, client, services, place=place, started=started):
        return
    if not turn.private and await services.conversations.wants_crm(turn):
        private = await move_to_dm(turn, client, services.crm_access.bound(client))
        if private is None:
            return
        turn = private
    await answer_turn(turn, client, services, started=started, place=place, counted=True)


async def refused_over_limit(turn: Turn, client: AsyncWebClient, services: Services, *, place: str, started: float) -> bool:
    """Count the turn against the limits; over one, tell the rep when to ask again (True)."""
    if (message := await services.over_limit(turn.team_id, turn.user_id)) is None:
        return False
    services.metrics.turns.labels(outcome="limited").inc()
    report = TurnReport(outcome="limited")
    sink = services.sink(client, turn)
    await sink.send(Failed(message))
    await services.log_turn(turn, report, sink, place=place, started=started)
    return True


async def answer_turn(
    turn: Turn,
    client: AsyncWebClient,
    services: Services,
    *,
    started: float | None = None,
    kind: str = "",
    place: str | None = None,
    counted: bool = False,
) -> None:
    """Stream the answer to a turn the caller has already deduplicated (and placed where it may be seen),
    and log it: who, where, the route, models and tokens, latency, outcome."""
    started = time.monotonic() if started is None else started
    place = place or ("button" if kind == "script" else place_of(turn, kind))
    if not counted and await refused_over_limit(turn, client, services, place=place, started=started):
        return
    report = TurnReport()
    sink = services.sink(client, turn)
    with reporting(report):
        answer = await services.conversations.answer(turn, sink, crm_access=services.crm_access.bound(client))
    services.metrics.turns.labels(outcome="answered" if answer is not None else "failed").inc()
    services.metrics.turn_seconds.observe(time.monotonic() - started)
    await services.log_turn(turn, report, sink, place=place, started=started)
