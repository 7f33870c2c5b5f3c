"""Answering a turn: the one entry point both faces (Slack, console) call."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy.exc import SQLAlchemyError

from hard_e.agents.direct import TextModel, answer_directly
from hard_e.agents.events import Failed, Final, Sink, TextDelta, Thinking
from hard_e.agents.history import History
from hard_e.agents.turn import Turn
from hard_e.errors import UserFacingError
from hard_e.store.repositories import ConversationStore

log = logging.getLogger(__name__)

# The database is down or broken; asyncpg may surface a refused connection as a bare OSError.
STORE_ERRORS = (SQLAlchemyError, OSError)

NO_MODEL = (
    "I'm not connected to a language model yet, so I can't answer. "
    "An admin needs to set OPENAI_API_KEY (or OPENAI_BASE_URL for a local model server)."
)
TOO_SLOW = "My language model took too long to answer, so I stopped waiting. Please ask me again."
EMPTY = "I came up empty on that one. Could you rephrase it?"
INTERRUPTED = "I was restarted in the middle of that answer. Please ask me again."
STORE_DOWN = "My memory (the database) isn't answering right now, so I can't pick up this thread. Please try again in a minute."
GENERIC = "Something went wrong on my side while answering. Please try again in a moment."


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: defaultdict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


class Conversations:
    """Answers turns with the thread's history, streaming events to a sink."""

    def __init__(
        self,
        *,
        store: ConversationStore,
        history: History,
        model: TextModel | None,
        turn_timeout: float = 120.0,
        first_token_timeout: float = 45.0,
    ) -> None:
        self._store = store
        self._history = history
        self._model = model
        self._turn_timeout = turn_timeout
        self._first_token_timeout = first_token_timeout
        self._locks = KeyedLocks()

    async def answer(self, turn: Turn, sink: Sink) -> str | None:
        """Answer `turn`; returns the final text, or None when the user was told it failed."""
        try:
            await self._store.ensure(
                key=turn.conversation_key, team_id=turn.team_id, channel_id=turn.channel_id,
                thread_ts=turn.thread_ts, channel_type=turn.channel_type, user_id=turn.user_id,
            )
        except STORE_ERRORS as exc:
            log.error("store unavailable conversation=%s: %s", turn.conversation_key, type(exc).__name__)
            await sink.send(Failed(STORE_DOWN))
            return None
        await sink.send(Thinking())
        # One turn at a time per conversation, so history stays in order.
        async with self._locks.hold(turn.conversation_key):
            try:
                text = await self._stream_answer(turn, sink)
            except UserFacingError as exc:
                await sink.send(Failed(exc.message))
            except asyncio.CancelledError:
                # Shutting down mid-answer: tell the user rather than leave a placeholder.
                await asyncio.shield(sink.send(Failed(INTERRUPTED)))
                raise
            except TimeoutError:  # before STORE_ERRORS: TimeoutError is an OSError
                log.warning("turn timed out conversation=%s", turn.conversation_key)
                await sink.send(Failed(TOO_SLOW))
            except STORE_ERRORS as exc:
                log.error("store failed mid-turn conversation=%s: %s", turn.conversation_key, type(exc).__name__)
                await sink.send(Failed(STORE_DOWN))
            except Exception:
                log.exception("turn failed conversation=%s", turn.conversation_key)
                await sink.send(Failed(GENERIC))
            else:
                await sink.send(Final(text))
                return text
        return None

    async def _stream_answer(self, turn: Turn, sink: Sink) -> str:
        if self._model is None:
            raise UserFacingError(NO_MODEL)
        past = await self._history.messages(turn.conversation_key)
        question = {"role": "user", "content": turn.text}
        parts: list[str] = []
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._first_token_timeout) as deadline:
                async for delta in answer_directly(self._model, turn, past):
                    if not parts:
                        deadline.reschedule(loop.time() + self._turn_timeout)
                    parts.append(delta)
                    await sink.send(TextDelta(delta))
        except Exception:
            # Keep the question, so a follow-up ("try again") still has its context.
            await self._history.append(turn.conversation_key, question)
            raise
        text = "".join(parts)
        if not text.strip():
            await self._history.append(turn.conversation_key, question)
            raise UserFacingError(EMPTY)
        await self._history.append(turn.conversation_key, question, {"role": "assistant", "content": text})
        return text
