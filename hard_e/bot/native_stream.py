"""Slack's native streaming (`HARDE_STREAMING=native`): chat.startStream / appendStream / stopStream.

The answer streams as Markdown to the asking user; tool work shows as task updates in a plan.
When the workspace refuses native streaming (a plan without it, a channel type it does not
support, a top-level DM that has no thread), this turn falls back to `EditStream`, and the
workspace is not asked again for a while.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from contextlib import suppress

from slack_sdk.errors import SlackApiError

from hard_e.agents.events import Event, Thinking, ToolFinished, ToolStarted
from hard_e.bot.slack_calls import SlackCalls, error_code
from hard_e.bot.slack_sink import SlackSink, Where
from hard_e.bot.streaming import FIRST_PHRASE_WAIT, FIRST_PHRASE_WORDS, EditStream
from hard_e.handlers.blocks import answer_with_feedback
from hard_e.store.repositories import ConversationStore

log = logging.getLogger(__name__)

APPEND = "chat.appendStream"
FLUSH_INTERVAL = 0.5  # seconds between appends of one stream
MESSAGE_LIMIT = 11_000  # Markdown characters per streamed message (Slack takes 12,000 per call)
REFUSAL_MEMORY = 600.0  # seconds a workspace's refusal is remembered
MENTION = re.compile(r"<(?=[!@#])")


def defang(markdown: str) -> str:
    """Break `<!channel>`, `<@U…>` and friends so Slack shows them as text, not pings."""
    return MENTION.sub("<\u200b", markdown)


class NativeRefusals:
    """Workspaces that recently refused native streaming."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def refused(self, team_id: str) -> bool:
        return self._until.get(team_id, 0.0) > time.monotonic()

    def remember(self, team_id: str) -> None:
        self._until[team_id] = time.monotonic() + REFUSAL_MEMORY


