"""Usage analytics for the App Home and `/hard-e stats`, read from the turn log, plus what the Home
shows every rep (their recent conversations, open drafts, pending CRM confirmations) and the chart
files uploaded for the admins.

One workspace, the last `days` days (today included, days counted in `tz`, UTC by default). The turn
log is read in one query over the window (`ix_turn_log_created_at`) and the votes in another; the
figures are computed in Python, so SQLite and PostgreSQL give the same answers — percentiles in
particular (nearest rank: a value some turn actually had). A failing database raises
`StoreUnavailable`; the caller decides what the admin reads.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.errors import StoreUnavailable
from hard_e.store.db import writing
from hard_e.store.errors import STORE_ERRORS, as_utc
from hard_e.store.models import AnalyticsChart, Conversation, CrmPendingAction, TurnLog, TurnVote, utcnow

WINDOW_DAYS = 14
TOP_TOOLS = 5
RECENT_LIMIT = 8
DIRECT, UNROUTED = "direct", "unrouted"
ANSWERED = "answered"


@dataclass(frozen=True)
class Percentiles:
    """p50 and p95 (milliseconds, nearest rank) of `count` values; None when there were none."""

    p50: int | None
    p95: int | None
    count: int


@dataclass(frozen=True)
class DayUsage:
    day: date
    questions: int
    errors: int
    cost_usd: float
    input_tokens: int
    output_tokens: int
    total_ms: Percentiles  # answered turns only


@dataclass(frozen=True)
class UsageSummary:
    """What one workspace asked of Hard-E over `days` days, `first_day` to `last_day`."""

    team_id: str
    days: int
    first_day: date
    last_day: date
    per_day: tuple[DayUsage, ...]  # every day of the window, oldest first, zero-filled
    questions: int  # every turn: answered, failed, refused or limited
    mix: tuple[tuple[str, int], ...]  # "direct", each agent, "unrouted"; most used first
    total_ms: Percentiles  # answered turns only
    first_visible_ms: Percentiles  # answered turns only
    errors: int  # outcome "error:<kind>"
    refused: int
    limited: int
    votes_up: int
    votes_down: int
    top_tools: tuple[tuple[str, int], ...]  # tool, turns that used it; most used first
    cost_usd: float
    input_tokens: int
    output_tokens: int

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.questions if self.questions else None

    @property
    def thumbs_up_ratio(self) -> float | None:
        votes = self.votes_up + self.votes_down
        return self.votes_up / votes if votes else None

    @property
    def today(self) -> DayUsage:
        return self.per_day[-1]


@dataclass(frozen=True)
class ChartFile:
    """A chart image uploaded to Slack for a workspace's admins."""

    name: str
    file_id: str
    rendered_at: datetime


@dataclass(frozen=True)
class RecentConversation:
    key: str
    channel_id: str
    thread_ts: str  # "dm" for a top-level DM
    channel_type: str  # channel, group, im, mpim
    updated_at: datetime
    active_workflow: str | None  # scripting, new_clients, … while a draft is open


@dataclass(frozen=True)
class PendingConfirmation:
    """A CRM write waiting for the rep's Confirm, and where its message is."""

    id: str
    kind: str  # add_note, create_customer, move_stage
    channel: str
    message_ts: str | None
    conversation_key: str
    expires_at: datetime


@dataclass(frozen=True)
class UserActivity:
    conversations: tuple[RecentConversation, ...]  # without an open draft, most recent first
    drafts: tuple[RecentConversation, ...]  # with an open draft (active_workflow), most recent first
    pending: tuple[PendingConfirmation, ...]  # not yet confirmed, cancelled or expired


def percentile(values: Sequence[int], p: float) -> int | None:
    """The nearest-rank `p`th percentile: the smallest value with at least p% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def percentiles(values: Sequence[int]) -> Percentiles:
    return Percentiles(percentile(values, 50), percentile(values, 95), len(values))


def route_label(flow: str | None, agent: str | None) -> str:
    """How a turn was answered: the direct flow, the agent the agents flow started at, or unrouted
    (refused or limited before the router ran)."""
    if flow == DIRECT:
        return DIRECT
    if flow:
        return agent or flow
    return UNROUTED


def window(days: int, now: datetime, tz: tzinfo) -> tuple[list[date], datetime]:
    """The window's days (oldest first, today last) and the instant its first day began."""
    today = now.astimezone(tz).date()
    dates = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    return dates, datetime.combine(dates[0], time(), tzinfo=tz).astimezone(UTC)


