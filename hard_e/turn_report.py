"""What one turn did, for the turn log: the route, the agents and tools it used, the models it asked
and their tokens. Never message text.

The face that starts a turn opens a report (`reporting()`); whatever runs inside that context — the
router's decision in the brain, the model clients in integrations — adds to it through `current()`,
so the layers need not pass it along. Outside a report (a CLI command, a test) nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class TurnReport:
    flow: str | None = None
    agent: str | None = None  # where the router sent it
    rule: str | None = None
    agents: list[str] = field(default_factory=list)  # every agent that took part, in order
    tools: list[str] = field(default_factory=list)  # every tool called, in order
    tokens: dict[str, list[int]] = field(default_factory=dict)  # model -> [input, output]
    outcome: str = "answered"  # answered, error:<kind>, refused, limited
    queued_seconds: float | None = None  # waiting behind an earlier turn of its thread

    @property
    def models(self) -> list[str]:
        return list(self.tokens)

    @property
    def input_tokens(self) -> int:
        return sum(given for given, _ in self.tokens.values())

    @property
    def output_tokens(self) -> int:
        return sum(taken for _, taken in self.tokens.values())

    def used(self, model: str, input_tokens: int, output_tokens: int) -> None:
        counts = self.tokens.setdefault(model, [0, 0])
        counts[0] += max(0, input_tokens)
        counts[1] += max(0, output_tokens)

    def joined(self, agent: str) -> None:
        if not self.agents or self.agents[-1] != agent:
            self.agents.append(agent)

    def cost(self, prices: dict[str, tuple[float, float]]) -> float:
        """USD at `prices` (per million input / output tokens); a model without a price costs nothing."""
        total = 0.0
        for model, (given, taken) in self.tokens.items():
            price = prices.get(model) or prices.get(model.split("/")[-1])
            if price is not None:
                total += (given * price[0] + taken * price[1]) / 1_000_000
        return total


_CURRENT: ContextVar[TurnReport | None] = ContextVar("hard_e_turn_report", default=None)


def current() -> TurnReport | None:
    """The report of the turn being answered here, if one is being kept."""
    return _CURRENT.get()


@contextmanager
def reporting(report: TurnReport) -> Iterator[TurnReport]:
    token = _CURRENT.set(report)
    try:
        yield report
    finally:
        _CURRENT.reset(token)


def model_used(model: str, input_tokens: int | None, output_tokens: int | None) -> None:
    """A model client's call finished with this usage (no-op outside a report)."""
    if (report := current()) is not None and model:
        report.used(model, input_tokens or 0, output_tokens or 0)
