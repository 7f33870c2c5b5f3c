"""A status line in a thread ("Transcribing…", "Looking at your photo…") that is then replaced by the
outcome — the one pattern voice memos and photos share. Slack failures are logged, never raised."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def post(client: AsyncWebClient, text: str, where: dict[str, Any], *, blocks: list[dict[str, Any]] | None = None) -> str | None:
    """Post `text` where `where` says (channel, thread); its ts, or None when Slack said no."""
    try:
        return str((await client.chat_postMessage(text=text, blocks=blocks, **where))["ts"])
    except (SlackApiError, KeyError) as exc:
        log.warning("could not post a status line: %s", exc.response.get("error") if isinstance(exc, SlackApiError) else "no ts")
        return None


async def show(
    client: AsyncWebClient, where: dict[str, Any], ts: str | None, text: str, *, extra: list[dict[str, Any]] | None = None
) -> None:
    """Replace the status line `ts` with `text` (and `extra` blocks, e.g. buttons); post it when there was none."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}, *(extra or [])]
    try:
        if ts is None:
            await client.chat_postMessage(text=text, blocks=blocks, **where)
        else:
            await client.chat_update(channel=where["channel"], ts=ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not show an outcome: %s", exc.response.get("error"))
