"""Analysis: patterns across distilled sales-call transcripts. Its tools count in the transcript
tables (`ctx.context.transcripts`, the `TranscriptQueries` port) and return small text tables that always say
how many calls a figure rests on; until transcripts are loaded they say so."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from agents import Agent, RunContextWrapper, function_tool
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext
from hard_e.agents.ports import TranscriptQueries
from hard_e.agents.transcripts import OBJECTION_TYPES
from hard_e.store.transcript_store import Overview

NOT_LOADED = "No call transcripts are loaded (an admin sets HARDE_TRANSCRIPTS_URI and runs `hard-e transcripts load`)."
MAX_QUOTES = 20

Outcome = Literal["all", "won", "lost", "pending"]
ObjectionType = Literal[OBJECTION_TYPES]  # type: ignore[valid-type]  # the schema's list, as an enum for the model


async def _loaded(ctx: RunContextWrapper[TurnContext]) -> tuple[TranscriptQueries, Overview] | None:
    store = ctx.context.transcripts
    if store is None:
        return None
    overview = await store.overview()
    return (store, overview) if overview.calls else None


def _scope(overview: Overview, outcome: str) -> str:
    """'15 calls (7 won, 5 lost, 3 pending)' or '5 lost calls (of 15 loaded)'."""
    if outcome == "all":
        split = ", ".join(f"{overview.by_outcome[o]} {o}" for o in ("won", "lost", "pending"))
        return f"{_calls(overview.calls)} ({split})"
    return f"{_calls(overview.by_outcome[outcome], outcome)} (of {overview.calls} loaded)"


def _calls(n: int, outcome: str = "") -> str:
    return f"{n} {outcome + ' ' if outcome else ''}call{'' if n == 1 else 's'}"


def _table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> str:
    return "\n".join(" | ".join(str(cell) for cell in row) for row in [header, *rows])


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _rate(won: int, decided: int) -> str:
    return f"{won / decided:.0%} ({won} of {decided})" if decided else "n/a (none decided)"


@function_tool
async def objections_by_outcome(ctx: RunContextWrapper[TurnContext], outcome: Outcome = "all") -> str:
    """How often each objection type came up in our sales calls, counted per call (a type counts once
    per call), how many of those calls resolved it, and with outcome "all" the split into won, lost and
    pending calls. Use outcome "lost" for "which objections come up most in lost deals?"."""
    loaded = await _loaded(ctx)
    if loaded is None:
        return NOT_LOADED
    store, overview = loaded
    in_scope = overview.calls if outcome == "all" else overview.by_outcome[outcome]
    if not in_scope:
        return f"None of the {_calls(overview.calls)} loaded is {outcome}."
    counts = await store.objection_counts(None if outcome == "all" else outcome)
    which = "all" if outcome == "all" else outcome
    head = f"Objections on {which} calls, based on {_scope(overview, outcome)}. A type counts once per call."
    if not counts:
        return f"{head}\nNo objections were recorded on these calls."
    if outcome == "all":
        split = [(c.type, c.calls, c.won, c.lost, c.pending, c.resolved) for c in counts]
        return f"{head}\n" + _table(("type", "calls", "won", "lost", "pending", "resolved on the call"), split)
    rows = [(c.type, f"{c.calls} of {in_scope}", c.resolved) for c in counts]
    return f"{head}\n" + _table(("type", f"{outcome} calls raising it", "resolved on the call"), rows)


@function_tool
async def win_rate_by_technique(ctx: RunContextWrapper[TurnContext]) -> str:
    """Win rate of the calls on which each selling technique was used (good_better_best,
    monthly_payment_reframe, …): won ÷ (won + lost), pending calls left out, with the counts behind it
    and the overall win rate to compare with."""
    loaded = await _loaded(ctx)
    if loaded is None:
        return NOT_LOADED
    store, overview = loaded
    rates = await store.win_rate_by_technique()
    head = (
        "Win rate by technique = won ÷ (won + lost); pending calls have no result yet and are left out of the rate.\n"
        f"Based on {_scope(overview, 'all')}; overall win rate {_rate(overview.by_outcome['won'], overview.decided)}."
    )
    if not rates:
        return f"{head}\nNo techniques were recorded on these calls."
    rows = [(r.technique, r.calls, r.won, r.lost, r.pending, _rate(r.won, r.won + r.lost)) for r in rates]
    return (
        f"{head}\n"
        + _table(("technique", "calls", "won", "lost", "pending", "win rate"), rows)
        + "\nTechniques no call used are not listed. A rate from a few decided calls is an anecdote, not a trend."
    )


@function_tool
async def deal_value_by_trade(ctx: RunContextWrapper[TurnContext], outcome: Outcome = "all") -> str:
    """Deal value per trade (roofing, siding, windows, gutters, solar): number of calls, total, average,
    smallest and largest, in whole dollars. Won calls carry the contract amount; lost and pending ones the
    amount of the option the customer was considering. Use outcome "won" for signed business."""
    loaded = await _loaded(ctx)
    if loaded is None:
        return NOT_LOADED
    store, overview = loaded
    values = await store.deal_value_by_trade(None if outcome == "all" else outcome)
    if not values:
        return f"None of the {_calls(overview.calls)} loaded is {outcome}."
    meaning = {
        "won": "contract amounts",
        "all": "contract amounts for won calls, the option being considered for lost and pending ones",
    }.get(outcome, "the amount of the option the customer was considering")
    calls, total = sum(v.calls for v in values), sum(v.total for v in values)
    rows = [(v.trade, v.calls, _money(v.total), _money(v.average), _money(v.smallest), _money(v.largest)) for v in values]
    rows.append(
        (
            "all trades",
            calls,
            _money(total),
            _money(total / calls),
            _money(min(v.smallest for v in values)),
            _money(max(v.largest for v in values)),
        )
    )
    return (
        f"Deal value by trade on {'all' if outcome == 'all' else outcome} calls ({meaning}), "
        f"based on {_scope(overview, outcome)}.\n" + _table(("trade", "calls", "total", "average", "smallest", "largest"), rows)
    )


@function_tool
async def objection_quotes(
    ctx: RunContextWrapper[TurnContext], objection_type: ObjectionType, outcome: Outcome = "all", limit: int = 5
) -> str:
    """What customers actually said when raising one type of objection, how the rep answered, and
    whether it was resolved, with the call id, date, rep and outcome; newest call first. `limit` is how
    many quotes to show (1–20)."""
    loaded = await _loaded(ctx)
    if loaded is None:
        return NOT_LOADED
    store, overview = loaded
    sample = await store.quotes(objection_type, None if outcome == "all" else outcome, max(1, min(limit, MAX_QUOTES)))
    where = "any call" if outcome == "all" else f"{outcome} calls"
    if not sample.total:
        return f"No {objection_type} objections on {where}, among {_scope(overview, outcome)}."
    lines = [
        f"{objection_type} objections on {where}: {sample.total} found among {_scope(overview, outcome)}; "
        f"showing {len(sample.quotes)}, newest call first."
    ]
    for n, q in enumerate(sample.quotes, start=1):
        lines.append(
            f"{n}. {q.call_id} ({q.outcome}, {q.date.isoformat()}, {q.rep}), {'resolved' if q.resolved else 'not resolved'}\n"
            f'   Customer: "{q.quote}"\n   Rep: {q.handled_how}'
        )
    return "\n".join(lines)


@function_tool
async def transcript_overview(ctx: RunContextWrapper[TurnContext]) -> str:
    """What the loaded call transcripts cover: number of calls and dates, outcomes and win rate, lost
    reasons, and calls per branch, rep and lead source with their outcomes."""
    loaded = await _loaded(ctx)
    if loaded is None:
        return NOT_LOADED
    store, overview = loaded
    lines = [
        f"Call transcripts loaded: {_scope(overview, 'all')} from {overview.first_date} to {overview.last_date}; "
        f"win rate {_rate(overview.by_outcome['won'], overview.decided)} = won ÷ (won + lost).",
    ]
    reasons = await store.lost_reasons()
    if reasons:
        lines.append(
            f"Lost reasons ({_calls(overview.by_outcome['lost'], 'lost')}): "
            + "; ".join(f"{r.reason or 'none recorded'} {r.calls} ({_money(r.total_value)})" for r in reasons)
        )
    for column, title in (("branch", "branch"), ("rep", "rep"), ("lead_source", "lead source")):
        groups = await store.calls_by(column)
        lines.append(
            f"By {title}:\n"
            + _table((title, "calls", "won", "lost", "pending"), [(g.name, g.calls, g.won, g.lost, g.pending) for g in groups])
        )
    return "\n".join(lines)


TOOLS = [objections_by_outcome, win_rate_by_technique, deal_value_by_trade, objection_quotes, transcript_overview]


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="analysis",
        handoff_description="Finds patterns across our sales-call transcripts: objections, win/loss reasons, techniques.",
        instructions=prompts.for_agent("analysis"),
        tools=list(TOOLS),
        model=model,
    )
