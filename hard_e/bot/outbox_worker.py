"""Works the outbox: each queued customer goes to the CRM once, and its rep hears how it went in a DM.

Runs right after a submission, then as the scheduler's `outbox` job every 30 seconds (bot/scheduler.py);
claims are atomic in the store, so any number of processes may work it.
"""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from hard_e.bot.services import Services
from hard_e.errors import StoreUnavailable
from hard_e.handlers.new_customer import process_and_tell

log = logging.getLogger(__name__)


async def work_outbox(services: Services, client: AsyncWebClient) -> int:
    """Every due row, one after the other; returns how many were worked on."""
    if services.creations is None:
        return 0
    try:
        keys = await services.creations.due()
    except StoreUnavailable:
        log.warning("outbox unavailable; trying again next round")
        return 0
    done = 0
    for key in keys:
        if await process_and_tell(services, client, key) is not None:
            done += 1
    return done
