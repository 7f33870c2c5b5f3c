"""Call-transcript tables: loading distilled calls, and the aggregates the Analysis agent reads.

Every figure is counted in SQL and runs the same on SQLite and PostgreSQL. Objection figures count
calls, not objection objects: a type raised twice on one call counts once (as the schema asks), and
such a call counts as resolved only when every one of them was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Select, case, delete, distinct, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute

from hard_e.store.db import writing
from hard_e.store.models import TranscriptCall, TranscriptObjection, TranscriptTechnique, utcnow

OUTCOMES = ("won", "lost", "pending")
# A SELECT of any columns: the aggregates build theirs from a varying column list, so its rows are untyped.
_AnySelect: TypeAlias = Select[*tuple[Any, ...]]
_DELETE_BATCH = 500


# --- What gets loaded -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectionRecord:
    type: str
    quote: str
    handled_how: str
    resolved: bool


@dataclass(frozen=True)
class CallRecord:
    """One validated transcript, ready to store (customer details already left behind)."""

    call_id: str
    date: date
    branch: str
    rep: str
    trade: str
    call_type: str
    lead_source: str
    duration_minutes: int
    outcome: str
    lost_reason: str | None
    deal_value: int
    sentiment: str
    quote_summary: str
    summary: str
    objections: tuple[ObjectionRecord, ...] = ()
    techniques: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredCall:
    call_id: str
    source_uri: str
    version: str


# --- What the aggregates return --------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    calls: int
    by_outcome: dict[str, int]  # every outcome present, zeros included
    first_date: date | None
    last_date: date | None

    @property
    def decided(self) -> int:
        return self.by_outcome["won"] + self.by_outcome["lost"]

    @property
    def win_rate(self) -> float | None:
        return self.by_outcome["won"] / self.decided if self.decided else None


@dataclass(frozen=True)
class GroupCount:
    """Calls per outcome for one branch, rep or lead source."""

    name: str
    calls: int
    won: int
    lost: int
    pending: int


@dataclass(frozen=True)
class ObjectionCount:
    type: str
    calls: int  # calls where this type was raised
    resolved: int  # of those, calls where it was resolved on the call
    won: int
    lost: int
    pending: int


@dataclass(frozen=True)
class TechniqueRate:
    technique: str
    calls: int
    won: int
    lost: int
    pending: int

    @property
    def win_rate(self) -> float | None:
        """won ÷ (won + lost): pending calls have no result yet, so they are left out of the rate."""
        decided = self.won + self.lost
        return self.won / decided if decided else None


@dataclass(frozen=True)
class TradeValue:
    trade: str
    calls: int
    total: int
    average: float
    smallest: int
    largest: int


@dataclass(frozen=True)
class LostReason:
    reason: str | None  # None: the call was lost without a reason recorded
    calls: int
    total_value: int


@dataclass(frozen=True)
class ObjectionQuote:
    call_id: str
    date: date
    outcome: str
    rep: str
    quote: str
    handled_how: str
    resolved: bool


@dataclass(frozen=True)
class QuoteSample:
    total: int  # objections of the type (in the outcome) across all calls
    quotes: list[ObjectionQuote] = field(default_factory=list)  # the first `limit`, oldest call first


class TranscriptStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # --- Loading ----------------------------------------------------------------------------------

    async def stored(self) -> dict[str, StoredCall]:
        """Loaded calls by the URI of the file they came from."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(TranscriptCall.call_id, TranscriptCall.source_uri, TranscriptCall.version))
            return {row.source_uri: StoredCall(row.call_id, row.source_uri, row.version) for row in rows}

    async def apply(self, *, remove: Sequence[str], put: Sequence[tuple[str, str, CallRecord]]) -> None:
        """In one transaction: drop the calls loaded from the `remove` URIs, then store each
        (uri, version, call) of `put`, replacing what that URI held before."""
        uris = list(dict.fromkeys([*remove, *(uri for uri, _, _ in put)]))
        loaded_at = utcnow()
        async with writing(self._engine) as conn:
            for start in range(0, len(uris), _DELETE_BATCH):
                batch = uris[start : start + _DELETE_BATCH]
                ids = select(TranscriptCall.call_id).where(TranscriptCall.source_uri.in_(batch))
                # Children first and explicitly: the result must not depend on foreign keys being enforced.
                await conn.execute(delete(TranscriptObjection).where(TranscriptObjection.call_id.in_(ids)))
                await conn.execute(delete(TranscriptTechnique).where(TranscriptTechnique.call_id.in_(ids)))
                await conn.execute(delete(TranscriptCall).where(TranscriptCall.source_uri.in_(batch)))
            if not put:
                return
            await conn.execute(
                insert(TranscriptCall),
                [_call_row(uri, version, call, loaded_at) for uri, version, call in put],
            )
            objections = [
                {
                    "call_id": call.call_id,
                    "position": n,
                    "type": o.type,
                    "quote": o.quote,
                    "handled_how": o.handled_how,
                    "resolved": o.resolved,
                }
                for _, _, call in put
                for n, o in enumerate(call.objections)
            ]
            if objections:
                await conn.execute(insert(TranscriptObjection), objections)
            techniques = [{"call_id": call.call_id, "technique": t} for _, _, call in put for t in call.techniques]
            if techniques:
                await conn.execute(insert(TranscriptTechnique), techniques)

    # --- Aggregates -------------------------------------------------------------------------------

    async def overview(self) -> Overview:
        c = TranscriptCall
        query = select(c.outcome, func.count(), func.min(c.date), func.max(c.date)).group_by(c.outcome)
        by_outcome = dict.fromkeys(OUTCOMES, 0)
        dates: list[date] = []
        async with self._engine.connect() as conn:
            for outcome, calls, first, last in await conn.execute(query):
                by_outcome[outcome] = int(calls)
                dates += [first, last]
        return Overview(sum(by_outcome.values()), by_outcome, min(dates, default=None), max(dates, default=None))

    async def calls_by(self, column: str) -> list[GroupCount]:
        """Calls per outcome for each `branch`, `rep`, `trade`, `lead_source` or `call_type`, most calls first."""
        if column not in ("branch", "rep", "trade", "lead_source", "call_type"):
            raise ValueError(f"cannot group calls by {column!r}")
        key = getattr(TranscriptCall, column)
        query = select(key, func.count(), *_outcome_counts(TranscriptCall.call_id)).group_by(key)
        rows = await self._rows(query)
        return sorted((GroupCount(*row) for row in rows), key=lambda g: (-g.calls, g.name))

    async def objection_counts(self, outcome: str | None = None) -> list[ObjectionCount]:
        """Per objection type: calls that raised it, how many resolved it, and the calls' outcomes.
        Most-raised first. `outcome` limits it to won, lost or pending calls."""
        o = TranscriptObjection
        unresolved = func.count(distinct(case((~o.resolved, o.call_id))))
        query = (
            select(
                o.type,
                func.count(distinct(o.call_id)),
                func.count(distinct(o.call_id)) - unresolved,
                *_outcome_counts(o.call_id, distinct_calls=True),
            )
            .join(TranscriptCall, TranscriptCall.call_id == o.call_id)
            .group_by(o.type)
        )
        rows = await self._rows(_where_outcome(query, outcome))
        return sorted((ObjectionCount(*row) for row in rows), key=lambda r: (-r.calls, r.type))

    async def win_rate_by_technique(self) -> list[TechniqueRate]:
        """Per technique: calls that used it and their outcomes; most-used first."""
        t = TranscriptTechnique
        query = (
            select(t.technique, func.count(), *_outcome_counts(t.call_id))
            .join(TranscriptCall, TranscriptCall.call_id == t.call_id)
            .group_by(t.technique)
        )
        rows = await self._rows(query)
        return sorted((TechniqueRate(*row) for row in rows), key=lambda r: (-r.calls, r.technique))

    async def deal_value_by_trade(self, outcome: str | None = None) -> list[TradeValue]:
        """Per trade: calls, total, average, smallest and largest deal value; largest total first."""
        c = TranscriptCall
        query = select(
            c.trade,
            func.count(),
            func.sum(c.deal_value),
            func.avg(c.deal_value),
            func.min(c.deal_value),
            func.max(c.deal_value),
        ).group_by(c.trade)
        rows = await self._rows(_where_outcome(query, outcome))
        values = [TradeValue(trade, calls, int(total), float(avg), int(low), int(high)) for trade, calls, total, avg, low, high in rows]
        return sorted(values, key=lambda v: (-v.total, v.trade))

    async def lost_reasons(self) -> list[LostReason]:
        """Lost calls per recorded lost reason (None when none was recorded), most first."""
        c = TranscriptCall
        query = select(c.lost_reason, func.count(), func.sum(c.deal_value)).where(c.outcome == "lost").group_by(c.lost_reason)
        rows = await self._rows(query)
        return sorted((LostReason(r, n, int(v)) for r, n, v in rows), key=lambda r: (-r.calls, r.reason or "~"))

    async def quotes(self, objection_type: str, outcome: str | None = None, limit: int = 10) -> QuoteSample:
        """What customers said when raising `objection_type`, with how the rep answered; newest call first
        (how customers put it lately is what a rep will hear next)."""
        o, c = TranscriptObjection, TranscriptCall
        count = _where_outcome(select(func.count()).select_from(o).join(c, c.call_id == o.call_id).where(o.type == objection_type), outcome)
        query = _where_outcome(
            select(o.call_id, c.date, c.outcome, c.rep, o.quote, o.handled_how, o.resolved)
            .join(c, c.call_id == o.call_id)
            .where(o.type == objection_type)
            .order_by(c.date.desc(), o.call_id.desc(), o.position)
            .limit(max(0, limit)),
            outcome,
        )
        async with self._engine.connect() as conn:
            total = int(await conn.scalar(count) or 0)
            rows = (await conn.execute(query)).all() if limit > 0 else []
        return QuoteSample(total, [ObjectionQuote(*row) for row in rows])

    async def _rows(self, query: _AnySelect) -> list[tuple[Any, ...]]:
        async with self._engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(query)]


