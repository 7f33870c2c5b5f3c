"""Thread history, kept in the Agents SDK's SQLAlchemySession on our shared engine."""

from __future__ import annotations

from typing import Any

from agents.extensions.memory import SQLAlchemySession
from sqlalchemy.ext.asyncio import AsyncEngine

# Enough context for a sales thread without sending a novel to the model each turn.
HISTORY_LIMIT = 40


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
        await self.session(conversation_key).add_items(list(messages))


def _as_message(item: Any) -> dict[str, str] | None:
    """Plain text of a stored item; tool calls and other agent items are left out."""
    if not isinstance(item, dict) or item.get("role") not in ("user", "assistant"):
        return None
    content = item.get("content")
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    if not isinstance(content, str) or not content:
        return None
    return {"role": item["role"], "content": content}


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
