"""Each turn into the turn log (`store/turn_log.py`) and its model spend into the limits' counters and
/metrics. Latencies are from the moment the event reached Hard-E: to the model's first words, to the
first words a rep could read, to the whole answer on screen."""

from __future__ import annotations

import logging
import time

from hard_e.agents.events import Sink
from hard_e.agents.turn import Turn
from hard_e.bot.config import Settings
from hard_e.bot.metrics import Metrics
from hard_e.store.errors import STORE_ERRORS
from hard_e.store.turn_log import TurnLogStore, TurnRecord
from hard_e.store.usage import Usage
from hard_e.turn_report import TurnReport

log = logging.getLogger(__name__)


def _ms(since: float, at: float | None) -> int | None:
    return None if at is None else max(0, round((at - since) * 1000))


def record_of(turn: Turn, report: TurnReport, sink: Sink, *, settings: Settings, place: str, started: float) -> TurnRecord:
    """What the log keeps of one turn (the question only when HARDE_LOG_QUESTIONS=on)."""
    answered = report.outcome == "answered"
    return TurnRecord(
        team_id=turn.team_id,
        user_id=turn.user_id,
        place=place,
        conversation_key=turn.conversation_key,
        outcome=report.outcome,
        answer_ts=getattr(sink, "answer_ts", None) if answered else None,
        flow=report.flow,
        agent=report.agent,
        rule=report.rule,
        agents=list(report.agents),
        tools=list(report.tools),
        models=report.models,
        input_tokens=report.input_tokens,
        output_tokens=report.output_tokens,
        cost_usd=round(report.cost(settings.model_prices), 6),
        first_token_ms=_ms(started, getattr(sink, "first_token_at", None)),
        first_visible_ms=_ms(started, getattr(sink, "first_text_visible_at", None)),
        total_ms=_ms(started, time.monotonic()),
        question=turn.text if settings.log_questions else None,
    )


async def log_turn(
    turn: Turn,
    report: TurnReport,
    sink: Sink,
    *,
    settings: Settings,
    turn_log: TurnLogStore,
    usage: Usage,
    metrics: Metrics,
    place: str,
    started: float,
) -> int | None:
    """Record the turn and count its spend; the turn's id (None when the store is down: the rep has
    their answer, only the log misses a line)."""
    record = record_of(turn, report, sink, settings=settings, place=place, started=started)
    for model, (given, taken) in report.tokens.items():
        metrics.model_tokens.labels(model=model, kind="input").inc(given)
        metrics.model_tokens.labels(model=model, kind="output").inc(taken)
    if record.cost_usd:
        metrics.model_cost.inc(record.cost_usd)
    if report.queued_seconds is not None:
        metrics.turn_queue_seconds.observe(report.queued_seconds)
    try:
        turn_id = await turn_log.record(record)
        await usage.add_spend(turn.team_id, turn.user_id, record.cost_usd)
    except STORE_ERRORS as exc:
        log.warning("turn log unavailable: %s", type(exc).__name__)
        return None
    return turn_id
