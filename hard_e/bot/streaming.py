"""Showing a turn in Slack by editing messages: a placeholder at once, progressive edits under the
workspace's rate budget, and final edits carrying the complete answer.

The brain sends events (`hard_e.agents.events`); `EditStream` renders them. Edits run in their own
task, so a slow or rate-limited Slack never slows the model, and every edit carries the latest full
text, so a skipped edit loses nothing. An answer that outgrows one message is finished at a clean
boundary and continues in a new message in the thread. Whatever happens, no placeholder stays.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from hard_e.agents.events import ToolFinished, ToolStarted
from hard_e.bot.formatting import markdown_to_mrkdwn
from hard_e.bot.slack_calls import SlackCalls
from hard_e.bot.slack_sink import SlackSink, Where
from hard_e.bot.splitting import split_markdown, take_head
from hard_e.store.repositories import ConversationStore

log = logging.getLogger(__name__)

PLACEHOLDER = "_Thinking…_"
CURSOR = " ▍"
PIECE_LIMIT = 3500  # rendered characters per finished message (chat.update takes 4,000)
# Cut a streaming message only once it is this far past the limit: the cut then depends only
# on text already seen, so it matches how the final answer is split (see `take_head`).
CUT_MARGIN = 250
EDIT_INTERVAL = 1.0  # Slack shows about one edit per second per message
UPDATE = "chat.update"


@dataclass
class Segment:
    """One Slack message of the answer: it shows `prefix + text[start:end]`."""

    ts: str
    start: int
    prefix: str = ""  # a reopened code fence when the previous message was cut inside one
    shown: str = ""


def final_pieces(markdown: str) -> list[str]:
    """The finished messages of an answer, in order (whitespace at the cuts trimmed)."""
    pieces = [markdown_to_mrkdwn(p).strip("\n") for p in split_markdown(markdown, PIECE_LIMIT)]
    return [p for p in pieces if p.strip()] or [markdown_to_mrkdwn(markdown).strip() or "…"]


class EditStream(SlackSink):
    """A `Sink` that streams one answer into one Slack thread by editing messages."""

    def __init__(self, calls: SlackCalls, where: Where, *, store: ConversationStore, edit_interval: float = EDIT_INTERVAL) -> None:
        super().__init__(calls, where, store=store)
        self._edit_interval = edit_interval
        self._status: str | None = None
        self._segments: list[Segment] = []
        self._dirty = asyncio.Event()
        self._editor: asyncio.Task[None] | None = None
        self._editing = False
        self._last_edit = 0.0
        # Assistant threads (a DM thread with the app) show status natively; elsewhere the placeholder does.
        self._status_in_thread = where.channel_type == "im" and where.thread_ts is not None
        self.first_text_visible_at: float | None = None

    def _text_arrived(self) -> None:
        self._dirty.set()

    async def _tool_started(self, event: ToolStarted) -> None:
        if not await self._thread_status(event.description):
            self._status = event.description
            self._dirty.set()

    async def _tool_finished(self, event: ToolFinished) -> None:
        if self._status_in_thread:
            await self._thread_status("")
        self._status = None
        self._dirty.set()

    async def _thread_status(self, status: str) -> bool:
        """Show `status` with assistant.threads.setStatus; False when this conversation can't."""
        if not self._status_in_thread:
            return False
        try:
            await self._calls.call(
                "assistant.threads.setStatus", channel_id=self._where.channel, thread_ts=self._where.thread_ts, status=status
            )
        except SlackApiError:
            self._status_in_thread = False
            return False
        return True

    # -- placeholder and progressive edits ------------------------------------------------

    async def _start(self) -> None:
        try:
            response = await self._post(PLACEHOLDER)
        except SlackApiError:
            return  # nothing to edit; the final answer will be posted fresh
        self._segments.append(Segment(ts=response["ts"], start=0, shown=PLACEHOLDER))
        await self._remember(response["ts"], "placeholder")
        self._calls.join(self, UPDATE)
        self._editor = asyncio.create_task(self._edit_loop())

    async def _edit_loop(self) -> None:
        failed = False
        while True:
            await self._dirty.wait()
            first = self.first_text_visible_at is None and bool(self._text)
            if failed or not first:
                # One message, about one edit a second; the budget spaces edits further when busy.
                await asyncio.sleep(max(0.0, self._last_edit + self._edit_interval - time.monotonic()))
            # The turn comes first and the text is read after it, so the edit carries the latest text.
            await self._calls.turn(UPDATE, self, urgent=first)
            self._dirty.clear()
            self._editing = True
            try:
                failed = not await self._edit_progress()
            finally:
                self._editing = False
            if failed:
                self._last_edit = time.monotonic()
                self._dirty.set()  # the next edit catches up with the latest text

    async def _edit_progress(self) -> bool:
        segment = self._segments[-1]
        markdown = segment.prefix + self._text[segment.start :]
        if len(markdown_to_mrkdwn(markdown)) > PIECE_LIMIT + CUT_MARGIN and (cut := take_head(markdown, PIECE_LIMIT)):
            return await self._continue_in_new_message(segment, *cut)
        body = self._progress_body(markdown)
        if body is None or body == segment.shown:
            return True
        if not await self._update(segment, body, have_turn=True):
            return False
        self._last_edit = time.monotonic()
        if self._text and self.first_text_visible_at is None:
            self.first_text_visible_at = self._last_edit
        return True

    def _progress_body(self, markdown: str) -> str | None:
        status = f"_{self._status}_" if self._status else None
        if not markdown.strip():
            return status
        body = markdown_to_mrkdwn(markdown, partial=True) + CURSOR
        return f"{body}\n{status}" if status else body

    async def _continue_in_new_message(self, segment: Segment, head: str, rest: str) -> bool:
        """The message is full: finish it with `head`, go on in a new message with `rest`."""
        if not await self._update(segment, markdown_to_mrkdwn(head).strip("\n"), have_turn=True):
            return False
        next_start = segment.start + len(head) - len(segment.prefix)
        prefix = rest[: len(rest) - (len(self._text) - next_start)]
        body = markdown_to_mrkdwn(rest, partial=True) + CURSOR
        try:
            response = await self._post(body)
        except SlackApiError:
            return False
        self._segments.append(Segment(ts=response["ts"], start=next_start, prefix=prefix, shown=body))
        await self._remember(response["ts"], "continuation")
        self._last_edit = time.monotonic()
        return True

    # -- the end: every message shows its final piece ---------------------------------------

    async def _finish(self, markdown: str, *, kind: str) -> None:
        self._finished = True
        await self._stop_editor()
        try:
            pieces = final_pieces(markdown)
            for index, body in enumerate(pieces):
                if index < len(self._segments):
                    segment = self._segments[index]
                    if segment.shown != body and not await self._update(segment, body, must=True):
                        await self._replace(segment, body, kind)
                    else:
                        await self._remember(segment.ts, kind if index == 0 else "continuation")
                else:
                    await self._post_final(body, kind if index == 0 else "continuation")
            for surplus in self._segments[len(pieces) :]:
                await self._delete(surplus.ts)
        finally:
            self._calls.leave(self, UPDATE)

    async def _stop_editor(self) -> None:
        if self._editor is None:
            return
        if self._editing:
            # Let an edit already on the wire land first, so it cannot overwrite the final text.
            self._dirty.clear()
            while self._editing:  # noqa: ASYNC110 - a flag set and cleared around one Slack call
                await asyncio.sleep(0.01)
        self._editor.cancel()
        await asyncio.gather(self._editor, return_exceptions=True)

    async def _post_final(self, body: str, kind: str) -> None:
        try:
            response = await self._calls.call_retrying("chat.postMessage", **self._place(text=body))
        except SlackApiError:
            log.error("could not deliver part of an answer channel=%s", self._where.channel)
            return
        await self._remember(response["ts"], kind)

    async def _replace(self, segment: Segment, body: str, kind: str) -> None:
        """The edit could not be made: post the text anew and remove the stale message."""
        await self._post_final(body, kind)
        await self._delete(segment.ts)

    # -- Slack calls ------------------------------------------------------------------------

    def _place(self, **params: Any) -> dict[str, Any]:
        params["channel"] = self._where.channel
        params["thread_ts"] = self._where.thread_ts
        return params

    async def _post(self, text: str) -> AsyncSlackResponse:
        return await self._calls.call("chat.postMessage", **self._place(text=text))

    async def _update(self, segment: Segment, body: str, *, have_turn: bool = False, must: bool = False) -> bool:
        """Edit one message: once with the turn the caller holds, or (`must`) retried until it lands."""
        params: dict[str, Any] = {"channel": self._where.channel, "ts": segment.ts, "text": body}
        try:
            if must:
                await self._calls.call_retrying(UPDATE, stream=self, **params)
            else:
                await self._calls.call(UPDATE, stream=self, have_turn=have_turn, **params)
        except SlackApiError:
            return False
        segment.shown = body
        return True

    async def _delete(self, ts: str) -> None:
        try:
            await self._calls.call("chat.delete", channel=self._where.channel, ts=ts)
        except SlackApiError:
            log.error("could not remove a stale message channel=%s", self._where.channel)
