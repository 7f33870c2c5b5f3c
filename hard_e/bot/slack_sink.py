"""What both Slack renderers share: where the answer goes, one event dispatch, and a record of
every message posted (so a restart can end a placeholder a dead process left behind)."""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from hard_e.agents.events import (
    Event,
    Failed,
    Final,
    NeedsConfirmation,
    OfferReview,
    OfferScriptActions,
    TextDelta,
    Thinking,
    ToolFinished,
    ToolStarted,
)
from hard_e.agents.turn import Turn
from hard_e.bot.slack_calls import SlackCalls
from hard_e.handlers.blocks import build_confirmation, build_review_offer, build_script_actions
from hard_e.store.repositories import ConversationStore

log = logging.getLogger(__name__)

SLACK_TS = re.compile(r"\d+\.\d+")  # a real message's ts (not a moved or retried turn's key)
# After the part already shown; every failure message reads as a sentence on its own.
PARTIAL_NOTE = "_…{message}_"


@dataclass(frozen=True)
class Where:
    channel: str
    thread_ts: str | None  # None: top level of a DM
    conversation_key: str
    team_id: str = ""
    user_id: str | None = None
    channel_type: str = "channel"
    message_ts: str | None = None  # the rep's message (a reaction can acknowledge it)
    conversation_ts: str = ""  # the conversation's thread key (Turn.thread_ts: "dm" for a top-level DM)

    @classmethod
    def for_turn(cls, turn: Turn) -> Where:
        """Where the answer to `turn` belongs."""
        return cls(
            channel=turn.channel_id,
            thread_ts=turn.reply_thread_ts,
            conversation_key=turn.conversation_key,
            team_id=turn.team_id,
            user_id=turn.user_id,
            channel_type=turn.channel_type,
            message_ts=turn.message_ts if SLACK_TS.fullmatch(turn.message_ts or "") else None,
            conversation_ts=turn.thread_ts,
        )


def failure_markdown(partial: str, message: str) -> str:
    if partial.strip():
        return partial + "\n\n" + PARTIAL_NOTE.format(message=message)
    return f":warning: {message}"


class SlackSink(ABC):
    """A `Sink` that shows one answer in one Slack conversation. Subclasses render; this dispatches."""

    def __init__(self, calls: SlackCalls, where: Where, *, store: ConversationStore) -> None:
        self._calls = calls
        self._where = where
        self._store = store
        self._text = ""  # every TextDelta so far
        self._finished = False
        # For the turn log: when the model's first words came (monotonic), and the answer's last
        # message (where its feedback buttons are).
        self.first_token_at: float | None = None
        self.first_text_visible_at: float | None = None  # the first words a rep could read
        self.answer_ts: str | None = None

    async def send(self, event: Event) -> None:
        if isinstance(event, NeedsConfirmation):
            await self._post_after(*build_confirmation(event.summary, event.action_id, event.requested_by), kind="confirmation")
            return
        if isinstance(event, OfferReview):
            await self._post_after(*build_review_offer(event.values), kind="review")
            return
        if isinstance(event, OfferScriptActions):
            await self._post_after(*build_script_actions(event.conversation_key, event.revision, event.kind), kind="script_actions")
            return
        if self._finished:
            return
        if isinstance(event, Thinking):
            await self._start()
        elif isinstance(event, TextDelta):
            if self.first_token_at is None:
                self.first_token_at = time.monotonic()
            self._text += event.text
            self._text_arrived()
        elif isinstance(event, ToolStarted):
            await self._tool_started(event)
        elif isinstance(event, ToolFinished):
            await self._tool_finished(event)
        elif isinstance(event, Final):
            await self._finish(event.text, kind="answer")
        elif isinstance(event, Failed):
            await self._finish(failure_markdown(self._text, event.message), kind="error")

    async def show_final(self, markdown: str, *, kind: str) -> None:
        """Show `markdown` as the whole answer (`kind`: answer or error), as a Final or a Failed would."""
        if not self._finished:
            await self._finish(markdown, kind=kind)

    @abstractmethod
    async def _start(self) -> None:
        """Show at once that an answer is on its way."""

    @abstractmethod
    def _text_arrived(self) -> None:
        """`_text` grew; show it soon (never block the model)."""

    @abstractmethod
    async def _tool_started(self, event: ToolStarted) -> None: ...

    @abstractmethod
    async def _tool_finished(self, event: ToolFinished) -> None: ...

    @abstractmethod
    async def _finish(self, markdown: str, *, kind: str) -> None:
        """Show `markdown` as the whole answer (`kind`: answer or error); nothing else is sent after."""

    async def _post_after(self, text: str, blocks: list[dict[str, Any]], *, kind: str) -> None:
        """A message of its own under the answer (a change to confirm, a customer to review), with its buttons."""
        try:
            response = await self._calls.call_retrying(
                "chat.postMessage", channel=self._where.channel, thread_ts=self._where.thread_ts, text=text, blocks=blocks
            )
        except SlackApiError as exc:
            log.warning("could not post a %s: %s", kind, exc.response.get("error"))
            return
        await self._remember(response.get("ts"), kind)

    def _conversation(self) -> dict[str, str | None] | None:
        """The conversation a recorded message belongs to (created with it if the turn has not yet)."""
        where = self._where
        if not where.conversation_ts:
            return None
        return {"team_id": where.team_id, "thread_ts": where.conversation_ts, "channel_type": where.channel_type, "user_id": where.user_id}

    async def _remember(self, ts: str | None, kind: str) -> None:
        if ts is None:
            return
        if kind in ("answer", "continuation"):
            self.answer_ts = ts  # the pieces are remembered in order: the last one is the answer's end
            if self.first_text_visible_at is None:
                self.first_text_visible_at = time.monotonic()  # the answer came whole, before any progress showed
        try:
            await self._store.record_message(
                conversation_key=self._where.conversation_key,
                channel_id=self._where.channel,
                ts=ts,
                kind=kind,
                conversation=self._conversation(),
            )
        except Exception:
            log.exception("could not record a posted message")