class Analytics:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def usage_summary(self, team_id: str, *, days: int = WINDOW_DAYS, now: datetime | None = None, tz: tzinfo = UTC) -> UsageSummary:
        """The workspace's usage over the last `days` days, today included."""
        dates, since = window(days, now or utcnow(), tz)
        turns = select(
            TurnLog.created_at,
            TurnLog.flow,
            TurnLog.agent,
            TurnLog.tools,
            TurnLog.outcome,
            TurnLog.total_ms,
            TurnLog.first_visible_ms,
            TurnLog.cost_usd,
            TurnLog.input_tokens,
            TurnLog.output_tokens,
        ).where(TurnLog.created_at >= since, TurnLog.team_id == team_id)
        votes = (
            select(TurnVote.vote, func.count())
            .join(TurnLog, TurnLog.id == TurnVote.turn_id)
            .where(TurnLog.created_at >= since, TurnLog.team_id == team_id)
            .group_by(TurnVote.vote)
        )
        try:
            async with self._engine.connect() as conn:
                rows = (await conn.execute(turns)).mappings().all()
                tally = {int(vote): int(count) for vote, count in await conn.execute(votes)}
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return summarize(team_id, dates, rows, tz=tz, votes_up=tally.get(1, 0), votes_down=tally.get(-1, 0))

    async def teams_with_turns(self, *, days: int = WINDOW_DAYS, now: datetime | None = None) -> list[str]:
        """The workspaces with at least one turn in the window."""
        _, since = window(days, now or utcnow(), UTC)
        try:
            async with self._engine.connect() as conn:
                found = await conn.execute(select(TurnLog.team_id).distinct().where(TurnLog.created_at >= since))
                return sorted(str(team) for team in found.scalars())
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    async def recent_for_user(self, team_id: str, user_id: str, *, limit: int = RECENT_LIMIT, now: datetime | None = None) -> UserActivity:
        """`user_id`'s own recent Slack conversations, open drafts and pending CRM confirmations."""
        columns = (
            Conversation.key,
            Conversation.channel_id,
            Conversation.thread_ts,
            Conversation.channel_type,
            Conversation.updated_at,
            Conversation.active_workflow,
        )
        mine = (
            select(*columns)
            .where(Conversation.team_id == team_id, Conversation.user_id == user_id, Conversation.channel_type != "console")
            .order_by(Conversation.updated_at.desc())
            .limit(limit)
        )
        pending = (
            select(CrmPendingAction.__table__)
            .where(
                CrmPendingAction.status == "pending",
                CrmPendingAction.expires_at > (now or utcnow()),
                CrmPendingAction.requested_by == user_id,
                CrmPendingAction.team_id == team_id,
            )
            .order_by(CrmPendingAction.created_at.desc())
            .limit(limit)
        )
        try:
            async with self._engine.connect() as conn:
                plain = (await conn.execute(mine.where(Conversation.active_workflow.is_(None)))).mappings().all()
                drafts = (await conn.execute(mine.where(Conversation.active_workflow.is_not(None)))).mappings().all()
                waiting = (await conn.execute(pending)).mappings().all()
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return UserActivity(
            conversations=tuple(_conversation(row) for row in plain),
            drafts=tuple(_conversation(row) for row in drafts),
            pending=tuple(
                PendingConfirmation(
                    id=row["id"],
                    kind=row["kind"],
                    channel=row["channel"],
                    message_ts=row["message_ts"],
                    conversation_key=row["conversation_key"],
                    expires_at=as_utc(row["expires_at"]),
                )
                for row in waiting
            ),
        )

    async def chart_files(self, team_id: str) -> dict[str, ChartFile]:
        """The workspace's uploaded charts, by name."""
        try:
            async with self._engine.connect() as conn:
                rows = await conn.execute(select(AnalyticsChart).where(AnalyticsChart.team_id == team_id))
                return {row.name: ChartFile(row.name, row.file_id, as_utc(row.rendered_at)) for row in rows}
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    async def replace_chart_files(self, team_id: str, file_ids: Mapping[str, str], *, at: datetime | None = None) -> list[str]:
        """Make `file_ids` (name -> Slack file id) the workspace's charts, in one transaction; returns the
        ids they replaced (for the caller to delete from Slack)."""
        at = at or utcnow()
        try:
            async with writing(self._engine) as conn:
                old = (await conn.execute(select(AnalyticsChart.file_id).where(AnalyticsChart.team_id == team_id))).scalars().all()
                await conn.execute(delete(AnalyticsChart).where(AnalyticsChart.team_id == team_id))
                if file_ids:
                    rows = [{"team_id": team_id, "name": name, "file_id": file_id, "rendered_at": at} for name, file_id in file_ids.items()]
                    await conn.execute(insert(AnalyticsChart), rows)
        except STORE_ERRORS as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        kept = set(file_ids.values())
        return [file_id for file_id in old if file_id not in kept]


