"""Who asked for the morning digest (`/hard-e digest on`), and the day each was last sent: a claim on
the day (one conditional update) makes sure each rep gets one digest a day however many clocks run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.store.db import dialect_insert, writing
from hard_e.store.models import DigestSubscription, utcnow


@dataclass(frozen=True)
class Subscriber:
    team_id: str
    user_id: str
    last_sent: date | None


class DigestSubscriptions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def set(self, team_id: str, user_id: str, *, enabled: bool) -> None:
        now = utcnow()
        stmt = dialect_insert(self._engine, DigestSubscription).values(
            team_id=team_id, user_id=user_id, enabled=enabled, last_sent=None, updated_at=now
        )
        async with writing(self._engine) as conn:
            changes = {"enabled": enabled, "updated_at": now}
            await conn.execute(stmt.on_conflict_do_update(index_elements=["team_id", "user_id"], set_=changes))

    async def enabled(self, team_id: str, user_id: str) -> bool:
        async with self._engine.connect() as conn:
            row = await conn.execute(
                select(DigestSubscription.enabled).where(DigestSubscription.team_id == team_id, DigestSubscription.user_id == user_id)
            )
            return bool(row.scalar())

    async def subscribers(self) -> list[Subscriber]:
        async with self._engine.connect() as conn:
            d = DigestSubscription
            rows = await conn.execute(select(d.team_id, d.user_id, d.last_sent).where(d.enabled))
            return [Subscriber(team, user, last) for team, user, last in rows]

    async def claim(self, team_id: str, user_id: str, day: date) -> bool:
        """True for the one caller that may send `user_id` the digest of `day`."""
        async with writing(self._engine) as conn:
            result = await conn.execute(
                update(DigestSubscription)
                .where(
                    DigestSubscription.team_id == team_id,
                    DigestSubscription.user_id == user_id,
                    DigestSubscription.enabled,
                    or_(DigestSubscription.last_sent.is_(None), DigestSubscription.last_sent < day),
                )
                .values(last_sent=day)
            )
        return result.rowcount == 1

    async def release(self, team_id: str, user_id: str, previous: date | None) -> None:
        """The digest could not be sent: the next run tries again."""
        async with writing(self._engine) as conn:
            await conn.execute(
                update(DigestSubscription)
                .where(DigestSubscription.team_id == team_id, DigestSubscription.user_id == user_id)
                .values(last_sent=previous)
            )