def _call_row(uri: str, version: str, call: CallRecord, loaded_at: datetime) -> dict[str, object]:
    return {
        "call_id": call.call_id,
        "source_uri": uri,
        "version": version,
        "date": call.date,
        "branch": call.branch,
        "rep": call.rep,
        "trade": call.trade,
        "call_type": call.call_type,
        "lead_source": call.lead_source,
        "duration_minutes": call.duration_minutes,
        "outcome": call.outcome,
        "lost_reason": call.lost_reason,
        "deal_value": call.deal_value,
        "sentiment": call.sentiment,
        "quote_summary": call.quote_summary,
        "summary": call.summary,
        "loaded_at": loaded_at,
    }


def _outcome_counts(call_id: InstrumentedAttribute[str], *, distinct_calls: bool = False) -> list[ColumnElement[int]]:
    """count(won), count(lost), count(pending) over the joined call's outcome."""

    def counted(outcome: str) -> ColumnElement[int]:
        value = case((TranscriptCall.outcome == outcome, call_id))
        return func.count(distinct(value) if distinct_calls else value)

    return [counted(outcome) for outcome in OUTCOMES]


def _where_outcome(query: _AnySelect, outcome: str | None) -> _AnySelect:
    if outcome is None:
        return query
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    return query.where(TranscriptCall.outcome == outcome)
