"""Usage counters for limits: turns per minute and model spend per day, per user and per workspace.
Increments are single atomic statements (INSERT … ON CONFLICT DO UPDATE … RETURNING), so every process
sharing the database counts against the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.store.db import dialect_insert, writing
from hard_e.store.models import UsageCounter, utcnow


def minute_window(at: datetime) -> str:
    return f"minute:{int(at.timestamp() // 60)}"


def day_window(at: datetime) -> str:
    return f"day:{at.date().isoformat()}"


def user_scope(team_id: str, user_id: str) -> str:
    return f"user:{team_id}:{user_id}"


def team_scope(team_id: str) -> str:
    return f"team:{team_id}"


@dataclass(frozen=True)
class Counts:
    """After counting one more turn: this minute's turns and today's spend so far."""

    user_turns: int
    team_turns: int
    user_spend: float
    team_spend: float


class Usage:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def count_turn(self, team_id: str, user_id: str, at: datetime | None = None) -> Counts:
        """One more turn for the user and the workspace this minute; what both have used."""
        at = at or utcnow()
        minute, day = minute_window(at), day_window(at)
        async with writing(self._engine) as conn:
            turns = []
            for scope in (user_scope(team_id, user_id), team_scope(team_id)):
                stmt = (
                    dialect_insert(self._engine, UsageCounter)
                    .values(scope=scope, window=minute, turns=1, spend_usd=0.0, updated_at=at)
                    .on_conflict_do_update(index_elements=["scope", "window"], set_={"turns": UsageCounter.turns + 1, "updated_at": at})
                    .returning(UsageCounter.turns)
                )
                turns.append(int((await conn.execute(stmt)).scalar_one()))
            spend = await conn.execute(
                select(UsageCounter.scope, UsageCounter.spend_usd).where(
                    UsageCounter.window == day, UsageCounter.scope.in_([user_scope(team_id, user_id), team_scope(team_id)])
                )
            )
            spent = {scope: float(usd) for scope, usd in spend}
        return Counts(turns[0], turns[1], spent.get(user_scope(team_id, user_id), 0.0), spent.get(team_scope(team_id), 0.0))

    async def add_spend(self, team_id: str, user_id: str | None, usd: float, at: datetime | None = None) -> None:
        """A turn's model cost, added to today's spend of the user and the workspace."""
        if usd <= 0:
            return
        at = at or utcnow()
        day = day_window(at)
        scopes = [team_scope(team_id)] + ([user_scope(team_id, user_id)] if user_id else [])
        async with writing(self._engine) as conn:
            for scope in scopes:
                await conn.execute(
                    dialect_insert(self._engine, UsageCounter)
                    .values(scope=scope, window=day, turns=0, spend_usd=usd, updated_at=at)
                    .on_conflict_do_update(
                        index_elements=["scope", "window"], set_={"spend_usd": UsageCounter.spend_usd + usd, "updated_at": at}
                    )
                )
