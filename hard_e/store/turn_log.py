"""The turn log: one row per turn (who, where, route, agents, tools, models, tokens, cost, latency,
outcome), and the 👍 / 👎 votes on answers. Never message text, unless the admins opted in to keep the
question (HARDE_LOG_QUESTIONS=on), and then only until the retention prunes it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.store.db import dialect_insert, writing
from hard_e.store.models import TurnLog, TurnVote, utcnow


@dataclass(frozen=True)
class TurnRecord:
    team_id: str
    user_id: str | None
    place: str  # im, channel, group, mpim, slash, button, console
    conversation_key: str
    outcome: str  # answered, error:<kind>, refused, limited
    answer_ts: str | None = None
    flow: str | None = None
    agent: str | None = None
    rule: str | None = None
    agents: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    first_token_ms: int | None = None
    first_visible_ms: int | None = None
    total_ms: int | None = None
    question: str | None = None
    created_at: datetime | None = None


class TurnLogStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, record: TurnRecord) -> int:
        """Store one turn; its id."""
        values = asdict(record)
        values["created_at"] = record.created_at or utcnow()
        async with writing(self._engine) as conn:
            result = await conn.execute(insert(TurnLog).values(**values).returning(TurnLog.id))
            return int(result.scalar_one())

    async def find_answer(self, team_id: str, channel_id: str, answer_ts: str) -> TurnLog | None:
        """The turn whose answer ends with the message `answer_ts` in `channel_id`."""
        prefix = f"{team_id}:{channel_id}:"
        in_channel = TurnLog.conversation_key.startswith(prefix, autoescape=True)
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(TurnLog).where(TurnLog.answer_ts == answer_ts, in_channel).limit(1))).first()
        return TurnLog(**row._mapping) if row is not None else None

    async def vote(self, turn_id: int, user_id: str, vote: int, *, comment: str | None = None) -> None:
        """`user_id`'s vote on a turn: one per user, a new one replaces theirs (a comment is kept
        unless a new one is given)."""
        now = utcnow()
        stmt = dialect_insert(self._engine, TurnVote).values(turn_id=turn_id, user_id=user_id, vote=vote, comment=comment, voted_at=now)
        changes = {"vote": vote, "voted_at": now} | ({"comment": comment} if comment is not None else {})
        async with writing(self._engine) as conn:
            await conn.execute(stmt.on_conflict_do_update(index_elements=["turn_id", "user_id"], set_=changes))

    async def votes(self, turn_id: int) -> dict[str, tuple[int, str | None]]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(TurnVote.user_id, TurnVote.vote, TurnVote.comment).where(TurnVote.turn_id == turn_id))
            return {user: (vote, comment) for user, vote, comment in rows}

    async def turns(self, team_id: str | None = None) -> list[TurnLog]:
        async with self._engine.connect() as conn:
            query = select(TurnLog).order_by(TurnLog.id)
            if team_id is not None:
                query = query.where(TurnLog.team_id == team_id)
            return [TurnLog(**row._mapping) for row in await conn.execute(query)]
