"""Thread history, kept in the Agents SDK's SQLAlchemySession on our shared engine."""

from __future__ import annotations

import json
from typing import Any, cast

from agents import TResponseInputItem
from agents.extensions.memory import SQLAlchemySession
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.agents.text import clean_item, clean_text

# Enough context for a sales thread without sending a novel to the model each turn.
HISTORY_LIMIT = 40
# The agents flow's window on a thread: its latest items, up to this many and about this much text
# (tool results such as knowledge passages are long), starting at one of the user's messages.
AGENT_HISTORY_ITEMS = 60
AGENT_HISTORY_CHARS = 60_000


class History:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # The first session tunes a SQLite engine by adding a connect listener. Doing that here,
        # before serving, keeps it from racing connections that concurrent turns are opening.
        self.session("")

    def session(self, conversation_key: str) -> SQLAlchemySession:
        # Our migrations create the tables; the SDK must not.
        return SQLAlchemySession(conversation_key, engine=self._engine, create_tables=False)

    async def messages(self, conversation_key: str) -> list[dict[str, str]]:
        """The thread's recent user/assistant messages as plain {role, content} dicts."""
        items = await self.session(conversation_key).get_items(limit=HISTORY_LIMIT)
        return [m for m in (_as_message(item) for item in items) if m is not None]

    async def append(self, conversation_key: str, *messages: dict[str, str]) -> None:
        # {role, content} dicts are easy input messages in the SDK's terms.
        await self.session(conversation_key).add_items(cast("list[TResponseInputItem]", list(messages)))


def _as_message(item: Any) -> dict[str, str] | None:
    """Plain text of a stored item; tool calls and other agent items are left out."""
    if not isinstance(item, dict) or item.get("role") not in ("user", "assistant"):
        return None
    content = item.get("content")
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    if not isinstance(content, str) or not content:
        return None
    # Cleaned on read too: a thread stored before text was cleaned where it enters must not fail forever.
    return {"role": item["role"], "content": clean_text(content)}


async def replace_last_answer(session: SQLAlchemySession, text: str) -> bool:
    """Swap the newest stored assistant message for `text` (what the user was finally shown)."""
    last = await session.pop_item()
    if last is None:
        return False
    if _as_message(last) is None or last.get("role") != "assistant":
        await session.add_items([last])  # not an answer: put it back untouched
        return False
    await session.add_items([{"role": "assistant", "content": text}])
    return True


def agent_input(history: list[Any], new_input: list[Any]) -> list[Any]:
    """What the agents flow sends the model: the thread's recent history, then the new message.

    The SDK's `session_input_callback`. A long thread is cut to its latest `AGENT_HISTORY_ITEMS`
    items and about `AGENT_HISTORY_CHARS` characters, at one of the user's messages, so the window
    never opens halfway through an exchange (a tool result without its call would be refused by the
    model API). The newest exchange is always kept, however long.
    """
    window: list[Any] = []
    size = 0
    for item in map(clean_item, reversed(history[-AGENT_HISTORY_ITEMS:])):
        size += len(json.dumps(item, default=str))
        if size > AGENT_HISTORY_CHARS and window:
            break
        window.append(item)
    window.reverse()
    while window and _get(window[0], "role") != "user":
        window.pop(0)
    return window + list(new_input)


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)
