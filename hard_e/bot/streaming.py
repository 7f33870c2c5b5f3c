"""Showing a turn in Slack: a placeholder at once, progressive edits, a final full answer.

The brain sends events (`hard_e.agents.events`); `SlackStream` renders them. Edits run in
their own task so a slow Slack never slows the model, and each message is edited at most
about once per `min_interval` seconds. Whatever happens, the placeholder does not stay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.events import Event, Failed, Final, TextDelta, Thinking, ToolStarted
from hard_e.bot.formatting import markdown_to_mrkdwn, split_for_slack
from hard_e.bot.metrics import Metrics
from hard_e.store.repositories import ConversationStore

log = logging.getLogger(__name__)

PLACEHOLDER = "_Thinking…_"
CURSOR = " ▍"
STREAM_LIMIT = 3800  # below chat.update's 4,000 characters, leaving room for the cursor
PARTIAL_NOTE = "_…I lost the thread partway through that answer. {message}_"


@dataclass(frozen=True)
class Where:
    channel: str
    thread_ts: str | None
    conversation_key: str


class SlackStream:
    """A `Sink` that streams one answer into one Slack thread."""

    def __init__(
        self,
        client: AsyncWebClient,
        where: Where,
        *,
        store: ConversationStore,
        metrics: Metrics,
        min_interval: float = 1.0,
    ) -> None:
        self._client = client
        self._where = where
        self._store = store
        self._metrics = metrics
        self._min_interval = min_interval
        self._text = ""
        self._status: str | None = None
        self._placeholder_ts: str | None = None
        self._shown = ""  # what the placeholder shows now
        self._last_edit = 0.0
        self._dirty = asyncio.Event()
        self._editor: asyncio.Task[None] | None = None
        self._finished = False
        self.first_text_visible_at: float | None = None

    async def send(self, event: Event) -> None:
        if self._finished:
            return
        if isinstance(event, Thinking):
            await self._post_placeholder()
        elif isinstance(event, TextDelta):
            self._text += event.text
            self._status = None
            self._dirty.set()
        elif isinstance(event, ToolStarted):
            self._status = event.description
            self._dirty.set()
        elif isinstance(event, Final):
            await self._finish(markdown_to_mrkdwn(event.text), kind="answer")
        elif isinstance(event, Failed):
            if self._text.strip():
                body = markdown_to_mrkdwn(self._text) + "\n\n" + PARTIAL_NOTE.format(message=event.message)
            else:
                body = f":warning: {event.message}"
            await self._finish(body, kind="error")

    # -- placeholder and progressive edits ---------------------------------------------

    async def _post_placeholder(self) -> None:
        try:
            response = await self._call("chat.postMessage", text=PLACEHOLDER)
        except SlackApiError:
            return  # nothing to edit; the final answer will be posted fresh
        self._placeholder_ts = response["ts"]
        self._shown = PLACEHOLDER
        await self._remember(self._placeholder_ts, "placeholder")
        self._editor = asyncio.create_task(self._edit_loop())

    async def _edit_loop(self) -> None:
        while True:
            await self._dirty.wait()
            # The first text goes out at once; later edits at most once per interval.
            wait = 0.0 if self.first_text_visible_at is None else self._last_edit + self._min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._dirty.clear()
            await self._edit_progress()

    async def _edit_progress(self) -> None:
        if self._text:
            body = markdown_to_mrkdwn(self._text)
            if len(body) > STREAM_LIMIT:
                # Show the start while the rest streams; the final answer is split properly.
                body = split_for_slack(body, STREAM_LIMIT)[0] + "\n_…still writing_"
            else:
                body += CURSOR
        elif self._status:
            body = f"_{self._status}_"
        else:
            return
        if body == self._shown:
            return
        try:
            await self._call("chat.update", ts=self._placeholder_ts, text=body)
        except SlackApiError as exc:
            # A missed progress edit is harmless: the next one (or the final) carries all text.
            retry_after = _retry_after(exc)
            if retry_after:
                await asyncio.sleep(retry_after)
            return
        self._shown = body
        self._last_edit = time.monotonic()
        if self._text and self.first_text_visible_at is None:
            self.first_text_visible_at = self._last_edit

    # -- the end: always replace the placeholder -----------------------------------------

    async def _finish(self, body: str, *, kind: str) -> None:
        self._finished = True
        if self._editor is not None:
            self._editor.cancel()
            await asyncio.gather(self._editor, return_exceptions=True)
        chunks = split_for_slack(body, STREAM_LIMIT)
        first, rest = chunks[0], chunks[1:]
        if self._placeholder_ts is None or not await self._final_edit(first):
            await self._replace_placeholder(first, kind)
        else:
            await self._remember(self._placeholder_ts, kind)
        for chunk in rest:
            try:
                response = await self._call_retrying("chat.postMessage", text=chunk)
            except SlackApiError:
                log.error("could not post the rest of an answer channel=%s", self._where.channel)
                return
            await self._remember(response["ts"], "continuation")

    async def _final_edit(self, text: str) -> bool:
        try:
            await self._call_retrying("chat.update", ts=self._placeholder_ts, text=text)
        except SlackApiError:
            return False
        return True

    async def _replace_placeholder(self, text: str, kind: str) -> None:
        """The edit failed (or there was no placeholder): post the text anew, drop the placeholder."""
        try:
            response = await self._call_retrying("chat.postMessage", text=text)
            await self._remember(response["ts"], kind)
        except SlackApiError:
            log.error("could not deliver an answer channel=%s", self._where.channel)
        if self._placeholder_ts is not None:
            try:
                await self._call("chat.delete", ts=self._placeholder_ts)
            except SlackApiError:
                log.error("could not remove a placeholder channel=%s", self._where.channel)

    # -- Slack calls ------------------------------------------------------------------------

    async def _call(self, method: str, **params):
        params["channel"] = self._where.channel
        if method == "chat.postMessage" and self._where.thread_ts:
            params["thread_ts"] = self._where.thread_ts
        try:
            response = await self._client.api_call(method, json=params)
        except SlackApiError as exc:
            self._metrics.slack_calls.labels(method=method, outcome=_error_code(exc)).inc()
            log.warning("slack %s failed: %s", method, _error_code(exc))
            raise
        self._metrics.slack_calls.labels(method=method, outcome="ok").inc()
        return response

    async def _call_retrying(self, method: str, attempts: int = 3, **params):
        for attempt in range(attempts):
            try:
                return await self._call(method, **params)
            except SlackApiError as exc:
                if attempt == attempts - 1 or _error_code(exc) in PERMANENT_ERRORS:
                    raise
                await asyncio.sleep(_retry_after(exc) or 0.5 * (attempt + 1))

    async def _remember(self, ts: str, kind: str) -> None:
        try:
            await self._store.record_message(
                conversation_key=self._where.conversation_key, channel_id=self._where.channel, ts=ts, kind=kind
            )
        except Exception:
            log.exception("could not record a posted message")


PERMANENT_ERRORS = {
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed",
    "account_inactive", "token_revoked", "missing_scope", "message_not_found", "cant_update_message",
    "msg_too_long", "no_text",
}


def _error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or exc.response.status_code)
    except Exception:
        return "unknown"


def _retry_after(exc: SlackApiError) -> float:
    try:
        if exc.response.status_code == 429:
            headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
            return max(1.0, float(headers.get("retry-after", 1)))
    except (AttributeError, TypeError, ValueError):
        pass
    return 0.0