def summarize(
    team_id: str, dates: Sequence[date], rows: Iterable[Mapping[Any, Any]], *, tz: tzinfo = UTC, votes_up: int = 0, votes_down: int = 0
) -> UsageSummary:
    """The figures from the window's turn-log rows (pure: the queries fetch, this counts)."""
    index = {day: n for n, day in enumerate(dates)}
    questions = [0] * len(dates)
    errors = [0] * len(dates)
    cost = [0.0] * len(dates)
    tokens_in = [0] * len(dates)
    tokens_out = [0] * len(dates)
    day_ms: list[list[int]] = [[] for _ in dates]
    total_ms: list[int] = []
    visible_ms: list[int] = []
    mix: Counter[str] = Counter()
    tools: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for row in rows:
        n = index.get(as_utc(row["created_at"]).astimezone(tz).date())
        if n is None:  # a turn logged after `now` (clock skew between processes)
            continue
        outcome = str(row["outcome"] or "")
        kind = "error" if outcome.startswith("error") else outcome
        outcomes[kind] += 1
        questions[n] += 1
        errors[n] += kind == "error"
        cost[n] += float(row["cost_usd"] or 0.0)
        tokens_in[n] += int(row["input_tokens"] or 0)
        tokens_out[n] += int(row["output_tokens"] or 0)
        mix[route_label(row["flow"], row["agent"])] += 1
        used = row["tools"]
        if isinstance(used, list):
            tools.update({str(tool) for tool in used if tool})
        if outcome == ANSWERED:
            if row["total_ms"] is not None:
                total_ms.append(int(row["total_ms"]))
                day_ms[n].append(int(row["total_ms"]))
            if row["first_visible_ms"] is not None:
                visible_ms.append(int(row["first_visible_ms"]))
    per_day = tuple(
        DayUsage(day, questions[n], errors[n], round(cost[n], 6), tokens_in[n], tokens_out[n], percentiles(day_ms[n]))
        for n, day in enumerate(dates)
    )
    return UsageSummary(
        team_id=team_id,
        days=len(dates),
        first_day=dates[0],
        last_day=dates[-1],
        per_day=per_day,
        questions=sum(questions),
        mix=tuple(sorted(mix.items(), key=lambda item: (-item[1], item[0]))),
        total_ms=percentiles(total_ms),
        first_visible_ms=percentiles(visible_ms),
        errors=outcomes["error"],
        refused=outcomes["refused"],
        limited=outcomes["limited"],
        votes_up=votes_up,
        votes_down=votes_down,
        top_tools=tuple(sorted(tools.items(), key=lambda item: (-item[1], item[0]))[:TOP_TOOLS]),
        cost_usd=round(sum(cost), 6),
        input_tokens=sum(tokens_in),
        output_tokens=sum(tokens_out),
    )


def _conversation(row: Mapping[Any, Any]) -> RecentConversation:
    return RecentConversation(
        key=row["key"],
        channel_id=row["channel_id"],
        thread_ts=row["thread_ts"],
        channel_type=row["channel_type"],
        updated_at=as_utc(row["updated_at"]),
        active_workflow=row["active_workflow"],
    )