class NativeStream(SlackSink):
    """A `Sink` that streams one answer with Slack's chat.*Stream methods."""

    def __init__(self, calls: SlackCalls, where: Where, *, store: ConversationStore, refusals: NativeRefusals) -> None:
        super().__init__(calls, where, store=store)
        self._refusals = refusals
        self._fallback: EditStream | None = None
        self._ts: str | None = None
        self._sent = 0  # how much of _text Slack has, in this message
        self._message_start = 0
        self._tasks = itertools.count(1)
        self._open_tasks: dict[str, str] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()

    async def send(self, event: Event) -> None:
        if self._fallback is not None:
            await self._fallback.send(event)
        else:
            await super().send(event)

    def _text_arrived(self) -> None:
        self._wake.set()

    async def _tool_started(self, event: ToolStarted) -> None:
        task_id = f"task-{next(self._tasks)}"
        self._open_tasks[event.name] = task_id
        await self._task_update(task_id, event.description, "in_progress")

    async def _tool_finished(self, event: ToolFinished) -> None:
        if task_id := self._open_tasks.pop(event.name, None):
            await self._task_update(task_id, None, "complete")

    async def _start(self) -> None:
        if self._where.thread_ts is None or self._refusals.refused(self._where.team_id) or not self._native_turn():
            await self._fall_back()
            return
        try:
            response = await self._calls.call(
                "chat.startStream",
                have_turn=True,
                channel=self._where.channel,
                thread_ts=self._where.thread_ts,
                recipient_team_id=self._where.team_id or None,
                recipient_user_id=self._where.user_id,
                task_display_mode="plan",
                chunks=[{"type": "task_update", "id": "thinking", "title": "Thinking…", "status": "in_progress"}],
            )
        except SlackApiError as exc:
            log.info("native streaming refused (%s); editing messages instead", error_code(exc))
            self._refusals.remember(self._where.team_id)
            await self._fall_back()
            return
        self._ts = response["ts"]
        self._open_tasks["__thinking__"] = "thinking"
        await self._remember(self._ts, "placeholder")
        self._calls.join(self, APPEND)
        self._flusher = asyncio.create_task(self._flush_loop())

    def _native_turn(self) -> bool:
        """Take a chat.startStream turn now, when chat.stopStream (Tier 2 as well) also has room to end
        every native stream under way; False: this answer is shown by edits instead (not a refusal)."""
        start, stop = self._calls.budget("chat.startStream"), self._calls.budget("chat.stopStream")
        if stop is not None and stop.capacity() < stop.active + 1:
            return False
        if start is not None and not start.take_now(self):
            return False
        self._calls.join(self, "chat.stopStream")
        return True

    async def _fall_back(self) -> None:
        self._fallback = EditStream(self._calls, self._where, store=self._store)
        await self._fallback.send(Thinking())

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            if self._sent == 0 and self._message_start == 0:
                await self._first_phrase()
            self._wake.clear()
            # Never cancelled inside an append: Slack may have the text while `_sent` doesn't say so yet,
            # and the final call would send it again.
            async with self._flushing:
                await self._flush(urgent=self._sent == 0)
            await asyncio.sleep(FLUSH_INTERVAL)

    async def _first_phrase(self) -> None:
        """The first append carries a phrase, not a token: a few words, or what is there a moment
        after the first token (as with edits)."""
        while self.first_token_at is not None and len(self._text.split()) < FIRST_PHRASE_WORDS:
            remaining = self.first_token_at + FIRST_PHRASE_WAIT - time.monotonic()
            if remaining <= 0:
                return
            self._wake.clear()
            with suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._wake.wait()

    async def _flush(self, *, urgent: bool) -> bool:
        """Append what Slack does not have yet. On failure nothing is lost: it goes next time."""
        pending = self._text[self._message_start + self._sent :]
        if not pending:
            return True
        if self._sent + len(pending) > MESSAGE_LIMIT:
            return await self._next_message()
        # Hold back a trailing "<" until we know whether it starts a mention.
        if pending.endswith("<") and not self._finished:
            pending = pending[:-1]
            if not pending:
                return True
        chunks = [{"type": "markdown_text", "text": defang(pending)}]
        if "__thinking__" in self._open_tasks and self._sent == 0:
            del self._open_tasks["__thinking__"]
            chunks.insert(0, {"type": "task_update", "id": "thinking", "title": "Thinking…", "status": "complete"})
        try:
            await self._calls.call(APPEND, stream=self, urgent=urgent, channel=self._where.channel, ts=self._ts, chunks=chunks)
        except SlackApiError:
            self._wake.set()
            return False
        self._sent += len(pending)
        if self.first_text_visible_at is None:
            self.first_text_visible_at = time.monotonic()
        return True

    async def _next_message(self) -> bool:
        """This message is full: stop it and stream on in a new one."""
        room = MESSAGE_LIMIT - self._sent
        cut = self._text.rfind("\n\n", self._message_start + self._sent, self._message_start + self._sent + room)
        end = cut + 2 if cut >= 0 else self._message_start + self._sent + room
        rest_of_message = self._text[self._message_start + self._sent : end]
        try:
            await self._calls.call_retrying(
                "chat.stopStream", channel=self._where.channel, ts=self._ts, markdown_text=defang(rest_of_message) or None
            )
            response = await self._calls.call_retrying(
                "chat.startStream",
                channel=self._where.channel,
                thread_ts=self._where.thread_ts,
                recipient_team_id=self._where.team_id or None,
                recipient_user_id=self._where.user_id,
            )
        except SlackApiError:
            return False
        self._message_start, self._sent, self._ts = end, 0, response["ts"]
        await self._remember(self._ts, "continuation")
        return True

    async def _task_update(self, task_id: str, title: str | None, status: str) -> None:
        chunk = {"type": "task_update", "id": task_id, "status": status}
        if title:
            chunk["title"] = title
        try:
            await self._calls.call(APPEND, stream=self, urgent=False, channel=self._where.channel, ts=self._ts, chunks=[chunk])
        except SlackApiError:
            pass  # progress is nice to have; the answer is what must arrive

    async def _finish(self, markdown: str, *, kind: str = "answer") -> None:
        self._finished = True
        if self._flusher is not None:
            async with self._flushing:  # let an append in flight land first
                self._flusher.cancel()
                await asyncio.gather(self._flusher, return_exceptions=True)
        try:
            if markdown.startswith(self._text[: self._message_start + self._sent]) and self._ts is not None:
                self._text = markdown
                await self._stop_with_rest(kind)
            else:
                # Streamed text can't be taken back: the final answer (a rewrite, or an agent's answer
                # after its working notes) follows as a message of its own.
                await self._stop_and_post(markdown, kind, note="_(final answer below)_")
        finally:
            self._calls.leave(self, APPEND)
            self._calls.leave(self, "chat.stopStream")

    async def _stop_with_rest(self, kind: str) -> None:
        while len(self._text) - self._message_start > MESSAGE_LIMIT:
            if not await self._next_message():
                await self._stop_and_post(self._text, kind)
                return
        rest = self._text[self._message_start + self._sent :]
        # A finished answer ends with the 👍 / 👎 buttons, "rendered at the bottom of the finalized message".
        blocks = [answer_with_feedback("")[-1]] if kind == "answer" else None
        try:
            await self._calls.call_retrying(
                "chat.stopStream", channel=self._where.channel, ts=self._ts, markdown_text=defang(rest) or None, blocks=blocks
            )
        except SlackApiError:
            await self._stop_and_post(self._text, kind)
            return
        await self._remember(self._ts, "answer" if kind == "answer" else "error")

    async def _stop_and_post(self, markdown: str, kind: str, note: str = "_(continued below)_") -> None:
        """Close the stream if we can (ending it with `note`) and post the whole answer by editing."""
        if self._ts is not None:
            try:
                await self._calls.call("chat.stopStream", channel=self._where.channel, ts=self._ts, markdown_text=note)
            except SlackApiError:
                pass
        fallback = EditStream(self._calls, self._where, store=self._store)
        await fallback.show_final(markdown, kind=kind)
        self.answer_ts = fallback.answer_ts
