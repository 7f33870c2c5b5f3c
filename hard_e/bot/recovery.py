"""Placeholders left by a process that died mid-answer get a friendly ending.

A live turn ends within the first-token and turn timeouts after it stops queueing behind an earlier
turn of its thread, so a placeholder older than all three (plus a margin) belongs to a process that
is gone. Every web process sweeps now and then; the
conditional update in `claim` lets exactly one of them edit each message.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.bot.services import Services

log = logging.getLogger(__name__)

INTERRUPTED = ":warning: I was interrupted before I could finish this answer. Please ask me again."
SWEEP_EVERY = 60.0


def stale_after(services: Services) -> timedelta:
    s = services.settings
    return timedelta(seconds=s.turn_lock_wait + s.first_token_timeout + s.turn_timeout + 60)


async def sweep_stale_placeholders(services: Services, client: AsyncWebClient) -> int:
    fixed = 0
    for message in await services.store.stale_placeholders(stale_after(services)):
        if not await services.store.claim(message.id, from_kind="placeholder", to_kind="error"):
            continue
        try:
            await client.chat_update(channel=message.channel_id, ts=message.ts, text=INTERRUPTED)
            fixed += 1
        except SlackApiError as exc:
            log.warning("could not end a stale placeholder: %s", exc.response.get("error"))
    if fixed:
        log.info("ended %d placeholder(s) left by an interrupted process", fixed)
    return fixed


async def keep_sweeping(services: Services, client: AsyncWebClient, every: float = SWEEP_EVERY) -> None:
    while True:
        try:
            await sweep_stale_placeholders(services, client)
        except Exception:
            log.exception("placeholder sweep failed")
        await asyncio.sleep(every)
